import { Inject } from '@nestjs/common';

/** The ArtifactsRepository provider (built from the data source and the configured blob directory). */
export const ARTIFACTS_REPOSITORY = 'switchboard:artifacts-repository';
export const ARTIFACTS = () => Inject(ARTIFACTS_REPOSITORY);
