import { Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module';
import { ConfigTemplatesResolver } from './templates.resolver';
import { TemplatesRepository } from '../../core/templates/templates.repository';
import { TemplatesService } from './templates.service';

/** Stored config templates, variable sets, previews and exports. Uses DevicesRepository.resolveSelection. */
@Module({
  imports: [DevicesModule],
  providers: [TemplatesRepository, TemplatesService, ConfigTemplatesResolver],
  exports: [TemplatesService],
})
export class TemplatesModule {}
