import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One immutable version of a stored template: numbered from 1 per template. */
@Entity({ name: 'config_template_versions' })
export class ConfigTemplateVersionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'template_id', type: 'uuid' })
  templateId!: string;

  @Column({ type: 'integer' })
  version!: number;

  /** Liquid source. */
  @Column({ type: 'text' })
  source!: string;

  /** JSON Schema of the variables. */
  @Column({ name: 'variables_schema', type: 'jsonb' })
  variablesSchema!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;

  @Column({ type: 'text', nullable: true })
  note!: string | null;
}
