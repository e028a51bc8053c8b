import { DesktopOutlined, MoonOutlined, SunOutlined } from '@ant-design/icons';
import { Card, Form, Radio, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { usePreferences, type Language, type ThemeChoice } from '../../stores/preferences';

const LANGUAGES: { value: Language; label: string }[] = [
  { value: 'en', label: 'English' },
  { value: 'zh-CN', label: '简体中文' },
];

/** Language and theme: the same preferences as the header's switches. */
export function AppearanceSection() {
  const { t } = useTranslation('settings');
  const language = usePreferences((s) => s.language);
  const theme = usePreferences((s) => s.theme);
  const setLanguage = usePreferences((s) => s.setLanguage);
  const setTheme = usePreferences((s) => s.setTheme);
  const themes: { value: ThemeChoice; label: string; icon: ReactNode }[] = [
    { value: 'light', label: t('appearance.light'), icon: <SunOutlined /> },
    { value: 'dark', label: t('appearance.dark'), icon: <MoonOutlined /> },
    { value: 'system', label: t('appearance.system'), icon: <DesktopOutlined /> },
  ];
  return (
    <Card title={t('appearance.title')} style={{ maxWidth: 720 }}>
      <Typography.Paragraph type="secondary">{t('appearance.help')}</Typography.Paragraph>
      <Form layout="vertical">
        <Form.Item label={t('appearance.language')} htmlFor="settings-language">
          <Radio.Group
            id="settings-language"
            optionType="button"
            value={language}
            onChange={(e) => setLanguage(e.target.value as Language)}
            options={LANGUAGES}
          />
        </Form.Item>
        <Form.Item label={t('appearance.theme')} htmlFor="settings-theme" style={{ marginBottom: 0 }}>
          <Radio.Group
            id="settings-theme"
            optionType="button"
            value={theme}
            onChange={(e) => setTheme(e.target.value as ThemeChoice)}
          >
            {themes.map((th) => (
              <Radio.Button key={th.value} value={th.value}>
                {th.icon} {th.label}
              </Radio.Button>
            ))}
          </Radio.Group>
        </Form.Item>
      </Form>
    </Card>
  );
}
