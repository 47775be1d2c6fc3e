/** Retry policies: a step (or compensation) overrides any part of DEFAULT_RETRY. */
import { DEFAULT_RETRY } from './definition';
import type { CompensationDefinition, RetryPolicy, StepDefinition } from './definition';

export function retryPolicyOf(step: StepDefinition | CompensationDefinition): RetryPolicy {
  const policy: RetryPolicy = { ...DEFAULT_RETRY };
  for (const key of Object.keys(DEFAULT_RETRY) as (keyof RetryPolicy)[]) {
    const value = step.retry?.[key];
    if (value !== undefined) policy[key] = value;
  }
  return policy;
}
