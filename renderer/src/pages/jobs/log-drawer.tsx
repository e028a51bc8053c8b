import { ReloadOutlined, SyncOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Button, Drawer, Empty, Flex, Spin, Tooltip, Typography, theme } from 'antd';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { CopyButton } from '../../components/copy-button';
import { ErrorAlert } from '../../components/error-alert';

/** How often an open log is read again while its task runs (there is no event per log line). */
const FOLLOW_MS = 2000;

/**
 * A task's log (`text/plain`) in a drawer, monospace, read again while the task runs and kept
 * scrolled to the end unless the reader scrolled up. Used for job tasks and GC runs alike.
 */
export function LogDrawer({
  open,
  title,
  queryKey,
  path,
  running,
  onClose,
}: {
  open: boolean;
  title: string;
  /** Must start with the prefix of what the log belongs to (`['tasks', executionId]`, `['gc']`). */
  queryKey: readonly unknown[];
  /** API path of the log, relative to /api/v2.0. */
  path: string;
  running: boolean;
  onClose(): void;
}) {
  const { t } = useTranslation('jobs');
  const { token } = theme.useToken();
  const log = useQuery({
    queryKey,
    queryFn: () => api.text(path),
    enabled: open,
    staleTime: 0,
    refetchInterval: open && running ? FOLLOW_MS : false,
  });
  const box = useRef<HTMLPreElement>(null);
  const pinned = useRef(true);

  useEffect(() => {
    const el = box.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [log.data]);

  const text = log.data ?? '';
  const lines = text === '' ? 0 : text.replace(/\n$/, '').split('\n').length;

  return (
    <Drawer
      open={open}
      onClose={onClose}
      title={title}
      size={860}
      destroyOnHidden
      extra={
        <Flex gap={4} align="center">
          <CopyButton text={text} label={title} size="middle" />
          <Tooltip title={t('common:refresh')}>
            <Button
              type="text"
              aria-label={t('common:refresh')}
              icon={<ReloadOutlined />}
              onClick={() => void log.refetch()}
            />
          </Tooltip>
        </Flex>
      }
      styles={{ body: { display: 'flex', flexDirection: 'column', gap: 12 } }}
    >
      <Flex justify="space-between" align="center">
        <Typography.Text type="secondary">
          {running ? (
            <>
              <SyncOutlined spin style={{ marginRight: 8 }} />
              {t('log.following')}
            </>
          ) : (
            t('log.finished')
          )}
        </Typography.Text>
        {lines > 0 && <Typography.Text type="secondary">{t('log.lines', { count: lines })}</Typography.Text>}
      </Flex>
      <ErrorAlert error={log.error} />
      {log.isLoading ? (
        <Flex justify="center" style={{ padding: 48 }}>
          <Spin />
        </Flex>
      ) : text === '' && !log.error ? (
        <Empty description={t('log.empty')} />
      ) : (
        <pre
          ref={box}
          data-testid="task-log"
          onScroll={(e) => {
            const el = e.currentTarget;
            pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
          }}
          style={{
            flex: 1,
            margin: 0,
            padding: 16,
            overflow: 'auto',
            fontFamily: token.fontFamilyCode,
            fontSize: 12,
            lineHeight: 1.6,
            whiteSpace: 'pre-wrap',
            overflowWrap: 'anywhere',
            background: token.colorFillQuaternary,
            border: `1px solid ${token.colorBorderSecondary}`,
            borderRadius: token.borderRadius,
          }}
        >
          {text}
        </pre>
      )}
    </Drawer>
  );
}
