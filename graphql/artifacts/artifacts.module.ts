import { Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ArtifactsRepository } from '../../core/artifacts/artifacts.repository';
import { BlobStore } from '../../core/artifacts/blob-store';
import type { AppConfig } from '../../libs/config/src/config';
import { APP_CONFIG } from '../../libs/config/src/config.module';
import { ArtifactsResolver } from './artifacts.resolver';
import { ArtifactsService } from './artifacts.service';
import { ARTIFACTS_REPOSITORY } from './artifacts.tokens';

/** The artifact store in the API: GraphQL for metadata; content streams through apps/api's ArtifactsController. */
@Module({
  providers: [
    {
      provide: ARTIFACTS_REPOSITORY,
      inject: [getDataSourceToken(), APP_CONFIG],
      useFactory: (db: DataSource, config: AppConfig) =>
        new ArtifactsRepository(db, new BlobStore(config.artifacts.dir), config.artifacts.maxBytes),
    },
    ArtifactsService,
    ArtifactsResolver,
  ],
  exports: [ARTIFACTS_REPOSITORY],
})
export class ArtifactsModule {}
