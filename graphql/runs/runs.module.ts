import { Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module';
import { TemplatesModule } from '../templates/templates.module';
import { RunNotifications } from './run-notifications';
import { RunReconciler } from './run-reconciler';
import { RunDeviceResolver, RunsResolver } from './runs.resolver';
import { RunsService } from './runs.service';

@Module({
  imports: [DevicesModule, TemplatesModule],
  providers: [RunsService, RunsResolver, RunDeviceResolver, RunNotifications, RunReconciler],
  exports: [RunsService],
})
export class RunsModule {}
