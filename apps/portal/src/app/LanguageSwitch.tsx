import { Radio } from 'antd';
import { useTranslation } from 'react-i18next';
import { isLanguage, LANGUAGES, type Language } from '../i18n';

/** The language switch: each language named in itself (简体中文, English). */
export function LanguageSwitch(props: { onChange: (language: Language) => void }) {
  const { t, i18n } = useTranslation();
  return (
    <Radio.Group
      aria-label={t('nav.language')}
      optionType="button"
      size="small"
      value={i18n.language}
      onChange={(e) => {
        const value: unknown = e.target.value;
        if (isLanguage(value)) props.onChange(value);
      }}
      options={LANGUAGES.map((l) => ({ value: l, label: t(`language.${l}`) }))}
    />
  );
}
