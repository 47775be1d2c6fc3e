import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** Where notifications go: e-mail addresses, a webhook, a DingTalk, WeCom or Feishu robot. */
@Entity({ name: 'alert_channels' })
export class AlertChannelEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text' }) kind!: string;
  @Column({ type: 'text' }) language!: string;
  /** Non-secret settings: e-mail recipients, DingTalk @mobiles. */
  @Column({ type: 'jsonb' }) settings!: Record<string, unknown>;
  /** SecretBox envelope of `{ url, secret }`; never returned or logged. */
  @Column({ type: 'text', nullable: true }) secret!: string | null;
  @Column({ type: 'boolean' }) enabled!: boolean;
  @Column({ name: 'created_by', type: 'uuid', nullable: true }) createdBy!: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

/** A rule: which events fire it, how they group, who is told, in which words. */
@Entity({ name: 'alert_rules' })
export class AlertRuleEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'boolean' }) enabled!: boolean;
  @Column({ name: 'event_kind', type: 'text' }) eventKind!: string;
  @Column({ type: 'jsonb' }) filters!: Record<string, unknown>;
  @Column({ type: 'text' }) severity!: string;
  @Column({ type: 'jsonb' }) recipients!: Record<string, unknown>;
  @Column({ type: 'jsonb' }) escalations!: unknown[];
  @Column({ type: 'jsonb' }) templates!: unknown[];
  @Column({ name: 'group_by', type: 'text', array: true }) groupBy!: string[];
  @Column({ name: 'group_window_seconds', type: 'integer' }) groupWindowSeconds!: number;
  @Column({ name: 'repeat_interval_seconds', type: 'integer' }) repeatIntervalSeconds!: number;
  @Column({ type: 'text' }) language!: string;
  @Column({ name: 'created_by', type: 'uuid', nullable: true }) createdBy!: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

/** One alert: the open group of a rule's events with one grouping key, and its lifecycle. */
@Entity({ name: 'alerts' })
export class AlertEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'rule_id', type: 'uuid' }) ruleId!: string;
  @Column({ name: 'group_key', type: 'text' }) groupKey!: string;
  @Column({ type: 'jsonb' }) labels!: Record<string, unknown>;
  @Column({ type: 'text' }) status!: string;
  @Column({ type: 'text' }) severity!: string;
  @Column({ type: 'integer' }) level!: number;
  @Column({ name: 'event_count', type: 'integer' }) eventCount!: number;
  @Column({ name: 'first_at', type: 'timestamptz' }) firstAt!: Date;
  @Column({ name: 'last_at', type: 'timestamptz' }) lastAt!: Date;
  @Column({ name: 'notified_at', type: 'timestamptz', nullable: true }) notifiedAt!: Date | null;
  @Column({ name: 'notified_level', type: 'integer', nullable: true }) notifiedLevel!: number | null;
  @Column({ name: 'acknowledged_at', type: 'timestamptz', nullable: true }) acknowledgedAt!: Date | null;
  @Column({ name: 'acknowledged_by', type: 'uuid', nullable: true }) acknowledgedBy!: string | null;
  @Column({ name: 'acknowledged_via', type: 'text', nullable: true }) acknowledgedVia!: string | null;
  @Column({ name: 'silenced_until', type: 'timestamptz', nullable: true }) silencedUntil!: Date | null;
  @Column({ name: 'silence_reason', type: 'text', nullable: true }) silenceReason!: string | null;
  @Column({ name: 'silenced_by', type: 'uuid', nullable: true }) silencedBy!: string | null;
  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true }) resolvedAt!: Date | null;
  @Column({ name: 'resolved_by', type: 'uuid', nullable: true }) resolvedBy!: string | null;
  @Column({ name: 'resolve_reason', type: 'text', nullable: true }) resolveReason!: string | null;
  @Column({ name: 'workflow_started', type: 'boolean' }) workflowStarted!: boolean;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

/** An event that joined an alert; `cleared_at` once its condition cleared (the device is UP again). */
@Entity({ name: 'alert_events' })
export class AlertEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column({ name: 'alert_id', type: 'uuid' }) alertId!: string;
  @Column({ name: 'rule_id', type: 'uuid' }) ruleId!: string;
  @Column({ name: 'event_key', type: 'text' }) eventKey!: string;
  @Column({ type: 'text' }) kind!: string;
  @Column({ type: 'text' }) subject!: string;
  @Column({ type: 'timestamptz' }) ts!: Date;
  @Column({ type: 'jsonb' }) data!: Record<string, unknown>;
  @Column({ name: 'cleared_at', type: 'timestamptz', nullable: true }) clearedAt!: Date | null;
}

/** One message to one recipient in one notification round of an alert. */
@Entity({ name: 'alert_deliveries' })
export class AlertDeliveryEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'alert_id', type: 'uuid' }) alertId!: string;
  @Column({ type: 'integer' }) round!: number;
  @Column({ type: 'integer' }) level!: number;
  @Column({ type: 'text' }) recipient!: string;
  @Column({ name: 'channel_id', type: 'uuid', nullable: true }) channelId!: string | null;
  @Column({ name: 'user_id', type: 'uuid', nullable: true }) userId!: string | null;
  @Column({ type: 'text' }) kind!: string;
  @Column({ type: 'text' }) language!: string;
  @Column({ type: 'text' }) subject!: string;
  @Column({ type: 'text' }) body!: string;
  @Column({ type: 'text' }) status!: string;
  @Column({ type: 'integer' }) attempts!: number;
  @Column({ type: 'text', nullable: true }) error!: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true }) sentAt!: Date | null;
}

/** One try at sending a delivery: outcome, the provider's answer (truncated) and its timing. */
@Entity({ name: 'alert_delivery_attempts' })
export class AlertDeliveryAttemptEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column({ name: 'delivery_id', type: 'uuid' }) deliveryId!: string;
  @Column({ type: 'integer' }) attempt!: number;
  @Column({ name: 'started_at', type: 'timestamptz' }) startedAt!: Date;
  @Column({ name: 'duration_ms', type: 'integer' }) durationMs!: number;
  @Column({ type: 'boolean' }) ok!: boolean;
  @Column({ name: 'status_code', type: 'integer', nullable: true }) statusCode!: number | null;
  @Column({ type: 'text', nullable: true }) response!: string | null;
  @Column({ type: 'text', nullable: true }) error!: string | null;
}

/** How far the evaluator has read the recorded events (one row). */
@Entity({ name: 'alert_cursor' })
export class AlertCursorEntity {
  @PrimaryColumn({ type: 'integer' }) id!: number;
  @Column({ name: 'scanned_to', type: 'timestamptz' }) scannedTo!: Date;
}

export const ALERT_ENTITIES = [
  AlertChannelEntity,
  AlertRuleEntity,
  AlertEntity,
  AlertEventEntity,
  AlertDeliveryEntity,
  AlertDeliveryAttemptEntity,
  AlertCursorEntity,
];
