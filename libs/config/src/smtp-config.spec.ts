import { ConfigError, loadConfig } from './config';

describe('outgoing mail configuration (SMTP_URL, SMTP_FROM)', () => {
  const valid = {
    API_TOKEN: 'a-long-enough-token-123',
    DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
    CREDENTIALS_KEY: '0'.repeat(64),
  };

  const problemsOf = (env: Record<string, string | undefined>): string[] => {
    try {
      loadConfig({ ...valid, ...env });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems;
    }
    return [];
  };

  it('is off without SMTP_URL, with or without SMTP_FROM', () => {
    expect(loadConfig(valid).smtp).toBeNull();
    expect(loadConfig({ ...valid, SMTP_FROM: 'ops@example.test' }).smtp).toBeNull();
  });

  it('requires SMTP_FROM with SMTP_URL (an empty value counts as unset), and never quotes the URL', () => {
    const url = 'smtp://mailer:s3cret-pass@mail.example.test:587';
    for (const from of [{}, { SMTP_FROM: '' }]) {
      const problems = problemsOf({ SMTP_URL: url, ...from });
      expect(problems).toEqual(['SMTP_FROM is required with SMTP_URL']);
      expect(problems.join('\n')).not.toContain('s3cret-pass');
    }
  });

  it('reads both when both are set', () => {
    expect(
      loadConfig({
        ...valid,
        SMTP_URL: 'smtps://mail.example.test',
        SMTP_FROM: 'Switchboard <sb@example.test>',
      }).smtp,
    ).toEqual({ url: 'smtps://mail.example.test', from: 'Switchboard <sb@example.test>' });
  });
});
