import { Form, Input } from 'antd';
import type { Rule } from 'antd/es/form';
import { useTranslation } from 'react-i18next';
import { PASSWORD_MAX, passwordProblem } from './password-policy';

/**
 * A new password and its confirmation, checked against Harbor's policy as the user types. Used by
 * the create-user and reset-password dialogs and by the settings page's password change.
 */
export function PasswordFields({
  name = 'password',
  label,
  confirmLabel,
}: {
  name?: string;
  label: string;
  confirmLabel: string;
}) {
  const { t } = useTranslation('users');
  const policy: Rule = {
    validator: async (_rule, value: string | undefined) => {
      if (!value) throw new Error(t('required'));
      const problem = passwordProblem(value);
      if (problem) throw new Error(t(`password.${problem}`));
    },
  };
  return (
    <>
      <Form.Item label={label} name={name} rules={[policy]} extra={t('password.policy')} hasFeedback>
        <Input.Password autoComplete="new-password" maxLength={PASSWORD_MAX} />
      </Form.Item>
      <Form.Item
        label={confirmLabel}
        name={`${name}Confirm`}
        dependencies={[name]}
        hasFeedback
        rules={[
          { required: true, message: t('required') },
          ({ getFieldValue }) => ({
            validator: async (_rule, value: string | undefined) => {
              if (value && value !== getFieldValue(name)) throw new Error(t('password.mismatch'));
            },
          }),
        ]}
      >
        <Input.Password autoComplete="new-password" maxLength={PASSWORD_MAX} />
      </Form.Item>
    </>
  );
}
