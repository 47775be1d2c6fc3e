import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguageSwitch } from '../../app/LanguageSwitch';
import { applyLanguage } from '../../i18n';
import { beginEnrollment, login, verifyMfa, type LoginOutcome } from './auth-api';

type Problem = 'credentials' | 'rateLimited' | 'code' | 'expired' | null;

/** Where the sign-in is: the password, a code of the user's authenticator, enrolling one, its recovery codes. */
type Step =
  | { kind: 'password' }
  | { kind: 'code'; mfaToken: string }
  | { kind: 'enroll'; mfaToken: string; otpauthUri: string; qrSvg: string }
  | { kind: 'recovery'; codes: string[] };

/**
 * Local sign-in: username and password, then a TOTP or recovery code when the account has MFA on;
 * a user the MFA policy requires to have a second factor sets one up here (QR code, first code)
 * and is shown the recovery codes once.
 */
export function LoginPage(props: { onSignedIn: () => void }) {
  const { t } = useTranslation();
  const [step, setStep] = useState<Step>({ kind: 'password' });
  const [problem, setProblem] = useState<Problem>(null);
  const [busy, setBusy] = useState(false);

  const settle = async (outcome: LoginOutcome) => {
    setProblem(null);
    switch (outcome.kind) {
      case 'signedIn':
        return props.onSignedIn();
      case 'mfa':
        return setStep({ kind: 'code', mfaToken: outcome.mfaToken });
      case 'enrollmentRequired': {
        const enrollment = await beginEnrollment(outcome.mfaToken);
        if (!enrollment) return setProblem('expired');
        return setStep({ kind: 'enroll', mfaToken: outcome.mfaToken, ...enrollment });
      }
      case 'enrolled':
        return setStep({ kind: 'recovery', codes: outcome.recoveryCodes });
      case 'refused':
        return setProblem(outcome.reason);
    }
  };
  const attempt = async (run: () => Promise<LoginOutcome>) => {
    setBusy(true);
    try {
      await settle(await run());
    } finally {
      setBusy(false);
    }
  };
  const message: Record<Exclude<Problem, null>, string> = {
    credentials: t('login.failed'),
    rateLimited: t('login.locked'),
    code: t('login.mfaFailed'),
    expired: t('login.mfaExpired'),
  };
  const title = {
    password: t('login.title'),
    code: t('login.mfaTitle'),
    enroll: t('login.enrollTitle'),
    recovery: t('login.recoveryTitle'),
  }[step.kind];

  const codeForm = (mfaToken: string) => (
    <Form
      layout="vertical"
      onFinish={(values: { code: string }) => attempt(() => verifyMfa(mfaToken, values.code.trim()))}
    >
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
  );

  return (
    <main style={{ minHeight: '100vh', display: 'grid', placeItems: 'center', background: '#f0f2f5' }}>
      <Card style={{ width: step.kind === 'enroll' || step.kind === 'recovery' ? 460 : 380 }}>
        <Typography.Title level={1} style={{ fontSize: 24 }}>
          {title}
        </Typography.Title>
        <Typography.Paragraph type="secondary">{t('app.tagline')}</Typography.Paragraph>
        {problem && <Alert type="error" title={message[problem]} style={{ marginBottom: 16 }} showIcon />}
        {step.kind === 'password' && (
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
        {step.kind === 'code' && (
          <>
            <Typography.Paragraph>{t('login.mfaHelp')}</Typography.Paragraph>
            {codeForm(step.mfaToken)}
          </>
        )}
        {step.kind === 'enroll' && (
          <>
            <Typography.Paragraph>{t('login.enrollHelp')}</Typography.Paragraph>
            <img
              src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(step.qrSvg)}`}
              alt={t('login.qrAlt')}
              width={200}
              height={200}
              style={{ display: 'block', margin: '0 auto 16px' }}
            />
            <Typography.Paragraph>
              {t('login.secret')}:{' '}
              <Typography.Text code copyable data-testid="totp-secret">
                {new URL(step.otpauthUri).searchParams.get('secret') ?? ''}
              </Typography.Text>
            </Typography.Paragraph>
            {codeForm(step.mfaToken)}
          </>
        )}
        {step.kind === 'recovery' && (
          <>
            <Typography.Paragraph>{t('login.recoveryHelp')}</Typography.Paragraph>
            <pre
              data-testid="recovery-codes"
              style={{ fontFamily: 'monospace', columns: 2, background: '#fafafa', padding: 12 }}
            >
              {step.codes.join('\n')}
            </pre>
            <Button type="primary" block onClick={props.onSignedIn}>
              {t('login.recoverySaved')}
            </Button>
          </>
        )}
        <div style={{ marginTop: 16 }}>
          <LanguageSwitch onChange={(language) => void applyLanguage(language)} />
        </div>
      </Card>
    </main>
  );
}
