import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CredentialsModule } from '../credentials/credentials.module';
import { DeviceEntity } from './device.entity';
import { DevicesResolver } from './devices.resolver';
import { DevicesService } from './devices.service';

/** Needs the global CryptoModule (SecretBox). Exports DevicesService for the runs feature (resolveSelection). */
@Module({
  imports: [TypeOrmModule.forFeature([DeviceEntity]), CredentialsModule],
  providers: [DevicesService, DevicesResolver],
  exports: [DevicesService],
})
export class DevicesModule {}
