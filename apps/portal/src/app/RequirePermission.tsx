import { Result } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from './session';

/** A page the user has no permission for is not shown (the API refuses its queries anyway). */
export function RequirePermission(props: { permission: string; children: ReactNode }) {
  const { can } = useSession();
  const { t } = useTranslation();
  if (!can(props.permission)) return <Result status="403" title="403" subTitle={t('common.forbidden')} />;
  return <>{props.children}</>;
}
