import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeviceEntity } from '../devices/device.entity';
import { CredentialEntity } from './credential.entity';
import { CredentialLoader } from './credential.loader';
import { CredentialsResolver } from './credentials.resolver';
import { CredentialsService } from './credentials.service';

/** Needs the global CryptoModule (SecretBox). DeviceEntity is read to refuse deleting a credential in use. */
@Module({
  imports: [TypeOrmModule.forFeature([CredentialEntity, DeviceEntity])],
  providers: [CredentialsService, CredentialsResolver, CredentialLoader],
  exports: [CredentialsService, CredentialLoader],
})
export class CredentialsModule {}
