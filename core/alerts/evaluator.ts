/**
 * The evaluator: reads what the system has recorded since its last pass (runs that reached a final
 * status, task steps waiting for approval, devices whose reachability changed, node events), turns
 * each into an AlertEvent, and applies the enabled rules: a matching event joins the open alert of
 * its rule and grouping key, or opens one. An event that clears a subject (the device is UP again,
 * a later run of the task COMPLETED, the node is UP) clears the open events about it; an alert whose
 * events are all cleared is RESOLVED. Nothing is hooked into the modules that record the events.
 *
 * Exactly once: one pass is one transaction that holds the cursor row; the cursor moves in the same
 * commit as the alerts. Each pass re-reads OVERLAP_MS before the cursor (a transaction that
 * committed late with an earlier timestamp is still seen), and an event joins a rule's alerts once
 * (unique rule and event key).
 */
import type { DataSource } from 'typeorm';
import { FINAL_RUN_STATUSES } from '../runs/run-states';
import { inTransaction, type Db } from '../runs/run-log';
import { groupKeyOf, groupLabelsOf, ruleMatches, type AlertEvent, type AlertRule } from './alert-rules';
import { toRule } from './alerts';

export const OVERLAP_MS = 60_000;

/** What a pass did: alerts whose workflow must start, and alerts whose workflow must look again. */
export interface EvaluationResult {
  start: string[];
  wake: string[];
  events: number;
  matched: number;
  /** No enabled rule and no open alert: the evaluator has nothing to do and may stop. */
  idle: boolean;
}

// ---------------------------------------------------------------------------------------------
// Sources: what is recorded, read as events.

async function runEvents(db: Db, from: Date, to: Date): Promise<AlertEvent[]> {
  const rows: {
    id: string;
    kind: string;
    status: string;
    task_id: string | null;
    task_name: string | null;
    ts: Date;
    error: string | null;
    schedule_id: string | null;
    workflow_id: string;
    sites: string[];
  }[] = await db.query(
    `SELECT r.id, r.kind, r.status, r.task_id, t.name AS task_name, r.finished_at AS ts, r.error, r.schedule_id, r.workflow_id,
            ARRAY(SELECT DISTINCT d.site FROM run_devices rd JOIN devices d ON d.id = rd.device_id
                   WHERE rd.run_id = r.id AND d.site IS NOT NULL ORDER BY d.site) AS sites
       FROM runs r LEFT JOIN tasks t ON t.id = r.task_id
      WHERE r.finished_at > $1 AND r.finished_at <= $2 AND r.parent_run_id IS NULL AND r.status = ANY($3)`,
    [from, to, [...FINAL_RUN_STATUSES]],
  );
  return rows.map((r) => {
    const subject = r.task_id ? `task:${r.task_id}` : `runs:${r.kind}`;
    return {
      kind: 'RUN_FINISHED',
      key: `run:${r.id}`,
      subject,
      // A run that completed clears the failures of its task (or of its kind) before it.
      clears: r.status === 'COMPLETED' ? [subject] : [],
      ts: r.ts,
      labels: { runKind: r.kind, status: r.status, task: r.task_name, site: r.sites[0] ?? null },
      data: {
        runId: r.id,
        runKind: r.kind,
        status: r.status,
        taskId: r.task_id,
        taskName: r.task_name,
        scheduleId: r.schedule_id,
        workflowId: r.workflow_id,
        sites: r.sites,
        error: r.error,
      },
    };
  });
}

async function approvalEvents(db: Db, from: Date, to: Date): Promise<AlertEvent[]> {
  const rows: {
    run_id: string;
    step_id: string;
    ts: Date;
    task_id: string | null;
    task_name: string | null;
    workflow_id: string;
  }[] = await db.query(
    `SELECT s.run_id, s.step_id, s.started_at AS ts, r.task_id, t.name AS task_name, r.workflow_id
         FROM run_steps s JOIN runs r ON r.id = s.run_id LEFT JOIN tasks t ON t.id = r.task_id
        WHERE s.status = 'WAITING_APPROVAL' AND s.started_at > $1 AND s.started_at <= $2`,
    [from, to],
  );
  return rows.map((r) => ({
    kind: 'STEP_AWAITING_APPROVAL',
    key: `approval:${r.run_id}:${r.step_id}:${r.ts.toISOString()}`,
    subject: `step:${r.run_id}:${r.step_id}`,
    clears: [],
    ts: r.ts,
    labels: { task: r.task_name, run: r.run_id, step: r.step_id },
    data: {
      runId: r.run_id,
      stepId: r.step_id,
      taskId: r.task_id,
      taskName: r.task_name,
      workflowId: r.workflow_id,
    },
  }));
}

