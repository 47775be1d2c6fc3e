import { LINKS, linkUrl, readLinkConfirmation, readResetRequest } from './account-links';

describe('account links', () => {
  it('builds the link on the base URL, the token encoded', () => {
    expect(linkUrl('https://sb.example/', '/auth/password-reset', 'sbr_a-b_c')).toBe(
      'https://sb.example/auth/password-reset?token=sbr_a-b_c',
    );
  });

  it('reads a reset request by username or e-mail, lower-cased', () => {
    expect(readResetRequest({ username: ' Alice ' })).toEqual({ login: 'alice' });
    expect(readResetRequest({ email: 'A@Example.test' })).toEqual({ login: 'a@example.test' });
    for (const bad of [null, {}, { username: 3 }, { email: '  ' }, 'x'])
      expect(() => readResetRequest(bad)).toThrow(/username/);
  });

  it('names every missing field of a confirmation', () => {
    expect(readLinkConfirmation({ token: 't', password: 'p' })).toEqual({ token: 't', password: 'p' });
    try {
      readLinkConfirmation({ token: 1 });
      throw new Error('accepted');
    } catch (error) {
      expect(JSON.stringify(error)).toMatch(/token/);
      expect(JSON.stringify(error)).toMatch(/password/);
    }
  });
});

describe('link kinds', () => {
  it('reset links live 30 minutes, invitations 72 hours, each with its own token prefix and path', () => {
    expect(LINKS.reset).toEqual({ prefix: 'sbr_', ttlMs: 30 * 60_000, path: '/auth/password-reset' });
    expect(LINKS.invite).toEqual({ prefix: 'sbi_', ttlMs: 72 * 3_600_000, path: '/auth/invite' });
  });
});
