import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguageSwitch } from '../../app/LanguageSwitch';
import { applyLanguage } from '../../i18n';
import { login, verifyMfa, type LoginOutcome } from './auth-api';

type Problem = 'credentials' | 'rateLimited' | 'code' | 'expired' | 'enrollmentRequired' | null;

/** Local sign-in: username and password, then a TOTP or recovery code when the account has MFA on. */
export function LoginPage(props: { onSignedIn: () => void }) {
  const { t } = useTranslation();
  const [mfaToken, setMfaToken] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem>(null);
  const [busy, setBusy] = useState(false);

  const settle = (outcome: LoginOutcome) => {
    if (outcome.kind === 'signedIn') return props.onSignedIn();
    if (outcome.kind === 'mfa') {
      setProblem(null);
      setMfaToken(outcome.mfaToken);
    } else if (outcome.kind === 'enrollmentRequired') setProblem('enrollmentRequired');
    else setProblem(outcome.reason);
  };
  const attempt = async (run: () => Promise<LoginOutcome>) => {
    setBusy(true);
    try {
      settle(await run());
    } finally {
      setBusy(false);
    }
  };
  const message: Record<Exclude<Problem, null>, string> = {
    credentials: t('login.failed'),
    rateLimited: t('login.locked'),
    code: t('login.mfaFailed'),
    expired: t('login.mfaExpired'),
    enrollmentRequired: t('login.enrollRequired'),
  };

  return (
    <main style={{ minHeight: '100vh', display: 'grid', placeItems: 'center', background: '#f0f2f5' }}>
      <Card style={{ width: 380 }}>
        <Typography.Title level={1} style={{ fontSize: 24 }}>
          {mfaToken ? t('login.mfaTitle') : t('login.title')}
        </Typography.Title>
        <Typography.Paragraph type="secondary">{t('app.tagline')}</Typography.Paragraph>
        {problem && <Alert type="error" title={message[problem]} style={{ marginBottom: 16 }} showIcon />}
        {mfaToken ? (
          <Form
            layout="vertical"
            onFinish={(values: { code: string }) => attempt(() => verifyMfa(mfaToken, values.code.trim()))}
          >
            <Typography.Paragraph>{t('login.mfaHelp')}</Typography.Paragraph>
            <Form.Item
              label={t('login.code')}
              name="code"
              rules={[{ required: true, message: t('login.codeRequired') }]}
            >
              <Input autoComplete="one-time-code" inputMode="numeric" autoFocus />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={busy} block>
              {t('login.verify')}
            </Button>
          </Form>
        ) : (
          <Form
            layout="vertical"
            onFinish={(values: { username: string; password: string }) =>
              attempt(() => login(values.username, values.password))
            }
          >
            <Form.Item
              label={t('login.username')}
              name="username"
              rules={[{ required: true, message: t('login.usernameRequired') }]}
            >
              <Input autoComplete="username" autoFocus />
            </Form.Item>
            <Form.Item
              label={t('login.password')}
              name="password"
              rules={[{ required: true, message: t('login.passwordRequired') }]}
            >
              <Input.Password autoComplete="current-password" />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={busy} block>
              {t('login.submit')}
            </Button>
          </Form>
        )}
        <div style={{ marginTop: 16 }}>
          <LanguageSwitch onChange={(language) => void applyLanguage(language)} />
        </div>
      </Card>
    </main>
  );
}
