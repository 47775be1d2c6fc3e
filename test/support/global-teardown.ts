import type { LocalPostgres } from '../../scripts/infra/postgres';
import type { TemporalDevServer } from '../../scripts/infra/temporal';

export default async function globalTeardown(): Promise<void> {
  const started = (globalThis as Record<string, unknown>).__switchboardInfra as
    { postgres?: LocalPostgres; temporal?: TemporalDevServer } | undefined;
  await Promise.all([started?.temporal?.stop(), started?.postgres?.stop()]);
}
