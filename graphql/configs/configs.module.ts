import { Module } from '@nestjs/common';
import { ConfigsResolver } from './configs.resolver';
import { ConfigsService } from './configs.service';

@Module({ providers: [ConfigsService, ConfigsResolver] })
export class ConfigsModule {}
