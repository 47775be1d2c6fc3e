import { graphqlClient, GraphQLRequestError } from './graphql-client';

export interface LabInventoryDevice {
  name: string;
  platform: string;
  host: string;
  port: number;
  username: string;
  password: string;
  enableSecret?: string;
}

/**
 * Register the lab's devices through the API, as an operator would: one credential per distinct
 * login, then a bulk JSON import (upsert, so a restart is harmless). Sites alternate lab-a / lab-b.
 */
export async function registerLabInventory(options: {
  graphqlUrl: string;
  token: string;
  inventory: LabInventoryDevice[];
}): Promise<{ devices: number; summary: string }> {
  const gql = graphqlClient(options.graphqlUrl, options.token);
  const logins = new Map<string, string>();
  for (const d of options.inventory) {
    const key = `${d.username}\u0000${d.password}`;
    if (!logins.has(key)) logins.set(key, `lab-${d.username}${logins.size ? '-' + logins.size : ''}`);
  }
  for (const [key, name] of logins) {
    const [username, password] = key.split('\u0000');
    try {
      await gql.request(
        `mutation ($input: CreateCredentialInput!) { createCredential(input: $input) { id } }`,
        {
          input: { name, username, password },
        },
      );
    } catch (error) {
      // Already registered by an earlier start: keep it.
      if (!(
        error instanceof GraphQLRequestError && error.errors.every((e) => e.extensions?.code === 'CONFLICT')
      ))
        throw error;
    }
  }
  const rows = options.inventory.map((d, i) => ({
    name: d.name,
    host: d.host,
    port: d.port,
    platform: d.platform,
    site: i % 2 === 0 ? 'lab-a' : 'lab-b',
    tags: ['lab', d.platform],
    credential: logins.get(`${d.username}\u0000${d.password}`),
    enable_secret: d.enableSecret,
  }));
  const result = await gql.request<{
    importDevices: {
      created: number;
      updated: number;
      failed: number;
      errors: { row: number; field: string; message: string }[];
    };
  }>(
    `mutation ($input: ImportDevicesInput!) {
      importDevices(input: $input) { created updated failed errors { row field message } }
    }`,
    { input: { format: 'JSON', data: JSON.stringify(rows), upsert: true } },
  );
  const r = result.importDevices;
  if (r.failed > 0) {
    throw new Error(
      `lab import had ${r.failed} bad rows: ${r.errors.map((e) => `row ${e.row} ${e.field}: ${e.message}`).join('; ')}`,
    );
  }
  const byPlatform = new Map<string, number>();
  for (const d of options.inventory) byPlatform.set(d.platform, (byPlatform.get(d.platform) ?? 0) + 1);
  return {
    devices: r.created + r.updated,
    summary: [...byPlatform].map(([p, n]) => `${n} ${p}`).join(', '),
  };
}
