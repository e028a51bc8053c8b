import { Flex, Typography, theme } from 'antd';
import { CopyButton } from '../../components/copy-button';

/** One shell command (or, without `prompt`, any text to copy) in a monospace box, with a copy button. */
export function CommandLine({ command, label, prompt = true }: { command: string; label: string; prompt?: boolean }) {
  const { token } = theme.useToken();
  return (
    <Flex
      align="center"
      gap={8}
      style={{
        background: token.colorFillQuaternary,
        border: `1px solid ${token.colorBorderSecondary}`,
        borderRadius: token.borderRadius,
        padding: '6px 8px 6px 12px',
      }}
    >
      <Typography.Text
        style={{ flex: 1, fontFamily: token.fontFamilyCode, fontSize: 13, wordBreak: 'break-all' }}
        aria-label={label}
      >
        {prompt && (
          <Typography.Text type="secondary" style={{ fontFamily: 'inherit', userSelect: 'none' }}>
            ${' '}
          </Typography.Text>
        )}
        {command}
      </Typography.Text>
      <CopyButton text={command} label={label} />
    </Flex>
  );
}
