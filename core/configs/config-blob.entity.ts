import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A config's text, stored once per hash however many snapshots (of however many devices) share it. */
@Entity({ name: 'config_blobs' })
export class ConfigBlobEntity {
  /** sha256 of the normalised config (volatile lines removed). */
  @PrimaryColumn({ type: 'text' })
  hash!: string;

  /** The config as the device printed it (volatile lines included). */
  @Column({ type: 'text' })
  content!: string;

  @Column({ name: 'size_bytes', type: 'integer' })
  sizeBytes!: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
