import * as OTPAuth from 'otpauth';
import {
  codeKind,
  hashRecoveryCode,
  maskEmail,
  newEmailCode,
  matchTotp,
  mfaRequiredFor,
  newRecoveryCodes,
  newTotpSecret,
  normalizeRecoveryCode,
  readCode,
  stepOf,
  totpCode,
  totpUri,
} from './mfa';

describe('mfa: TOTP, recovery codes and the policy', () => {
  const secret = newTotpSecret();
  const now = Date.UTC(2026, 11, 3, 13, 0, 10);

  it('makes an otpauth URI an authenticator (and otpauth) reads back', () => {
    const uri = totpUri(secret, 'mia');
    expect(uri).toMatch(/^otpauth:\/\/totp\/Switchboard:mia\?/);
    const parsed = OTPAuth.URI.parse(uri) as OTPAuth.TOTP;
    expect(parsed.secret.base32).toBe(secret);
    expect(parsed.period).toBe(30);
    expect(parsed.digits).toBe(6);
    expect(parsed.generate({ timestamp: now })).toBe(totpCode(secret, now));
  });

  it('accepts the current step and one either side, nothing further', () => {
    const step = stepOf(now);
    expect(matchTotp(secret, totpCode(secret, now), null, now)).toBe(step);
    expect(matchTotp(secret, totpCode(secret, now - 30_000), null, now)).toBe(step - 1);
    expect(matchTotp(secret, totpCode(secret, now + 30_000), null, now)).toBe(step + 1);
    expect(matchTotp(secret, totpCode(secret, now - 90_000), null, now)).toBeNull();
    expect(matchTotp(secret, totpCode(secret, now + 90_000), null, now)).toBeNull();
    expect(matchTotp(secret, 'abcdef', null, now)).toBeNull();
    expect(matchTotp(secret, '1234567', null, now)).toBeNull();
    expect(matchTotp(newTotpSecret(), totpCode(secret, now), null, now)).toBeNull();
  });

  it('refuses a step already used, and older ones (replay)', () => {
    const step = stepOf(now);
    const code = totpCode(secret, now);
    expect(matchTotp(secret, code, step, now)).toBe('replayed');
    expect(matchTotp(secret, totpCode(secret, now - 30_000), step, now)).toBe('replayed');
    expect(matchTotp(secret, totpCode(secret, now + 30_000), step, now)).toBe(step + 1);
    expect(matchTotp(secret, code.slice(0, 3) + ' ' + code.slice(3), step - 1, now)).toBe(step);
  });

  it('makes ten distinct recovery codes, matched whatever the case, spaces and dashes', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) {
      expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
      expect(codeKind(code)).toBe('recovery');
    }
    const [code] = codes;
    expect(normalizeRecoveryCode(` ${code.toUpperCase().replace('-', ' - ')} `)).toBe(code.replace('-', ''));
    expect(hashRecoveryCode(code.toUpperCase())).toBe(hashRecoveryCode(code));
    expect(hashRecoveryCode(code)).not.toContain(code.replace('-', ''));
    expect(codeKind('123 456')).toBe('totp');
    expect(codeKind('12345')).toBeNull();
    expect(codeKind('not a code at all')).toBeNull();
  });

  it('applies the policy to everyone or to some roles', () => {
    expect(mfaRequiredFor({ required: false, roles: [] }, ['administrator'])).toBe(false);
    expect(mfaRequiredFor({ required: true, roles: [] }, [])).toBe(true);
    expect(mfaRequiredFor({ required: true, roles: ['administrator'] }, ['viewer'])).toBe(false);
    expect(mfaRequiredFor({ required: true, roles: ['administrator'] }, ['viewer', 'administrator'])).toBe(
      true,
    );
  });

  it('reads codes from requests with clear errors', () => {
    expect(readCode('code', ' 123456 ')).toBe('123456');
    expect(() => readCode('code', undefined)).toThrow('code: is required');
    expect(() => readCode('code', 42)).toThrow('code: is required');
    expect(() => readCode('code', 'x'.repeat(65))).toThrow('code: must be at most 64 characters');
  });

  it('makes six-digit e-mail codes and masks addresses', () => {
    for (let i = 0; i < 50; i++) expect(newEmailCode()).toMatch(/^\d{6}$/);
    expect(maskEmail('mia@example.com')).toBe('m***@example.com');
    expect(maskEmail('no-at-sign')).toBe('***');
  });
});