async function deviceEvents(db: Db, from: Date, to: Date): Promise<AlertEvent[]> {
  const rows: {
    id: string;
    name: string;
    host: string;
    site: string | null;
    tags: string[];
    status: string;
    ts: Date;
    error: string | null;
  }[] = await db.query(
    `SELECT id, name, host, site, tags, reach_status AS status, reach_changed_at AS ts, reach_error AS error
       FROM devices WHERE reach_changed_at > $1 AND reach_changed_at <= $2 AND reach_status IN ('UP', 'DOWN')`,
    [from, to],
  );
  return rows.map((r) => {
    const subject = `device:${r.id}`;
    const down = r.status === 'DOWN';
    return {
      kind: down ? 'DEVICE_DOWN' : 'DEVICE_UP',
      key: `${subject}:${r.status}:${r.ts.toISOString()}`,
      subject,
      clears: down ? [] : [subject],
      ts: r.ts,
      labels: { device: r.name, site: r.site },
      data: {
        deviceId: r.id,
        device: r.name,
        host: r.host,
        site: r.site,
        sites: r.site ? [r.site] : [],
        tags: r.tags,
        status: r.status,
        error: down ? r.error : null,
      },
    };
  });
}

async function nodeEvents(db: Db, from: Date, to: Date): Promise<AlertEvent[]> {
  const rows: { id: string; node_id: string; kind: string; message: string; ts: Date }[] = await db.query(
    `SELECT id, node_id, kind, message, ts FROM node_events WHERE kind IN ('DOWN', 'UP') AND ts > $1 AND ts <= $2`,
    [from, to],
  );
  return rows.map((r) => {
    const subject = `node:${r.node_id}`;
    const down = r.kind === 'DOWN';
    return {
      kind: down ? 'NODE_DOWN' : 'NODE_UP',
      key: `node-event:${r.id}`,
      subject,
      clears: down ? [] : [subject],
      ts: r.ts,
      labels: { node: r.node_id },
      data: { nodeId: r.node_id, message: r.message },
    };
  });
}

/** Deliveries that failed for good, at the end of their last attempt. */
async function channelEvents(db: Db, from: Date, to: Date): Promise<AlertEvent[]> {
  const rows: {
    id: string;
    channel_id: string;
    name: string;
    kind: string;
    error: string | null;
    ts: Date;
  }[] = await db.query(
    `SELECT d.id, d.channel_id, c.name, c.kind, d.error, a.ts
         FROM alert_deliveries d JOIN alert_channels c ON c.id = d.channel_id
         JOIN LATERAL (SELECT max(started_at + make_interval(secs => duration_ms / 1000.0)) AS ts
                         FROM alert_delivery_attempts WHERE delivery_id = d.id) a ON true
        WHERE d.status = 'FAILED' AND a.ts > $1 AND a.ts <= $2`,
    [from, to],
  );
  return rows.map((r) => ({
    kind: 'CHANNEL_FAILED',
    key: `delivery:${r.id}`,
    subject: `channel:${r.channel_id}`,
    clears: [],
    ts: r.ts,
    labels: { channel: r.name },
    data: { channelId: r.channel_id, channel: r.name, channelKind: r.kind, deliveryId: r.id, error: r.error },
  }));
}

/** Every recorded event with a timestamp in (from, to], oldest first. */
export async function recordedEvents(db: Db, from: Date, to: Date): Promise<AlertEvent[]> {
  const all = (
    await Promise.all([
      runEvents(db, from, to),
      approvalEvents(db, from, to),
      deviceEvents(db, from, to),
      nodeEvents(db, from, to),
      channelEvents(db, from, to),
    ])
  ).flat();
  return all.sort((a, b) => a.ts.getTime() - b.ts.getTime() || a.key.localeCompare(b.key));
}

// ---------------------------------------------------------------------------------------------
// Applying rules.

