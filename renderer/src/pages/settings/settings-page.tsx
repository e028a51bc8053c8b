import { CloudServerOutlined, DatabaseOutlined, SafetyOutlined, SkinOutlined, UserOutlined } from '@ant-design/icons';
import { Tabs } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { PageHeader } from '../../components/page-header';
import { useCurrentUser } from '../../stores/session';
import { AccountSection } from './account-section';
import { AppearanceSection } from './appearance-section';
import { RegistrySection } from './registry-section';
import { SecuritySection } from './security-section';
import { SystemSection } from './system-section';

type SettingsTab = 'registry' | 'account' | 'appearance' | 'security' | 'system';

/**
 * Settings in tabs; the open tab is in the URL (`/settings?tab=account`) so it can be linked to.
 * Security and System are for system administrators only (the server refuses them to others anyway).
 */
export function SettingsPage() {
  const { t } = useTranslation('settings');
  const user = useCurrentUser();
  const admin = user?.sysadmin_flag ?? false;
  const [params, setParams] = useSearchParams();
  const tabs: { key: SettingsTab; icon: ReactNode; children: ReactNode }[] = [
    { key: 'registry', icon: <CloudServerOutlined />, children: <RegistrySection /> },
    { key: 'account', icon: <UserOutlined />, children: user && <AccountSection user={user} /> },
    { key: 'appearance', icon: <SkinOutlined />, children: <AppearanceSection /> },
    ...(admin
      ? [
          { key: 'security' as const, icon: <SafetyOutlined />, children: <SecuritySection /> },
          { key: 'system' as const, icon: <DatabaseOutlined />, children: <SystemSection /> },
        ]
      : []),
  ];
  const asked = params.get('tab') as SettingsTab | null;
  const active = asked && tabs.some((tab) => tab.key === asked) ? asked : 'registry';

  return (
    <>
      <PageHeader title={t('title')} />
      <Tabs
        activeKey={active}
        onChange={(key) => setParams(key === 'registry' ? {} : { tab: key }, { replace: true })}
        destroyOnHidden
        items={tabs.map((tab) => ({
          key: tab.key,
          icon: tab.icon,
          label: t(`tab.${tab.key}`),
          children: tab.children,
        }))}
      />
    </>
  );
}
