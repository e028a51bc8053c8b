import {
  CloudDownloadOutlined,
  DatabaseOutlined,
  ImportOutlined,
  UploadOutlined,
  WarningOutlined,
} from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Divider,
  Flex,
  Form,
  Input,
  Progress,
  Row,
  Skeleton,
  Statistic,
  Table,
  Tabs,
  Typography,
  Upload,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { API, ApiError, api, csrfHeaders } from '../../api/client';
import { ErrorAlert, errorMessage } from '../../components/error-alert';
import { formatBytes, formatRelative } from '../../components/format';
import { TimeText } from '../../components/time-text';
import { useScannerSettings, useVulnDb } from './scan-api';
import { STALE_DB_SECONDS, dbAgeSeconds, isSixFieldCron } from './scan-logic';
import type { ScannerSettings, VulnDbImportResult, VulnDbStatus } from './scan-types';

/**
 * The advisory database: what it holds and how old it is, its sources, and the three ways to
 * update it (a file upload, an OCI artifact stored in Berth for air-gapped sites, configured URLs).
 */
export function VulnDbCard() {
  const { t, i18n } = useTranslation('scanner');
  const db = useVulnDb();
  const status = db.data;
  const age = status?.age_seconds ?? dbAgeSeconds(status?.updated_at);
  const stale = age !== undefined && age !== null && age > STALE_DB_SECONDS;
  const empty = status !== undefined && status.records === 0;

  return (
    <Card
      title={
        <Flex gap={8} align="center">
          <DatabaseOutlined />
          {t('db.title')}
        </Flex>
      }
    >
      <ErrorAlert error={db.error} />
      {db.isLoading ? (
        <Skeleton active paragraph={{ rows: 4 }} />
      ) : (
        status && (
          <Flex vertical gap={16}>
            {empty ? (
              <Alert type="warning" showIcon title={t('db.empty')} description={t('db.emptyHint')} />
            ) : (
              stale && (
                <Alert
                  type="warning"
                  showIcon
                  icon={<WarningOutlined />}
                  title={t('db.stale', { age: formatRelative(status.updated_at, i18n.language) })}
                  description={t('db.staleHint')}
                />
              )
            )}
            <Row gutter={[16, 16]}>
              <Col xs={12} md={6}>
                <Statistic title={t('db.records')} value={status.records} />
              </Col>
              <Col xs={12} md={6}>
                <Statistic title={t('db.version')} value={status.version} />
              </Col>
              <Col xs={12} md={6}>
                <Flex vertical gap={4}>
                  <Typography.Text type="secondary">{t('db.updated')}</Typography.Text>
                  <Typography.Text strong style={{ fontSize: 20 }} type={stale ? 'warning' : undefined}>
                    {status.updated_at ? formatRelative(status.updated_at, i18n.language) : t('common:never')}
                  </Typography.Text>
                </Flex>
              </Col>
              <Col xs={12} md={6}>
                <Flex vertical gap={4}>
                  <Typography.Text type="secondary">{t('db.newest')}</Typography.Text>
                  <Typography.Text strong style={{ fontSize: 20 }}>
                    {status.newest_record_at ? formatRelative(status.newest_record_at, i18n.language) : '—'}
                  </Typography.Text>
                </Flex>
              </Col>
            </Row>
            <Table<VulnDbStatus['sources'][number]>
              rowKey="name"
              size="small"
              dataSource={status.sources}
              pagination={status.sources.length > 10 ? { pageSize: 10 } : false}
              locale={{ emptyText: t('db.noSources') }}
              columns={[
                {
                  title: t('db.source'),
                  key: 'name',
                  render: (_, s) => <Typography.Text code>{s.name}</Typography.Text>,
                },
                {
                  title: t('db.records'),
                  key: 'records',
                  align: 'right',
                  render: (_, s) => s.records.toLocaleString(i18n.language),
                },
                { title: t('db.imported'), key: 'imported', render: (_, s) => <TimeText value={s.imported_at} /> },
                { title: t('db.newest'), key: 'newest', render: (_, s) => <TimeText value={s.newest_record_at} /> },
              ]}
            />
          </Flex>
        )
      )}
      <Divider />
      <Tabs
        items={[
          { key: 'upload', label: t('db.uploadTab'), icon: <UploadOutlined />, children: <UploadImport /> },
          { key: 'artifact', label: t('db.artifactTab'), icon: <ImportOutlined />, children: <ArtifactImport /> },
          { key: 'urls', label: t('db.urlsTab'), icon: <CloudDownloadOutlined />, children: <UrlUpdate /> },
        ]}
      />
    </Card>
  );
}

