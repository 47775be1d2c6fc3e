import { Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module';
import { TemplatesModule } from '../templates/templates.module';
import { RunNotifications } from './run-notifications';
import { RunDeviceResolver, RunsResolver } from './runs.resolver';
import { ChangesService } from './changes.service';
import { CollectionsService } from './collections.service';
import { RunsService } from './runs.service';

@Module({
  imports: [DevicesModule, TemplatesModule],
  providers: [
    RunsService,
    CollectionsService,
    ChangesService,
    RunsResolver,
    RunDeviceResolver,
    RunNotifications,
  ],
  exports: [RunsService],
})
export class RunsModule {}
