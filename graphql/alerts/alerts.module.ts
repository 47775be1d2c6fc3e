import { Module } from '@nestjs/common';
import { AlertAckController } from './alert-ack.controller';
import {
  AlertChannelsResolver,
  AlertDeliveriesResolver,
  AlertRulesResolver,
  AlertsResolver,
} from './alerts.resolver';
import { AlertsService } from './alerts.service';

/** Alerts: rules, channels, history and lifecycle (needs the global CryptoModule and Temporal client). */
@Module({
  providers: [
    AlertsService,
    AlertRulesResolver,
    AlertChannelsResolver,
    AlertsResolver,
    AlertDeliveriesResolver,
  ],
  controllers: [AlertAckController],
  exports: [AlertsService],
})
export class AlertsModule {}