function useImportDone() {
  const { t } = useTranslation('scanner');
  const { notification } = App.useApp();
  const queryClient = useQueryClient();
  return {
    done: (result: VulnDbImportResult | undefined) => {
      void queryClient.invalidateQueries({ queryKey: ['vulndb'] });
      notification.success({
        title: t('db.importDone'),
        description: t('db.importCounts', {
          added: result?.added ?? 0,
          updated: result?.updated ?? 0,
          removed: result?.removed ?? 0,
          skipped: result?.skipped ?? 0,
        }),
        placement: 'bottomRight',
      });
    },
    failed: (error: unknown) =>
      notification.error({ title: t('db.importFailed'), description: errorMessage(error), placement: 'bottomRight' }),
  };
}

/** The file goes up as the request body; XMLHttpRequest because fetch cannot report upload progress. */
function uploadFile(file: File, onProgress: (pct: number) => void): Promise<VulnDbImportResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${API}/system/scanner/vulndb`);
    for (const [k, v] of Object.entries(csrfHeaders())) xhr.setRequestHeader(k, v);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(Math.round((e.loaded / e.total) * 100));
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve((body ?? {}) as VulnDbImportResult);
      else {
        const first = (body as { errors?: { code?: string; message?: string }[] } | undefined)?.errors?.[0];
        reject(new ApiError(xhr.status, first?.code ?? String(xhr.status), first?.message ?? xhr.statusText));
      }
    };
    xhr.onerror = () => reject(new Error('network error'));
    xhr.send(file);
  });
}

function UploadImport() {
  const { t } = useTranslation('scanner');
  const { done, failed } = useImportDone();
  const [progress, setProgress] = useState<number | undefined>();
  const [file, setFile] = useState<File | undefined>();
  const busy = progress !== undefined;
  const start = async (f: File) => {
    setFile(f);
    setProgress(0);
    try {
      done(await uploadFile(f, setProgress));
    } catch (error) {
      failed(error);
    } finally {
      setProgress(undefined);
    }
  };
  return (
    <Flex vertical gap={12}>
      <Typography.Text type="secondary">{t('db.uploadHelp')}</Typography.Text>
      <Upload.Dragger
        accept=".zip,.json,.gz"
        multiple={false}
        showUploadList={false}
        disabled={busy}
        beforeUpload={(f) => {
          void start(f);
          return false;
        }}
      >
        <p className="ant-upload-drag-icon">
          <UploadOutlined />
        </p>
        <p className="ant-upload-text">{t('db.uploadDrop')}</p>
        <p className="ant-upload-hint">{t('db.uploadFormats')}</p>
      </Upload.Dragger>
      {busy && file && (
        <Flex vertical gap={4}>
          <Typography.Text>
            {progress < 100
              ? t('db.uploading', { name: file.name, size: formatBytes(file.size) })
              : t('db.importing', { name: file.name })}
          </Typography.Text>
          <Progress percent={progress} status="active" />
        </Flex>
      )}
    </Flex>
  );
}

function ArtifactImport() {
  const { t } = useTranslation('scanner');
  const { done, failed } = useImportDone();
  const [form] = Form.useForm<{ project_name: string; repository_name: string; reference: string }>();
  const run = useMutation({
    mutationFn: (v: { project_name: string; repository_name: string; reference: string }) =>
      api.post<VulnDbImportResult>('system/scanner/vulndb/import', {
        project_name: v.project_name.trim(),
        repository_name: v.repository_name.trim(),
        reference: v.reference.trim(),
      }),
    onSuccess: (res) => done(res.data),
    onError: failed,
  });
  return (
    <Flex vertical gap={12}>
      <Typography.Text type="secondary">{t('db.artifactHelp')}</Typography.Text>
      <Form form={form} layout="inline" requiredMark={false} onFinish={(v) => run.mutate(v)} style={{ rowGap: 8 }}>
        <Form.Item
          name="project_name"
          label={t('db.project')}
          rules={[{ required: true, whitespace: true, message: '' }]}
        >
          <Input placeholder="library" style={{ width: 140 }} />
        </Form.Item>
        <Form.Item
          name="repository_name"
          label={t('db.repository')}
          rules={[{ required: true, whitespace: true, message: '' }]}
        >
          <Input placeholder="advisories" style={{ width: 180 }} />
        </Form.Item>
        <Form.Item
          name="reference"
          label={t('db.reference')}
          rules={[{ required: true, whitespace: true, message: '' }]}
        >
          <Input placeholder="latest" style={{ width: 160 }} />
        </Form.Item>
        <Button type="primary" htmlType="submit" icon={<ImportOutlined />} loading={run.isPending}>
          {t('db.importButton')}
        </Button>
      </Form>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t('db.artifactPushHint')}
      </Typography.Text>
    </Flex>
  );
}

function UrlUpdate() {
  const { t } = useTranslation('scanner');
  const settings = useScannerSettings();
  const { done, failed } = useImportDone();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const update = useMutation({
    mutationFn: () => api.post<VulnDbImportResult>('system/scanner/vulndb/update'),
    onSuccess: (res) => done(res.data),
    onError: failed,
  });
  const save = useMutation({
    mutationFn: (v: { urls: string; cron: string }) =>
      api.put<ScannerSettings>('system/scanner/settings', {
        db_urls: v.urls
          .split(/\s+/)
          .map((u) => u.trim())
          .filter(Boolean),
        db_update_cron: v.cron.trim() || null,
      }),
    onSuccess: () => {
      void message.success(t('db.urlsSaved'));
      void queryClient.invalidateQueries({ queryKey: ['scanner-settings'] });
    },
  });
  if (settings.isLoading) return <Skeleton active paragraph={{ rows: 3 }} />;
  const saved = settings.data;
  const urls = saved?.db_urls ?? [];
  return (
    <Flex vertical gap={12}>
      <ErrorAlert error={settings.error ?? save.error} />
      <Typography.Text type="secondary">{t('db.urlsHelp')}</Typography.Text>
      <Form
        key={JSON.stringify(saved ?? {})}
        layout="vertical"
        requiredMark={false}
        initialValues={{ urls: urls.join('\n'), cron: saved?.db_update_cron ?? '' }}
        onFinish={(v: { urls: string; cron: string }) => save.mutate(v)}
      >
        <Form.Item
          name="urls"
          label={t('db.urls')}
          rules={[
            {
              validator: async (_, v: string) =>
                (v ?? '')
                  .split(/\s+/)
                  .filter(Boolean)
                  .every((u) => /^https?:\/\/\S+$/i.test(u))
                  ? undefined
                  : Promise.reject(new Error(t('db.urlsInvalid'))),
            },
          ]}
        >
          <Input.TextArea
            rows={3}
            placeholder="https://osv-vulnerabilities.storage.googleapis.com/Debian/all.zip"
            style={{ fontFamily: 'monospace' }}
          />
        </Form.Item>
        <Form.Item
          name="cron"
          label={t('db.cron')}
          extra={t('db.cronHelp')}
          rules={[
            {
              validator: async (_, v: string) =>
                !v?.trim() || isSixFieldCron(v) ? undefined : Promise.reject(new Error(t('scanAll.cronInvalid'))),
            },
          ]}
        >
          <Input placeholder="0 0 4 * * *" style={{ fontFamily: 'monospace', maxWidth: 260 }} />
        </Form.Item>
        <Flex gap={8} wrap>
          <Button htmlType="submit" loading={save.isPending}>
            {t('db.saveUrls')}
          </Button>
          <Button
            type="primary"
            icon={<CloudDownloadOutlined />}
            loading={update.isPending}
            disabled={urls.length === 0}
            onClick={() => update.mutate()}
          >
            {t('db.updateNow')}
          </Button>
        </Flex>
      </Form>
      {urls.length > 0 && (
        <Descriptions
          size="small"
          column={1}
          items={[{ key: 'n', label: t('db.configured'), children: t('db.configuredCount', { count: urls.length }) }]}
        />
      )}
    </Flex>
  );
}
