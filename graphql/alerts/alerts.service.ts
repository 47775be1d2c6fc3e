import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from '@temporalio/client';
import { DataSource } from 'typeorm';
import type { AlertLanguage, ChannelKind } from '../../core/alerts/alert-rules';
import type { Principal } from '../../core/accounts/principal';
import {
  acknowledgeAlert,
  getAlert,
  resolveAlert,
  silenceAlert,
  type AlertRuleInput,
  type AlertView,
} from '../../core/alerts/alerts';
import { alertsNeedEvaluator } from '../../core/alerts/evaluator';
import { renderMessage, sampleInput, templateFor } from '../../core/alerts/messages';
import type { AppConfig } from '../../libs/config/src/config';
import { APP_CONFIG } from '../../libs/config/src/config.module';
import type { AlertsEvaluatorWorkflow, AlertWakeSignal } from '../../workflows/contracts';

/** How often the API checks that the evaluator runs when it has work (and tries again after a failure). */
const CHECK_EVERY_MS = 60_000;

const WAKE: AlertWakeSignal = 'alertChanged';

/**
 * The API's side of alerts: it keeps the evaluator workflow running while there is work for it
 * (one per task queue: at boot, every minute, and when a rule is saved; idempotently), and after an operator acknowledges, silences or resolves an alert it
 * wakes the alert's workflow so that repeats and escalation stop at once (the workflow also
 * reads the alert's status on its own, so a lost signal only delays that).
 */
@Injectable()
export class AlertsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Alerts');
  private timer?: NodeJS.Timeout;
  /** Settles when the boot-time start has been tried; for tests. */
  ready: Promise<void> = Promise.resolve();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly temporal: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get evaluatorWorkflowId(): string {
    return `alerts-evaluator@${this.config.temporal.taskQueue}`;
  }

  onApplicationBootstrap(): void {
    if (this.config.alerts.evaluateIntervalMs === 0) return;
    const check = () => this.evaluatorNeeded();
    this.ready = check();
    this.timer = setInterval(() => void check(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** ensureEvaluator, a failure logged (the minute check tries again): a saved rule stays saved. */
  async evaluatorNeeded(): Promise<void> {
    await this.ensureEvaluator().catch((error: Error) =>
      this.logger.warn(
        `could not start the alert evaluator (trying again in ${CHECK_EVERY_MS / 1000} s): ${error.message}`,
      ),
    );
  }

  /**
   * Starts the evaluator when there is work for it (an enabled rule, an open alert) and it is not
   * running; idempotent (USE_EXISTING), safe from several API processes. An idle evaluator ends by
   * itself, so an installation without alert rules runs no workflow for them.
   */
  async ensureEvaluator(): Promise<boolean> {
    const intervalMs = this.config.alerts.evaluateIntervalMs;
    if (intervalMs === 0 || !(await alertsNeedEvaluator(this.dataSource))) return false;
    await this.temporal.workflow.start<AlertsEvaluatorWorkflow>('alertsEvaluatorWorkflow', {
      taskQueue: this.config.temporal.taskQueue,
      workflowId: this.evaluatorWorkflowId,
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [{ intervalMs }],
    });
    return true;
  }

  private async wake(alert: AlertView): Promise<void> {
    await this.temporal.workflow
      .getHandle(`alert-${alert.id}`)
      .signal(WAKE)
      .catch(() => undefined); // its workflow ended already, or is not started yet: it reads the status itself
  }

  /** `principal` null: a signed link (its signature is the proof). */
  async acknowledge(id: string, principal: Principal | null, via: 'api' | 'link'): Promise<AlertView> {
    if (principal) await getAlert(this.dataSource, id, principal);
    const { alert, changed } = await acknowledgeAlert(this.dataSource, id, {
      userId: principal?.userId ?? null,
      via,
    });
    if (changed) await this.wake(alert);
    return alert;
  }

  async silence(id: string, until: Date, reason: string, principal: Principal): Promise<AlertView> {
    await getAlert(this.dataSource, id, principal);
    const { alert, changed } = await silenceAlert(this.dataSource, id, until, reason, principal.userId);
    if (changed) await this.wake(alert);
    return alert;
  }

  async resolve(id: string, reason: string | null, principal: Principal): Promise<AlertView> {
    await getAlert(this.dataSource, id, principal);
    const { alert, changed } = await resolveAlert(this.dataSource, id, reason, principal.userId);
    if (changed) await this.wake(alert);
    return alert;
  }

  /** A rule's message for a channel kind and language, rendered against a sample event of its kind. */
  preview(
    rule: AlertRuleInput,
    channelKind: ChannelKind,
    language: AlertLanguage,
  ): { subject: string; body: string } {
    const templates = (rule.templates ?? []).map((t) => ({ ...t, channelKind: t.channelKind ?? null }));
    const template = templateFor(templates, channelKind, language);
    const index = templates.indexOf(template as (typeof templates)[number]);
    const input = sampleInput({ name: rule.name, severity: rule.severity, eventKind: rule.eventKind });
    return renderMessage(template, input, language, index >= 0 ? `rule.templates[${index}]` : 'template');
  }
}
