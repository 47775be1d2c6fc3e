import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export type UserKind = 'human' | 'service';
export type UserStatus = 'ACTIVE' | 'DISABLED' | 'INVITED';

/** A person, or a service account (the one API_TOKEN stands for). Deleted users stay, marked. */
@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Unique, case-insensitively, among users not deleted. */
  @Column({ type: 'text' })
  username!: string;

  @Column({ name: 'display_name', type: 'text' })
  displayName!: string;

  @Column({ type: 'text', nullable: true })
  email!: string | null;

  @Column({ type: 'text' })
  kind!: UserKind;

  @Column({ type: 'text' })
  status!: UserStatus;

  /** Argon2id (PHC string); null for users who log in only through a directory or an IdP. Never returned. */
  @Column({ name: 'password_hash', type: 'text', nullable: true })
  passwordHash!: string | null;

  @Column({ name: 'password_changed_at', type: 'timestamptz', nullable: true })
  passwordChangedAt!: Date | null;

  @Column({ name: 'failed_logins', type: 'integer' })
  failedLogins!: number;

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil!: Date | null;

  @Column({ name: 'last_login_at', type: 'timestamptz', nullable: true })
  lastLoginAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}

/** A login identity outside Switchboard (a directory entry, an OIDC subject, a QQ/WeChat open id). */
@Entity({ name: 'user_identities' })
export class UserIdentityEntity {
  @PrimaryColumn({ type: 'text' })
  provider!: string;

  @PrimaryColumn({ type: 'text' })
  subject!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** A browser session: its cookie and CSRF token are stored hashed only. */
@Entity({ name: 'sessions' })
export class SessionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ name: 'token_hash', type: 'text' })
  tokenHash!: string;

  @Column({ name: 'csrf_hash', type: 'text' })
  csrfHash!: string;

  @Column({ type: 'text', nullable: true })
  address!: string | null;

  @Column({ name: 'user_agent', type: 'text', nullable: true })
  userAgent!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt!: Date;

  /** Absolute expiry; idle expiry is last_seen_at plus the idle timeout. */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}

/** A personal access token: shown once, stored hashed, named, scoped, expiring, revocable. */
@Entity({ name: 'api_tokens' })
export class ApiTokenEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'token_hash', type: 'text' })
  tokenHash!: string;

  /** The first characters of the token, to recognise it in a list. */
  @Column({ type: 'text' })
  prefix!: string;

  /** Null: every permission of its user; otherwise at most these (and never more than the user has). */
  @Column({ type: 'text', array: true, nullable: true })
  permissions!: string[] | null;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}

@Entity({ name: 'roles' })
export class RoleEntity {
  @PrimaryColumn({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  description!: string;

  @Column({ type: 'text', array: true })
  permissions!: string[];

  @Column({ type: 'boolean' })
  builtin!: boolean;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** A role given to a user, everywhere (no sites, no tags) or for some sites and device tags. */
@Entity({ name: 'role_bindings' })
export class RoleBindingEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ type: 'text' })
  role!: string;

  @Column({ type: 'text', array: true })
  sites!: string[];

  @Column({ type: 'text', array: true })
  tags!: string[];

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;
}

export type AuditOutcome = 'OK' | 'ERROR' | 'DENIED';

/** One audited event; each row's hash covers its content and the previous row's hash. */
@Entity({ name: 'audit_log' })
export class AuditEntryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'timestamptz' })
  ts!: Date;

  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId!: string | null;

  @Column({ name: 'actor_name', type: 'text', nullable: true })
  actorName!: string | null;

  @Column({ type: 'text', array: true })
  roles!: string[];

  @Column({ type: 'text', nullable: true })
  address!: string | null;

  @Column({ name: 'user_agent', type: 'text', nullable: true })
  userAgent!: string | null;

  /** mutation, login, logout, denied, token. */
  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'text' })
  operation!: string;

  /** With secrets redacted. */
  @Column({ type: 'jsonb', nullable: true })
  arguments!: unknown;

  @Column({ type: 'text' })
  outcome!: AuditOutcome;

  @Column({ name: 'error_code', type: 'text', nullable: true })
  errorCode!: string | null;

  @Column({ name: 'duration_ms', type: 'integer', nullable: true })
  durationMs!: number | null;

  @Column({ name: 'prev_hash', type: 'text' })
  prevHash!: string;

  @Column({ type: 'text' })
  hash!: string;
}
