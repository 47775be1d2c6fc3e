import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en';
import { zhCN } from './zh-CN';

/** The languages of the portal, as the profile names them (docs/profiles.md). zh-CN is the default. */
export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'zh-CN';

/** Until the profile is read (the login page), the last language this browser used. */
const STORAGE_KEY = 'switchboard.language';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

export function storedLanguage(): Language {
  const stored = window.localStorage.getItem(STORAGE_KEY);
  return isLanguage(stored) ? stored : DEFAULT_LANGUAGE;
}

export async function applyLanguage(language: Language): Promise<void> {
  window.localStorage.setItem(STORAGE_KEY, language);
  document.documentElement.lang = language;
  if (i18n.language !== language) await i18n.changeLanguage(language);
}

void i18n.use(initReactI18next).init({
  resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
  lng: storedLanguage(),
  fallbackLng: DEFAULT_LANGUAGE,
  supportedLngs: [...LANGUAGES],
  interpolation: { escapeValue: false },
});
document.documentElement.lang = i18n.language;

export { i18n };

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    // Keys are checked against the Chinese messages (en.ts has the same shape).
    resources: { translation: typeof zhCN };
  }
}
