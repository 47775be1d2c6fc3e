import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips and never stores the plaintext', () => {
    const sealed = box.encrypt('s3cr3t-Passw0rd', 'credential:1:password');
    expect(sealed).not.toContain('s3cr3t');
    expect(sealed.startsWith('v1.')).toBe(true);
    expect(box.decrypt(sealed, 'credential:1:password')).toBe('s3cr3t-Passw0rd');
  });

  it('uses a fresh IV each time', () => {
    expect(box.encrypt('same', 'c')).not.toBe(box.encrypt('same', 'c'));
  });

  it('refuses a ciphertext moved to another record', () => {
    const sealed = box.encrypt('pw', 'credential:1:password');
    expect(() => box.decrypt(sealed, 'credential:2:password')).toThrow(/Cannot decrypt/);
  });

  it('refuses another key and tampered data', () => {
    const sealed = box.encrypt('pw', 'c');
    expect(() => new SecretBox(randomBytes(32)).decrypt(sealed, 'c')).toThrow(/wrong CREDENTIALS_KEY/);
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => box.decrypt(parts.join('.'), 'c')).toThrow(/tampered/);
  });

  it('rejects keys of the wrong size', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(/32-byte/);
  });
});
