import { Column, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const VARIABLE_SCOPES = ['global', 'site', 'device'] as const;
export type VariableScopeName = (typeof VARIABLE_SCOPES)[number];

/** Variables for data binding at one scope: global (key ''), a site (its name) or a device (its id). */
@Entity({ name: 'variable_sets' })
export class VariableSetEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  scope!: VariableScopeName;

  @Column({ name: 'scope_key', type: 'text' })
  scopeKey!: string;

  @Column({ type: 'jsonb' })
  variables!: Record<string, unknown>;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
