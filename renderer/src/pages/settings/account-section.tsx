import { CrownOutlined, EditOutlined, UserOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Avatar,
  Button,
  Card,
  Col,
  Descriptions,
  Flex,
  Form,
  Input,
  Row,
  Space,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import type { CurrentUser } from '../../api/types';
import { errorMessage } from '../../components/error-alert';
import { formatTime } from '../../components/format';
import { useSession } from '../../stores/session';
import { PasswordFields } from '../users/password-fields';
import { TokensCard } from './tokens-card';

const ILLEGAL_REALNAME = /[,~#$%]/;

/** The signed-in user's profile, password and access tokens. */
export function AccountSection({ user }: { user: CurrentUser }) {
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={12}>
        <ProfileCard user={user} />
      </Col>
      <Col xs={24} xl={12}>
        <PasswordCard user={user} />
      </Col>
      <Col span={24}>
        <TokensCard user={user} />
      </Col>
    </Row>
  );
}

interface ProfileValues {
  email: string;
  realname: string;
  comment: string;
}

function ProfileCard({ user }: { user: CurrentUser }) {
  const { t, i18n } = useTranslation('settings');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [form] = Form.useForm<ProfileValues>();
  const save = useMutation({
    // Harbor replaces the whole profile: every field is sent.
    mutationFn: (values: ProfileValues) => api.put(`users/${user.user_id}`, values),
    onSuccess: async () => {
      await useSession.getState().refreshUser();
      void queryClient.invalidateQueries({ queryKey: ['users'] });
      void message.success(t('account.profileSaved'));
      setEditing(false);
    },
  });

  return (
    <Card
      title={t('account.profileTitle')}
      style={{ height: '100%' }}
      extra={
        !editing && (
          <Button
            icon={<EditOutlined />}
            onClick={() => {
              form.setFieldsValue({ email: user.email, realname: user.realname, comment: user.comment });
              save.reset();
              setEditing(true);
            }}
          >
            {t('account.editProfile')}
          </Button>
        )
      }
    >
      <Flex align="center" gap={16} style={{ marginBottom: 20 }}>
        <Avatar
          size={56}
          icon={user.sysadmin_flag ? <CrownOutlined /> : <UserOutlined />}
          style={user.sysadmin_flag ? { background: '#faad14' } : { background: '#1668dc' }}
        />
        <div>
          <Typography.Title level={4} style={{ margin: 0 }}>
            {user.realname || user.username}
          </Typography.Title>
          <Space size={8}>
            <Typography.Text type="secondary">{user.username}</Typography.Text>
            {user.sysadmin_flag ? (
              <Tag color="gold" icon={<CrownOutlined />}>
                {t('account.admin')}
              </Tag>
            ) : (
              <Tag>{t('account.user')}</Tag>
            )}
          </Space>
        </div>
      </Flex>
      {editing ? (
        <Form form={form} layout="vertical" requiredMark={false} onFinish={(v) => save.mutate(v)}>
          {save.error && (
            <Alert
              type="error"
              showIcon
              title={t('account.profileFailed')}
              description={errorMessage(save.error)}
              style={{ marginBottom: 16 }}
            />
          )}
          <Form.Item
            label={t('account.email')}
            name="email"
            rules={[
              { required: true, message: t('account.required') },
              { type: 'email', message: t('account.emailInvalid') },
            ]}
          >
            <Input type="email" />
          </Form.Item>
          <Form.Item
            label={t('account.realname')}
            name="realname"
            rules={[
              { required: true, whitespace: true, message: t('account.required') },
              {
                validator: async (_r, v: string | undefined) => {
                  if (v && ILLEGAL_REALNAME.test(v)) throw new Error(t('account.realnameInvalid'));
                },
              },
            ]}
          >
            <Input maxLength={255} />
          </Form.Item>
          <Form.Item label={t('account.comment')} name="comment" rules={[{ max: 30 }]}>
            <Input maxLength={30} showCount />
          </Form.Item>
          <Space>
            <Button type="primary" htmlType="submit" loading={save.isPending}>
              {t('account.saveProfile')}
            </Button>
            <Button onClick={() => setEditing(false)}>{t('common:cancel')}</Button>
          </Space>
        </Form>
      ) : (
        <Descriptions
          column={1}
          size="small"
          items={[
            { key: 'email', label: t('account.email'), children: user.email || '—' },
            { key: 'realname', label: t('account.realname'), children: user.realname || '—' },
            { key: 'comment', label: t('account.comment'), children: user.comment || '—' },
            { key: 'created', label: t('account.created'), children: formatTime(user.creation_time, i18n.language) },
          ]}
        />
      )}
    </Card>
  );
}

interface PasswordValues {
  current: string;
  password: string;
}

function PasswordCard({ user }: { user: CurrentUser }) {
  const { t } = useTranslation('settings');
  const { message } = App.useApp();
  const [form] = Form.useForm<PasswordValues>();
  const change = useMutation({
    mutationFn: (values: PasswordValues) =>
      api.put(`users/${user.user_id}/password`, { old_password: values.current, new_password: values.password }),
    onSuccess: async () => {
      // The server ends every session of the user with the change, this one included.
      void message.success(t('account.passwordChanged'), 6);
      await useSession.getState().signOut();
    },
  });
  return (
    <Card title={t('account.passwordTitle')} style={{ height: '100%' }}>
      <Typography.Paragraph type="secondary">{t('account.passwordHelp')}</Typography.Paragraph>
      {change.error && (
        <Alert
          type="error"
          showIcon
          title={t('account.passwordFailed')}
          description={errorMessage(change.error)}
          style={{ marginBottom: 16 }}
        />
      )}
      <Form form={form} layout="vertical" requiredMark={false} onFinish={(v) => change.mutate(v)}>
        {/* Lets password managers file the change under the right account. */}
        <input type="text" name="username" autoComplete="username" value={user.username} readOnly hidden />
        <Form.Item
          label={t('account.currentPassword')}
          name="current"
          rules={[{ required: true, message: t('account.required') }]}
        >
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <PasswordFields label={t('account.newPassword')} confirmLabel={t('account.confirmPassword')} />
        <Button type="primary" htmlType="submit" loading={change.isPending}>
          {t('account.changePassword')}
        </Button>
      </Form>
    </Card>
  );
}
