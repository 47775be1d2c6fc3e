import type { ImportFormatName } from './device-import';

/**
 * What the devices and credentials repositories accept. The API's input types implement these
 * (graphql/devices/dto, graphql/credentials/dto); core never sees a GraphQL class.
 */

export interface DeviceInput {
  name: string;
  host: string;
  port?: number;
  platform: string;
  site?: string | null;
  tags?: string[] | null;
  credentialId: string;
  /** Write-only: encrypted at rest, never returned. */
  enableSecret?: string | null;
}

/** Only the fields given change; `enableSecret: ''` removes the secret. */
export type DevicePatch = Partial<DeviceInput>;

export interface DeviceFilter {
  site?: string | null;
  platform?: string | null;
  tags?: string[] | null;
  /** Part of the name or host. */
  search?: string | null;
  reachability?: 'UNKNOWN' | 'UP' | 'DOWN' | null;
}

export interface DeviceQuery {
  first: number;
  after?: string;
  filter?: DeviceFilter | null;
}

export interface DeviceImport {
  format: ImportFormatName;
  data: string;
  /** Update devices that exist (by name) instead of reporting them. */
  upsert: boolean;
}

export interface CredentialInput {
  name: string;
  username: string;
  /** Write-only, one of password and privateKey. */
  password?: string;
  privateKey?: string;
  passphrase?: string;
}

export type CredentialPatch = Partial<CredentialInput>;

export interface PageQuery {
  first: number;
  after?: string;
}
