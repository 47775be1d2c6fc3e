import { Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module';
import { ConfigsResolver } from './configs.resolver';
import { ConfigsService } from './configs.service';

/** Config snapshots: history, diff, compliance, import and export. Uses DevicesRepository.resolveSelection. */
@Module({ imports: [DevicesModule], providers: [ConfigsService, ConfigsResolver] })
export class ConfigsModule {}
