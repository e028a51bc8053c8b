import { Flex, Popover, Select, Typography, theme } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { CopyButton } from '../../components/copy-button';
import { shortDigest } from '../../components/format';
import type { Artifact } from '../../api/types';
import { isDigest, pullCommands } from './pull-commands';
import { newestFirst } from './tag-order';

/** What an artifact can be pulled by: its tags, newest version first, then its digest. */
export function referencesOf(artifact: Artifact): string[] {
  return [...newestFirst(artifact.tags ?? [], (t) => t.name).map((t) => t.name), artifact.digest];
}
/** The commands to pull one artifact, one line per client, each with its copy button. */
export function PullCommandList({
  repository,
  reference,
  type,
}: {
  repository: string;
  reference: string;
  type: string;
}) {
  const { t } = useTranslation('repositories');
  const { token } = theme.useToken();
  const commands = pullCommands({ host: window.location.host, repository, reference, type });
  return (
    <Flex vertical gap={6}>
      {commands.map((c) => (
        <Flex key={c.client} align="center" gap={8}>
          <Typography.Text type="secondary" style={{ width: 56, flex: 'none', fontSize: token.fontSizeSM }}>
            {c.client}
          </Typography.Text>
          <Typography.Text
            code
            ellipsis={{ tooltip: c.command }}
            style={{ flex: 1, minWidth: 0, fontSize: token.fontSizeSM }}
          >
            {c.command}
          </Typography.Text>
          <CopyButton text={c.command} label={t('pullCommandLabel', { client: c.client })} />
        </Flex>
      ))}
    </Flex>
  );
}

/**
 * A popover with the pull commands of an artifact. `references` are what it can be pulled by (its
 * tags, then its digest); the user picks one when there are several.
 */
export function PullCommandPopover({
  repository,
  references,
  type,
  initial,
  children,
}: {
  repository: string;
  references: string[];
  type: string;
  initial?: string;
  children: ReactNode;
}) {
  const { t } = useTranslation('repositories');
  const [reference, setReference] = useState(initial ?? references[0] ?? '');
  const current = references.includes(reference) ? reference : (references[0] ?? '');
  return (
    <Popover
      trigger="click"
      placement="bottomLeft"
      destroyOnHidden
      title={t('pullCommands')}
      content={
        <Flex vertical gap={10} style={{ width: 520, maxWidth: '80vw' }}>
          {references.length > 1 && (
            <Select
              size="small"
              aria-label={t('pullReference')}
              value={current}
              onChange={setReference}
              options={references.map((r) => ({ value: r, label: isDigest(r) ? shortDigest(r) : r }))}
              style={{ width: '100%' }}
            />
          )}
          <PullCommandList repository={repository} reference={current} type={type} />
        </Flex>
      }
    >
      {children}
    </Popover>
  );
}
