import { useMutation, useQuery } from '@apollo/client/react';
import { Button, Result } from 'antd';
import { createContext, useCallback, useContext, useEffect, useMemo, type ReactNode } from 'react';
import { graphql } from '../gql';
import { useTranslation } from 'react-i18next';
import { applyLanguage, DEFAULT_LANGUAGE, isLanguage, type Language } from '../i18n';

const SessionQuery = graphql(`
  query PortalSession {
    me {
      id
      username
      displayName
    }
    myPermissions
    myProfile {
      version
      language
      timeZone
    }
  }
`);

const SaveLanguage = graphql(`
  mutation PortalSaveLanguage($language: String!) {
    updateMyProfile(input: { language: $language }) {
      version
      language
      timeZone
    }
  }
`);

export interface Session {
  userId: string;
  username: string;
  displayName: string;
  permissions: ReadonlySet<string>;
  timeZone: string;
  /** Whether this user holds `permission` somewhere (the API still checks every call). */
  can(permission: string): boolean;
  /** Switches the language and keeps it in the user's profile. */
  setLanguage(language: Language): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

/** Reads who is signed in, their permissions and profile; applies the profile's language. */
export function SessionProvider(props: { fallback: ReactNode; children: ReactNode }) {
  const { t } = useTranslation();
  const { data, error, refetch } = useQuery(SessionQuery);
  const [save] = useMutation(SaveLanguage);
  const profileLanguage = data?.myProfile.language;
  useEffect(() => {
    if (profileLanguage) void applyLanguage(isLanguage(profileLanguage) ? profileLanguage : DEFAULT_LANGUAGE);
  }, [profileLanguage]);
  const setLanguage = useCallback(
    async (language: Language) => {
      await applyLanguage(language);
      await save({ variables: { language } });
    },
    [save],
  );
  const session = useMemo<Session | null>(() => {
    if (!data) return null;
    const permissions = new Set(data.myPermissions);
    return {
      userId: data.me.id,
      username: data.me.username,
      displayName: data.me.displayName,
      permissions,
      timeZone: data.myProfile.timeZone,
      can: (permission) => permissions.has(permission),
      setLanguage,
    };
  }, [data, setLanguage]);
  // UNAUTHENTICATED goes back to the login page (the client's error link); anything else is shown.
  if (!session && error)
    return (
      <Result
        status="error"
        title={error.message}
        extra={<Button onClick={() => void refetch()}>{t('common.refresh')}</Button>}
      />
    );
  if (!session) return <>{props.fallback}</>;
  return <SessionContext.Provider value={session}>{props.children}</SessionContext.Provider>;
}

/** Dates and times in the user's time zone (their profile's), in the current language. */
export function useFormat() {
  const { timeZone } = useSession();
  const { i18n: current } = useTranslation();
  const language = current.language;
  return useMemo(() => {
    const dateTime = new Intl.DateTimeFormat(language, {
      timeZone,
      dateStyle: 'medium',
      timeStyle: 'medium',
    });
    return {
      dateTime: (iso: string | null | undefined) => (iso ? dateTime.format(new Date(iso)) : '—'),
      duration: (from: string | null | undefined, to: string | null | undefined) => {
        if (!from) return '—';
        const ms = (to ? new Date(to) : new Date()).getTime() - new Date(from).getTime();
        return formatDuration(ms, language);
      },
      number: (value: number) => new Intl.NumberFormat(language).format(value),
    };
  }, [timeZone, language]);
}

function formatDuration(ms: number, language: string): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const unit = (value: number, u: 'hour' | 'minute' | 'second') =>
    new Intl.NumberFormat(language, { style: 'unit', unit: u, unitDisplay: 'narrow' }).format(value);
  if (seconds < 60) return unit(seconds, 'second');
  if (seconds < 3600) return `${unit(Math.floor(seconds / 60), 'minute')} ${unit(seconds % 60, 'second')}`;
  return `${unit(Math.floor(seconds / 3600), 'hour')} ${unit(Math.floor((seconds % 3600) / 60), 'minute')}`;
}
