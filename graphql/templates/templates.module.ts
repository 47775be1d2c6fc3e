import { Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module';
import { ConfigTemplatesResolver } from './templates.resolver';
import { TemplatesService } from './templates.service';

/** Stored config templates, variable sets, previews and exports. Uses DevicesService.resolveSelection. */
@Module({
  imports: [DevicesModule],
  providers: [TemplatesService, ConfigTemplatesResolver],
  exports: [TemplatesService],
})
export class TemplatesModule {}