/** Adds an event to its rule's open alert for the grouping key (opening one); false if it was there. */
async function fire(db: Db, rule: AlertRule, event: AlertEvent): Promise<boolean> {
  const seen: unknown[] = await db.query(`SELECT 1 FROM alert_events WHERE rule_id = $1 AND event_key = $2`, [
    rule.id,
    event.key,
  ]);
  if (seen.length) return false;
  const groupKey = groupKeyOf(rule.groupBy, event);
  const opened: { id: string }[] = await db.query(
    `INSERT INTO alerts (rule_id, group_key, labels, status, severity, first_at, last_at)
     VALUES ($1, $2, $3, 'FIRING', $4, $5, $5)
     ON CONFLICT (rule_id, group_key) WHERE status <> 'RESOLVED' DO NOTHING RETURNING id`,
    [rule.id, groupKey, JSON.stringify(groupLabelsOf(rule.groupBy, event)), rule.severity, event.ts],
  );
  const alertId =
    opened[0]?.id ??
    (
      (await db.query(
        `SELECT id FROM alerts WHERE rule_id = $1 AND group_key = $2 AND status <> 'RESOLVED'`,
        [rule.id, groupKey],
      )) as { id: string }[]
    )[0].id;
  await db.query(
    `INSERT INTO alert_events (alert_id, rule_id, event_key, kind, subject, ts, data)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [alertId, rule.id, event.key, event.kind, event.subject, event.ts, JSON.stringify(event.data)],
  );
  await db.query(
    `UPDATE alerts SET event_count = event_count + 1, last_at = GREATEST(last_at, $2) WHERE id = $1`,
    [alertId, event.ts],
  );
  return true;
}

/** Clears the open events about `subjects` that happened before `ts`; returns their alerts. */
async function clear(db: Db, subjects: string[], ts: Date): Promise<string[]> {
  const [rows]: [{ alert_id: string }[], number] = await db.query(
    `UPDATE alert_events SET cleared_at = $2
      WHERE subject = ANY($1) AND cleared_at IS NULL AND ts < $2 RETURNING alert_id`,
    [subjects, ts],
  );
  return rows.map((r) => r.alert_id);
}

/** Approval alerts whose step no longer waits (decided, cancelled, the run gone): cleared. */
async function clearDecidedApprovals(db: Db): Promise<string[]> {
  const [rows]: [{ alert_id: string }[], number] = await db.query(
    `UPDATE alert_events e SET cleared_at = now()
       FROM alerts a
      WHERE a.id = e.alert_id AND a.status <> 'RESOLVED' AND e.kind = 'STEP_AWAITING_APPROVAL'
        AND e.cleared_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM run_steps s WHERE s.run_id = (e.data->>'runId')::uuid
                          AND s.step_id = e.data->>'stepId' AND s.status = 'WAITING_APPROVAL')
      RETURNING e.alert_id`,
  );
  return rows.map((r) => r.alert_id);
}

/** Channel failures followed by a message the channel took: cleared. */
async function clearRecoveredChannels(db: Db): Promise<string[]> {
  const [rows]: [{ alert_id: string }[], number] = await db.query(
    `UPDATE alert_events e SET cleared_at = now()
       FROM alerts a
      WHERE a.id = e.alert_id AND a.status <> 'RESOLVED' AND e.kind = 'CHANNEL_FAILED' AND e.cleared_at IS NULL
        AND EXISTS (SELECT 1 FROM alert_deliveries d WHERE d.channel_id = (e.data->>'channelId')::uuid
                      AND d.status = 'SENT' AND d.sent_at > e.ts)
      RETURNING e.alert_id`,
  );
  return rows.map((r) => r.alert_id);
}

/** Open alerts among `ids` with every event cleared: RESOLVED (the condition cleared). */
async function resolveCleared(db: Db, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const [rows]: [{ id: string }[], number] = await db.query(
    `UPDATE alerts a SET status = 'RESOLVED', resolved_at = now(), resolve_reason = 'condition cleared'
      WHERE a.id = ANY($1::uuid[]) AND a.status <> 'RESOLVED'
        AND NOT EXISTS (SELECT 1 FROM alert_events e WHERE e.alert_id = a.id AND e.cleared_at IS NULL)
      RETURNING a.id`,
    [[...new Set(ids)]],
  );
  return rows.map((r) => r.id);
}

/** One pass of the evaluator (see the file comment). Safe to run concurrently and to retry. */
export async function evaluateAlerts(db: DataSource | Db): Promise<EvaluationResult> {
  const result = await inTransaction(db, async (m) => {
    const [cursor]: { scanned_to: Date; now: Date }[] = await m.query(
      `SELECT scanned_to, clock_timestamp() AS now FROM alert_cursor WHERE id = 1 FOR UPDATE`,
    );
    const from = new Date(cursor.scanned_to.getTime() - OVERLAP_MS);
    const to = cursor.now;
    const rules = (
      (await m.query(`SELECT * FROM alert_rules WHERE enabled ORDER BY created_at`)) as Parameters<
        typeof toRule
      >[0][]
    ).map(toRule);
    const events = await recordedEvents(m, from, to);
    let matched = 0;
    const touched: string[] = [];
    for (const event of events) {
      if (event.clears.length) touched.push(...(await clear(m, event.clears, event.ts)));
      for (const rule of rules) {
        if (ruleMatches(rule, event) && (await fire(m, rule, event))) matched++;
      }
    }
    touched.push(...(await clearDecidedApprovals(m)));
    touched.push(...(await clearRecoveredChannels(m)));
    const wake = await resolveCleared(m, touched);
    await m.query(`UPDATE alert_cursor SET scanned_to = $1 WHERE id = 1`, [to]);
    return { wake, events: events.length, matched };
  });
  const start: { id: string }[] = await db.query(
    `SELECT id FROM alerts WHERE NOT workflow_started AND status <> 'RESOLVED' ORDER BY created_at LIMIT 500`,
  );
  return { ...result, start: start.map((r) => r.id), idle: !(await alertsNeedEvaluator(db)) };
}

/** Whether there is work for the evaluator: an enabled rule, or an alert still open. */
export async function alertsNeedEvaluator(db: Db): Promise<boolean> {
  const [row]: { needed: boolean }[] = await db.query(
    `SELECT EXISTS (SELECT 1 FROM alert_rules WHERE enabled)
         OR EXISTS (SELECT 1 FROM alerts WHERE status <> 'RESOLVED') AS needed`,
  );
  return row.needed;
}

/** The workflows of these alerts are started (or were already). */
export async function markAlertWorkflowsStarted(db: Db, ids: string[]): Promise<void> {
  if (ids.length)
    await db.query(`UPDATE alerts SET workflow_started = true WHERE id = ANY($1::uuid[])`, [ids]);
}
