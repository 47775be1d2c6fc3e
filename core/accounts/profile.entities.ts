import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ProfileData } from './profile-rules';

/** A user's current profile (written only by core/accounts/profiles.ts). */
@Entity({ name: 'profiles' })
export class ProfileEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId!: string;

  /** 1 for the first saved profile; each change adds one. */
  @Column({ type: 'integer' })
  version!: number;

  @Column({ type: 'jsonb' })
  data!: ProfileData;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

export type ProfileAction = 'update' | 'restore' | 'import';

/** Every version a profile had, the current one included: nothing is lost by a change. */
@Entity({ name: 'profile_versions' })
export class ProfileVersionEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @PrimaryColumn({ type: 'integer' })
  version!: number;

  @Column({ type: 'jsonb' })
  data!: ProfileData;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  /** How the version was made: an update, a restore of an earlier version, or an import. */
  @Column({ type: 'text' })
  action!: ProfileAction;

  /** For a restore: the version it copied. */
  @Column({ name: 'restored_from', type: 'integer', nullable: true })
  restoredFrom!: number | null;
}
