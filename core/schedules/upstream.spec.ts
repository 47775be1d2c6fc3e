import { satisfies } from './upstream';
import { FINAL_RUN_STATUSES } from '../runs/run-states';

describe('satisfies (upstream conditions)', () => {
  const FINAL = FINAL_RUN_STATUSES.filter((s) => s !== 'SKIPPED');

  it('SUCCEEDED is COMPLETED only', () => {
    expect(FINAL.filter((s) => satisfies(s, 'SUCCEEDED'))).toEqual(['COMPLETED']);
  });

  it('FAILED is a failure, a rollback or a rejection; not a cancel', () => {
    expect(FINAL.filter((s) => satisfies(s, 'FAILED'))).toEqual([
      'REJECTED',
      'ROLLED_BACK',
      'ROLLBACK_FAILED',
      'FAILED',
    ]);
  });

  it('COMPLETED is any end', () => {
    expect(FINAL.filter((s) => satisfies(s, 'COMPLETED'))).toEqual(FINAL);
  });

  it('a SKIPPED upstream run satisfies nothing, so a skip travels down a chain', () => {
    for (const when of ['SUCCEEDED', 'COMPLETED', 'FAILED'] as const) {
      expect(satisfies('SKIPPED', when)).toBe(false);
    }
  });

  it('a run that has not ended satisfies nothing', () => {
    for (const status of ['PENDING', 'WAITING_UPSTREAM', 'RUNNING', 'PAUSED', 'ROLLING_BACK']) {
      expect(satisfies(status, 'COMPLETED')).toBe(false);
    }
  });
});
