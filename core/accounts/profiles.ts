import type { DataSource, EntityManager } from 'typeorm';
import { ErrorCode, SwitchboardError } from '../../libs/common/src/errors';
import { parseJson } from '../../libs/common/src/json';
import { PROFILE_NOTIFY_CHANNEL } from '../database/notify';
import type { ProfileAction } from './profile.entities';
import {
  applyUpdate,
  checkProfile,
  defaultProfile,
  exportProfile,
  importProfile as importRules,
  PROFILE_LIMITS,
  type ProfileData,
} from './profile-rules';

/**
 * User profiles: the only code that writes `profiles` and `profile_versions`. Each change (an
 * update, a restore, an import) is checked by profile-rules.ts, stored as a new version under a
 * per-user lock (optimistic concurrency: `expectedVersion`), and announced with a PostgreSQL
 * NOTIFY on PROFILE_NOTIFY_CHANNEL at commit, so every API process can push it to the user's
 * other sessions (`profileUpdated`).
 */

export interface StoredProfile {
  userId: string;
  /** 0 for a user who never saved a profile (the defaults). */
  version: number;
  data: ProfileData;
  updatedAt: Date | null;
}

export interface ProfileVersionRow {
  userId: string;
  version: number;
  data: ProfileData;
  createdAt: Date;
  createdBy: string | null;
  createdByName: string | null;
  action: ProfileAction;
  restoredFrom: number | null;
}

export const MAX_VERSIONS_PAGE = 100;

type Db = DataSource | EntityManager;

