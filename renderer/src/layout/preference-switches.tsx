import { GlobalOutlined, MoonOutlined, SunOutlined, DesktopOutlined } from '@ant-design/icons';
import { Button, Dropdown } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { usePreferences, type Language, type ThemeChoice } from '../stores/preferences';

const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', 'zh-CN': '简体中文' };

export function LanguageSwitch() {
  const { t } = useTranslation();
  const language = usePreferences((s) => s.language);
  const setLanguage = usePreferences((s) => s.setLanguage);
  return (
    <Dropdown
      menu={{
        selectable: true,
        selectedKeys: [language],
        items: (Object.keys(LANGUAGE_NAMES) as Language[]).map((key) => ({ key, label: LANGUAGE_NAMES[key] })),
        onClick: ({ key }) => setLanguage(key as Language),
      }}
    >
      <Button type="text" icon={<GlobalOutlined />} aria-label={t('header.language')}>
        {LANGUAGE_NAMES[language]}
      </Button>
    </Dropdown>
  );
}

export function ThemeSwitch() {
  const { t } = useTranslation();
  const theme = usePreferences((s) => s.theme);
  const setTheme = usePreferences((s) => s.setTheme);
  const icons: Record<ThemeChoice, ReactNode> = {
    light: <SunOutlined />,
    dark: <MoonOutlined />,
    system: <DesktopOutlined />,
  };
  return (
    <Dropdown
      menu={{
        selectable: true,
        selectedKeys: [theme],
        items: (['light', 'dark', 'system'] as ThemeChoice[]).map((key) => ({
          key,
          icon: icons[key],
          label: t(`header.${key}`),
        })),
        onClick: ({ key }) => setTheme(key as ThemeChoice),
      }}
    >
      <Button type="text" icon={icons[theme]} aria-label={t('header.theme')} />
    </Dropdown>
  );
}
