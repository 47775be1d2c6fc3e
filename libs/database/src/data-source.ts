import { DataSource, type DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../../config/src/config';
import { CredentialEntity } from '../../../graphql/credentials/credential.entity';
import { DeviceEntity } from '../../../graphql/devices/device.entity';
import { CommandOutputEntity } from '../../../graphql/runs/command-output.entity';
import { RunDeviceEntity } from '../../../graphql/runs/run-device.entity';
import { RunEventEntity } from '../../../graphql/runs/run-event.entity';
import { RunEntity } from '../../../graphql/runs/run.entity';
import { CreateInventory1764000000000 } from '../../../migrations/1764000000000-CreateInventory';
import { CreateRuns1764000000001 } from '../../../migrations/1764000000001-CreateRuns';
import { CreateConfigSnapshots1764000000002 } from '../../../migrations/1764000000002-CreateConfigSnapshots';
import { AddParsedOutputs1764000000003 } from '../../../migrations/1764000000003-AddParsedOutputs';
import { AddChanges1764000000004 } from '../../../migrations/1764000000004-AddChanges';
import { AddIntendedConfig1764000000006 } from '../../../migrations/1764000000006-AddIntendedConfig';
import { ConfigSnapshotEntity } from '../../../graphql/configs/config-snapshot.entity';
import { ConfigTemplateVersionEntity } from '../../../graphql/templates/config-template-version.entity';
import { ConfigTemplateEntity } from '../../../graphql/templates/config-template.entity';
import { VariableSetEntity } from '../../../graphql/templates/variable-set.entity';
import { CreateConfigTemplates1764000000005 } from '../../../migrations/1764000000005-CreateConfigTemplates';
import { CreateTasks1764000000007 } from '../../../migrations/1764000000007-CreateTasks';
import { CreateSchedules1764000000008 } from '../../../migrations/1764000000008-CreateSchedules';
import { ScheduleEntity } from '../../../graphql/schedules/schedule.entity';
import { CreateDeviceSafety1764000000009 } from '../../../migrations/1764000000009-CreateDeviceSafety';
import { CreateNodes1764000000010 } from '../../../migrations/1764000000010-CreateNodes';
import { CreateDeviceChecks1764000000011 } from '../../../migrations/1764000000011-CreateDeviceChecks';
import { RunStepEntity, TaskEntity, TaskVersionEntity } from '../../../graphql/tasks/task.entity';

export const ENTITIES = [
  CredentialEntity,
  DeviceEntity,
  RunEntity,
  RunDeviceEntity,
  CommandOutputEntity,
  RunEventEntity,
  ConfigSnapshotEntity,
  ConfigTemplateEntity,
  ConfigTemplateVersionEntity,
  VariableSetEntity,
  TaskEntity,
  TaskVersionEntity,
  RunStepEntity,
  ScheduleEntity,
];
export const MIGRATIONS = [
  CreateInventory1764000000000,
  CreateRuns1764000000001,
  CreateConfigSnapshots1764000000002,
  AddParsedOutputs1764000000003,
  AddChanges1764000000004,
  CreateConfigTemplates1764000000005,
  AddIntendedConfig1764000000006,
  CreateTasks1764000000007,
  CreateSchedules1764000000008,
  CreateDeviceSafety1764000000009,
  CreateNodes1764000000010,
  CreateDeviceChecks1764000000011,
];

/** Migrations are explicit classes (no globs), so the same list works from TypeScript and compiled JS. */
export function dataSourceOptions(database: AppConfig['database']): DataSourceOptions {
  return {
    type: 'postgres',
    url: database.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    migrationsRun: false,
    extra: { max: database.poolSize, application_name: 'switchboard' },
  };
}

export async function runMigrations(database: AppConfig['database']): Promise<string[]> {
  const dataSource = new DataSource(dataSourceOptions({ ...database, poolSize: 1 }));
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}
