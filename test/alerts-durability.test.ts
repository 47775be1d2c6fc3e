import { Client as TemporalClient } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnWorkerProcess, startStack, waitFor, type Stack } from './support/harness';

/**
 * A worker killed (SIGKILL) while it is sending an alert: nothing is lost, the retry carries the
 * same idempotency key (so the receiver can drop the copy), and a delivery recorded as sent is never
 * sent again.
 */
describe('alert delivery durability', () => {
  let stack: Stack;
  let server: http.Server;
  let url: string;
  const received: { key: string; at: number }[] = [];
  let hold: (() => void) | null = null;
  let held: Promise<void> | null = null;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received.push({ key: String(req.headers['idempotency-key']), at: Date.now() });
        if (received.length === 1) {
          // The first request is held (no answer) until the test has killed its sender.
          held = new Promise<void>((resolve) => (hold = resolve)).then(() => {
            res.destroy();
          });
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    stack = await startStack({
      lab: { devices: 1 },
      worker: false,
      env: { ALERTS_EVALUATE_INTERVAL_MS: '300' },
    });
  });

  afterAll(async () => {
    hold?.();
    const temporal = stack?.api.get(TemporalClient);
    if (temporal) {
      for await (const w of temporal.workflow.list({
        query: `TaskQueue = "${stack.config.temporal.taskQueue}" AND ExecutionStatus = "Running"`,
      })) {
        await temporal.workflow.getHandle(w.workflowId).terminate('test over');
      }
    }
    await stack?.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('a worker killed mid-send: the retry sends the same delivery once more, with the same key', async () => {
    const channel = await stack.gql.request<{ createAlertChannel: { id: string } }>(
      `mutation ($input: CreateAlertChannelInput!) { createAlertChannel(input: $input) { id } }`,
      { input: { name: 'hook', kind: 'WEBHOOK', url, secret: randomBytes(8).toString('hex') } },
    );
    // A node coming UP is an event: starting the worker fires the rule.
    await stack.gql.request(`mutation ($input: AlertRuleInput!) { createAlertRule(input: $input) { id } }`, {
      input: {
        name: 'node up',
        eventKind: 'NODE_UP',
        severity: 'INFO',
        recipients: { channelIds: [channel.createAlertChannel.id] },
      },
    });
    let worker = spawnWorkerProcess(stack.env);
    try {
      await waitFor(
        'the first send to reach the receiver',
        async () => (received.length === 1 ? true : undefined),
        {
          timeoutMs: 60_000,
          intervalMs: 100,
        },
      );
      worker.kill('SIGKILL');
      await new Promise((resolve) => worker.once('exit', resolve));
      hold!();
      await held;
      const [{ id: alertId }] = (await stack.db.query<{ id: string }>(`SELECT id FROM alerts`)).rows;
      const pending = await stack.db.query(
        `SELECT status, attempts FROM alert_deliveries WHERE alert_id = $1`,
        [alertId],
      );
      // Killed before it could record anything: still PENDING, no attempt recorded.
      expect(pending.rows).toEqual([{ status: 'PENDING', attempts: 0 }]);

      worker = spawnWorkerProcess(stack.env);
      const sent = await waitFor(
        'the delivery to be retried and sent',
        async () => {
          const { rows } = await stack.db.query<{ id: string; status: string }>(
            `SELECT id, status FROM alert_deliveries WHERE alert_id = $1`,
            [alertId],
          );
          return rows.length === 1 && rows[0].status === 'SENT' ? rows[0] : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 250 },
      );
      // Sent twice over the wire (the first answer never came back), as one delivery with one key.
      expect(received.map((r) => r.key)).toEqual([sent.id, sent.id]);
      const attempts = await stack.db.query(
        `SELECT attempt, ok FROM alert_delivery_attempts WHERE delivery_id = $1 ORDER BY id`,
        [sent.id],
      );
      expect(attempts.rows).toEqual([{ attempt: 2, ok: true }]);

      // The restarted node is another NODE_UP event: it joins the open alert, no new message.
      await waitFor(
        'the second event to join the alert',
        async () => {
          const { rows } = await stack.db.query<{ event_count: number }>(
            `SELECT event_count FROM alerts WHERE id = $1`,
            [alertId],
          );
          return rows[0].event_count === 2 ? true : undefined;
        },
        // An evaluator pass killed mid-flight is retried after its activity's timeout (a minute).
        { timeoutMs: 120_000, intervalMs: 250 },
      );
      expect((await stack.db.query(`SELECT count(*)::int AS n FROM alerts`)).rows).toEqual([{ n: 1 }]);
      expect(received).toHaveLength(2);
    } finally {
      worker.kill('SIGTERM');
    }
  });
});
