import { releasesToPrune } from './deploy-release';

describe('releasesToPrune', () => {
  it('keeps the newest N and never the current or previous release', () => {
    const newestFirst = ['5', '4', '3', '2', '1'];
    expect(releasesToPrune(newestFirst, 2, ['5', '4'])).toEqual(['3', '2', '1']);
    // A rollback made an older release current: it stays, with the newest ones.
    expect(releasesToPrune(newestFirst, 2, ['2', null])).toEqual(['3', '1']);
    expect(releasesToPrune(newestFirst, 10, ['5'])).toEqual([]);
  });
});