async function defaultsOf(db: Db, userId: string): Promise<ProfileData> {
  const rows = (await db.query(
    `SELECT username, display_name, email FROM users WHERE id = $1 AND deleted_at IS NULL`,
    [userId],
  )) as { username: string; display_name: string; email: string | null }[];
  if (rows.length === 0) throw SwitchboardError.notFound('User', userId);
  return defaultProfile({
    username: rows[0].username,
    displayName: rows[0].display_name,
    email: rows[0].email,
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The user's profile: the stored one, or the defaults (version 0). NOT_FOUND for an unknown user. */
export async function loadProfile(db: Db, userId: string): Promise<StoredProfile> {
  if (!UUID.test(userId)) throw SwitchboardError.notFound('User', userId);
  const rows = (await db.query(`SELECT version, data, updated_at FROM profiles WHERE user_id = $1`, [
    userId,
  ])) as { version: number; data: ProfileData; updated_at: Date }[];
  if (rows.length > 0) {
    return { userId, version: rows[0].version, data: rows[0].data, updatedAt: rows[0].updated_at };
  }
  return { userId, version: 0, data: await defaultsOf(db, userId), updatedAt: null };
}

interface Change {
  data: ProfileData;
  action: ProfileAction;
  restoredFrom?: number;
  /** Store a version even when nothing differs (a restore, an import). */
  always?: boolean;
}

/**
 * Applies `change` to the user's profile under a per-user lock: CONFLICT when `expectedVersion`
 * is given and is not the current version. An update that changes nothing stores nothing (not even
 * the defaults of a user at version 0).
 */
async function save(
  db: DataSource,
  userId: string,
  by: string,
  expectedVersion: number | null | undefined,
  change: (current: StoredProfile, defaults: ProfileData) => Promise<Change> | Change,
): Promise<StoredProfile> {
  return db.transaction(async (m) => {
    await m.query(`SELECT pg_advisory_xact_lock(hashtext('switchboard:profile'), hashtext($1))`, [userId]);
    const current = await loadProfile(m, userId);
    if (expectedVersion !== null && expectedVersion !== undefined && expectedVersion !== current.version) {
      throw new SwitchboardError(
        ErrorCode.CONFLICT,
        `expectedVersion: the profile is at version ${current.version}, not ${expectedVersion}: it was changed meanwhile (reload it and try again)`,
        [{ field: 'expectedVersion', message: `the profile is at version ${current.version}` }],
      );
    }
    const next = await change(current, await defaultsOf(m, userId));
    if (!next.always) {
      // Compared as jsonb: key order does not matter.
      const [{ same }] = (await m.query(`SELECT $1::jsonb = $2::jsonb AS same`, [
        JSON.stringify(next.data),
        JSON.stringify(current.data),
      ])) as { same: boolean }[];
      if (same) return current;
    }
    const version = current.version + 1;
    const [row] = (await m.query(
      `INSERT INTO profiles (user_id, version, data, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (user_id) DO UPDATE SET version = EXCLUDED.version, data = EXCLUDED.data, updated_at = now()
       RETURNING updated_at`,
      [userId, version, JSON.stringify(next.data)],
    )) as { updated_at: Date }[];
    await m.query(
      `INSERT INTO profile_versions (user_id, version, data, created_at, created_by, action, restored_from)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        userId,
        version,
        JSON.stringify(next.data),
        row.updated_at,
        by,
        next.action,
        next.restoredFrom ?? null,
      ],
    );
    // The account shows the same name (`me`, `users`, the audit log's actor names stay usernames).
    await m.query(`UPDATE users SET display_name = $2 WHERE id = $1 AND display_name IS DISTINCT FROM $2`, [
      userId,
      next.data.displayName,
    ]);
    // Delivered at commit: a listener never sees a version that is not stored yet.
    await m.query(`SELECT pg_notify($1, $2)`, [PROFILE_NOTIFY_CHANNEL, `${userId}:${version}`]);
    return { userId, version, data: next.data, updatedAt: row.updated_at };
  });
}

const invalid = (result: ReturnType<typeof checkProfile>): ProfileData => {
  if (!result.profile) throw SwitchboardError.invalidFields(result.errors);
  return result.profile;
};

/** An update (profile-rules.ts applyUpdate: the fields given replace the current ones). */
export function updateProfile(
  db: DataSource,
  userId: string,
  by: string,
  patch: Record<string, unknown>,
  expectedVersion?: number | null,
): Promise<StoredProfile> {
  return save(db, userId, by, expectedVersion, (current) => ({
    data: invalid(applyUpdate(current.data, patch)),
    action: 'update',
  }));
}

/** A new version equal to `version` (checked again: rules may have tightened since). */
export function restoreProfile(
  db: DataSource,
  userId: string,
  by: string,
  version: number,
  expectedVersion?: number | null,
): Promise<StoredProfile> {
  return save(db, userId, by, expectedVersion, async (_current, defaults) => {
    const rows = (await db.query(`SELECT data FROM profile_versions WHERE user_id = $1 AND version = $2`, [
      userId,
      version,
    ])) as { data: ProfileData }[];
    if (rows.length === 0) {
      throw new SwitchboardError(ErrorCode.NOT_FOUND, `version: your profile has no version ${version}`, [
        { field: 'version', message: `no version ${version}` },
      ]);
    }
    return {
      data: invalid(checkProfile(rows[0].data, defaults)),
      action: 'restore',
      restoredFrom: version,
      always: true,
    };
  });
}

/** The text of exportMyProfile. */
export async function exportProfileText(db: DataSource, userId: string, username: string): Promise<string> {
  const profile = await loadProfile(db, userId);
  return exportProfile(profile.data, { username, version: profile.version, at: new Date() });
}

/** An export taken back whole (fields it lacks take their defaults), as a new version. */
export function importProfile(
  db: DataSource,
  userId: string,
  by: string,
  json: string,
  expectedVersion?: number | null,
): Promise<StoredProfile> {
  if (Buffer.byteLength(json, 'utf8') > PROFILE_LIMITS.importBytes) {
    throw SwitchboardError.badInput('json', `must be at most ${PROFILE_LIMITS.importBytes} bytes`);
  }
  const parsed = parseJson('json', json);
  return save(db, userId, by, expectedVersion, (_current, defaults) => ({
    data: invalid(importRules(parsed, defaults)),
    action: 'import',
    always: true,
  }));
}

/** The user's stored versions, newest first (`before`: only versions older than it). */
export async function listProfileVersions(
  db: DataSource,
  userId: string,
  first: number,
  before?: number | null,
): Promise<ProfileVersionRow[]> {
  const rows = (await db.query(
    `SELECT v.version, v.data, v.created_at, v.created_by, u.username AS created_by_name, v.action, v.restored_from
       FROM profile_versions v LEFT JOIN users u ON u.id = v.created_by
      WHERE v.user_id = $1 AND ($2::integer IS NULL OR v.version < $2)
      ORDER BY v.version DESC LIMIT $3`,
    [userId, before ?? null, Math.min(Math.max(first, 1), MAX_VERSIONS_PAGE)],
  )) as {
    version: number;
    data: ProfileData;
    created_at: Date;
    created_by: string | null;
    created_by_name: string | null;
    action: ProfileAction;
    restored_from: number | null;
  }[];
  return rows.map((r) => ({
    userId,
    version: r.version,
    data: r.data,
    createdAt: r.created_at,
    createdBy: r.created_by,
    createdByName: r.created_by_name,
    action: r.action,
    restoredFrom: r.restored_from,
  }));
}

/**
 * Whether what a long-lived subscription signed in with still holds: the user active and not
 * deleted, the session or token not revoked nor expired. A subscription checks it before each push.
 */
export async function stillSignedIn(
  db: DataSource,
  who: { userId: string; sessionId: string | null; tokenId: string | null },
): Promise<boolean> {
  const rows = (await db.query(
    `SELECT 1 FROM users u
      WHERE u.id = $1 AND u.status = 'ACTIVE' AND u.deleted_at IS NULL
        AND ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM sessions s WHERE s.id = $2 AND s.user_id = u.id
              AND s.revoked_at IS NULL AND s.expires_at > now()))
        AND ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM api_tokens t WHERE t.id = $3 AND t.user_id = u.id
              AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())))`,
    [who.userId, who.sessionId, who.tokenId],
  )) as unknown[];
  return rows.length > 0;
}
