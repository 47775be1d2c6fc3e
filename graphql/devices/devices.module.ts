import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CredentialsModule } from '../credentials/credentials.module';
import { DeviceEntity } from '../../core/devices/device.entity';
import { DevicesResolver } from './devices.resolver';
import { DevicesRepository } from '../../core/devices/devices.repository';

/** Needs the global CryptoModule (SecretBox). Exports DevicesRepository for the runs feature (resolveSelection). */
@Module({
  imports: [TypeOrmModule.forFeature([DeviceEntity]), CredentialsModule],
  providers: [DevicesRepository, DevicesResolver],
  exports: [DevicesRepository],
})
export class DevicesModule {}
