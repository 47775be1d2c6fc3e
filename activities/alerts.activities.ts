import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { createTransport } from 'nodemailer';
import type { DataSource } from 'typeorm';
import { evaluateAlerts, markAlertWorkflowsStarted } from '../core/alerts/evaluator';
import { deliver, deliveryFailed, planRound, type NotificationDeps } from '../core/alerts/notifications';
import type { AppConfig } from '../libs/config/src/config';
import type { SecretBox } from '../libs/crypto/src/secret-box';
import type { AlertActivities } from '../workflows/contracts';

export interface AlertActivityDeps {
  dataSource: DataSource;
  secrets: SecretBox;
  config: Pick<AppConfig, 'credentialsKey' | 'api' | 'smtp' | 'temporal'>;
}

/** What the alert workflows (workflows/alerts.workflow.ts) do outside their sandbox: thin shells over core/alerts. */
export function createAlertActivities(deps: AlertActivityDeps): AlertActivities {
  const { dataSource, config } = deps;
  // The same sender as the accounts' mail (SMTP_URL, SMTP_FROM).
  const notification: NotificationDeps = {
    secrets: deps.secrets,
    credentialsKey: config.credentialsKey,
    publicUrl: config.api.publicUrl,
    temporal: config.temporal,
    mail: config.smtp ? { mailer: createTransport(config.smtp.url), from: config.smtp.from } : null,
  };
  return {
    async evaluateAlerts() {
      return evaluateAlerts(dataSource);
    },

    async markAlertWorkflowsStarted({ alertIds }) {
      await markAlertWorkflowsStarted(dataSource, alertIds);
    },

    async planAlertRound(input) {
      return planRound(dataSource, notification, input);
    },

    async deliverAlertNotification({ deliveryId }) {
      const outcome = await deliver(dataSource, notification, deliveryId, Context.current().info.attempt);
      if (outcome.waitMs) return { retryInMs: outcome.waitMs };
      if (outcome.ok) return { retryInMs: null };
      // The message names the provider's answer, never the channel's URL or secret.
      throw ApplicationFailure.create({
        message: outcome.error ?? 'not delivered',
        type: outcome.retryable ? 'ALERT_DELIVERY_FAILED' : 'ALERT_DELIVERY_REJECTED',
        nonRetryable: !outcome.retryable,
      });
    },

    async alertDeliveryFailed({ deliveryId, error }) {
      await deliveryFailed(dataSource, deliveryId, error);
    },
  };
}
