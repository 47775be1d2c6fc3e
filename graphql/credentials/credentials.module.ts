import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeviceEntity } from '../../core/devices/device.entity';
import { CredentialEntity } from '../../core/devices/credential.entity';
import { CredentialLoader } from './credential.loader';
import { CredentialsResolver } from './credentials.resolver';
import { CredentialsRepository } from '../../core/devices/credentials.repository';

/** Needs the global CryptoModule (SecretBox). DeviceEntity is read to refuse deleting a credential in use. */
@Module({
  imports: [TypeOrmModule.forFeature([CredentialEntity, DeviceEntity])],
  providers: [CredentialsRepository, CredentialsResolver, CredentialLoader],
  exports: [CredentialsRepository, CredentialLoader],
})
export class CredentialsModule {}
