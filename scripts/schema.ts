import { AccountLinksResolver } from '../graphql/accounts/account-links.resolver';
import { NestFactory } from '@nestjs/core';
import { GraphQLSchemaBuilderModule, GraphQLSchemaFactory } from '@nestjs/graphql';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { ConfigsResolver } from '../graphql/configs/configs.resolver';
import { CredentialsResolver } from '../graphql/credentials/credentials.resolver';
import { DevicesResolver } from '../graphql/devices/devices.resolver';
import { RunDeviceResolver, RunsResolver } from '../graphql/runs/runs.resolver';
import { ConfigTemplatesResolver } from '../graphql/templates/templates.resolver';
import { TaskRunsResolver, TasksResolver } from '../graphql/tasks/tasks.resolver';
import { SchedulesResolver } from '../graphql/schedules/schedules.resolver';
import { SafetyResolver } from '../graphql/safety/safety.graphql';
import { NodesResolver } from '../graphql/nodes/nodes.graphql';
import { AccountsResolver } from '../graphql/accounts/accounts.resolver';
import { MfaResolver } from '../graphql/accounts/mfa.resolver';
import { IdentitiesResolver } from '../graphql/accounts/identities.resolver';
import { ProfilesResolver } from '../graphql/accounts/profiles.resolver';
import { ArtifactsResolver } from '../graphql/artifacts/artifacts.resolver';
import {
  AlertChannelsResolver,
  AlertDeliveriesResolver,
  AlertRulesResolver,
  AlertsResolver,
} from '../graphql/alerts/alerts.resolver';

/** Every resolver of the API; the schema is generated from them without starting anything. */
export const RESOLVERS = [
  CredentialsResolver,
  DevicesResolver,
  RunsResolver,
  RunDeviceResolver,
  ConfigsResolver,
  ConfigTemplatesResolver,
  TasksResolver,
  TaskRunsResolver,
  SchedulesResolver,
  SafetyResolver,
  NodesResolver,
  AccountsResolver,
  MfaResolver,
  IdentitiesResolver,
  AccountLinksResolver,
  ProfilesResolver,
  ArtifactsResolver,
  AlertRulesResolver,
  AlertChannelsResolver,
  AlertsResolver,
  AlertDeliveriesResolver,
];

export async function buildSchemaText(): Promise<string> {
  const app = await NestFactory.create(GraphQLSchemaBuilderModule, { logger: false });
  try {
    await app.init();
    const schema = await app.get(GraphQLSchemaFactory).create(RESOLVERS);
    return printSchema(lexicographicSortSchema(schema)) + '\n';
  } finally {
    await app.close();
  }
}
