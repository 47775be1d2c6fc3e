import { Global, Module } from '@nestjs/common';
import type { AppConfig } from '../../config/src/config';
import { APP_CONFIG } from '../../config/src/config.module';
import { SecretBox } from './secret-box';

@Global()
@Module({
  providers: [
    {
      provide: SecretBox,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new SecretBox(config.credentialsKey),
    },
  ],
  exports: [SecretBox],
})
export class CryptoModule {}
