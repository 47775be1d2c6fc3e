import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One artifact: name@version, its content the blob named by `sha256` (core/artifacts/blob-store.ts). */
@Entity({ name: 'artifacts' })
export class ArtifactEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  version!: string;

  @Column({ type: 'text' })
  sha256!: string;

  /** bigint: read as a string by pg, turned into a number by the repository. */
  @Column({ name: 'size_bytes', type: 'bigint' })
  sizeBytes!: string;

  @Column({ name: 'content_type', type: 'text' })
  contentType!: string;

  /** `upload` (HTTP) or `download` (a file.download step fetched it from a host). */
  @Column({ type: 'text' })
  source!: 'upload' | 'download';

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** Retention: hidden and purged after this; null keeps it until deleted. */
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;
}
