import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Flex, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorMessage } from '../../components/error-alert';
import { LanguageSwitch, ThemeSwitch } from '../../layout/preference-switches';
import { useSession } from '../../stores/session';

export function SignInPage() {
  const { t } = useTranslation('signIn');
  const signIn = useSession((s) => s.signIn);
  const reason = useSession((s) => (s.state.status === 'signed-out' ? s.state.reason : undefined));
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (values: { principal: string; password: string }) => {
    setBusy(true);
    setError(undefined);
    try {
      await signIn(values.principal, values.password);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Flex vertical align="center" justify="center" style={{ minHeight: '100vh', padding: 24 }}>
      <Card style={{ width: 380 }}>
        <Flex vertical align="center" style={{ marginBottom: 24 }}>
          <img src="/favicon.svg" alt="" width={48} height={48} />
          <Typography.Title level={3} style={{ marginTop: 12, marginBottom: 0 }}>
            {t('title')}
          </Typography.Title>
          <Typography.Text type="secondary">{t('subtitle')}</Typography.Text>
        </Flex>
        {reason === 'expired' && (
          <Alert type="info" showIcon title={t('common:sessionExpired')} style={{ marginBottom: 16 }} />
        )}
        {error && <Alert type="error" showIcon title={t('failed')} description={error} style={{ marginBottom: 16 }} />}
        <Form layout="vertical" onFinish={(v) => void submit(v)} requiredMark={false}>
          <Form.Item label={t('username')} name="principal" rules={[{ required: true, message: t('required') }]}>
            <Input prefix={<UserOutlined />} autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item label={t('password')} name="password" rules={[{ required: true, message: t('required') }]}>
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy}>
            {t('submit')}
          </Button>
        </Form>
      </Card>
      <Flex gap={8} style={{ marginTop: 16 }}>
        <LanguageSwitch />
        <ThemeSwitch />
      </Flex>
    </Flex>
  );
}
