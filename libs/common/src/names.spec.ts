import { checkName, trimName } from './names';

describe('checkName: one rule for a name', () => {
  it('trims, and refuses empty, blank, control characters, bad Unicode and too long', () => {
    expect(checkName(' a ')).toEqual({ ok: true, value: 'a' });
    expect(checkName('')).toEqual({ ok: false, message: 'must not be empty' });
    expect(checkName(' \t ')).toEqual({ ok: false, message: expect.stringMatching(/blank/) });
    expect(checkName('a\u0007b')).toEqual({ ok: false, message: expect.stringMatching(/control/) });
    expect(checkName('a\u0000')).toEqual({ ok: false, message: expect.stringMatching(/control/) });
    expect(checkName('a\ud800')).toEqual({ ok: false, message: expect.stringMatching(/surrogate/) });
    expect(checkName('x'.repeat(129))).toEqual({ ok: false, message: 'must be at most 128 characters' });
    expect(checkName(3)).toEqual({ ok: false, message: 'must be a string' });
  });

  it('takes Unicode names (emoji, right-to-left) and checks a pattern on the trimmed name', () => {
    expect(checkName(' 🔥 sha-1 ')).toEqual({ ok: true, value: '🔥 sha-1' });
    expect(checkName(' r1 ', { pattern: /^[a-z0-9]+$/ })).toEqual({ ok: true, value: 'r1' });
    expect(checkName('r 1', { pattern: /^[a-z0-9]+$/, rule: 'must be letters' })).toEqual({
      ok: false,
      message: 'must be letters',
    });
  });

  it('trimName keeps a blank string as given, so that the check sees it was blank', () => {
    expect(trimName(' a ')).toBe('a');
    expect(trimName('   ')).toBe('   ');
    expect(trimName(null)).toBeNull();
  });
});
