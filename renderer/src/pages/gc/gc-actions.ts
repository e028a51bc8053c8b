import { useQueryClient } from '@tanstack/react-query';
import { App } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { errorMessage } from '../../components/error-alert';
import { idFromLocation } from '../jobs/job-format';

export interface GcRunOptions {
  deleteUntagged: boolean;
  workers: number;
}

/** Starting (for real after a confirmation, or dry) and stopping GC runs, with the server's refusals shown. */
export function useGcActions() {
  const { t } = useTranslation('gc');
  const { modal, message, notification } = App.useApp();
  const queryClient = useQueryClient();
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['gc'] });
    void queryClient.invalidateQueries({ queryKey: ['executions'] });
    void queryClient.invalidateQueries({ queryKey: ['queues'] });
  };

  const start = async (options: GcRunOptions, dryRun: boolean) => {
    try {
      const res = await api.post('system/gc/schedule', {
        schedule: { type: 'Manual' },
        parameters: { dry_run: dryRun, delete_untagged: options.deleteUntagged, workers: options.workers },
      });
      const id = idFromLocation(res.headers.get('location')) ?? '';
      void message.success(t(dryRun ? 'run.dryRunStarted' : 'run.started', { id }));
    } catch (error) {
      notification.error({ title: t('run.failed'), description: errorMessage(error), placement: 'bottomRight' });
    } finally {
      refresh();
    }
  };

  return {
    dryRun: (options: GcRunOptions) => start(options, true),

    runNow(options: GcRunOptions) {
      modal.confirm({
        title: t('run.confirmTitle'),
        content: options.deleteUntagged ? `${t('run.confirmBody')} ${t('run.confirmUntagged')}` : t('run.confirmBody'),
        okText: t('run.runNow'),
        okButtonProps: { danger: true },
        cancelText: t('common:cancel'),
        onOk: () => start(options, false),
      });
    },

    stop(id: number) {
      modal.confirm({
        title: t('history.stopTitle', { id }),
        content: t('history.stopBody'),
        okText: t('history.stop'),
        okButtonProps: { danger: true },
        cancelText: t('common:cancel'),
        onOk: async () => {
          try {
            await api.put(`system/gc/${id}`);
            void message.success(t('history.stopRequested'));
          } catch (error) {
            notification.error({
              title: t('history.stopFailed'),
              description: errorMessage(error),
              placement: 'bottomRight',
            });
          } finally {
            refresh();
            void queryClient.invalidateQueries({ queryKey: ['execution', id] });
          }
        },
      });
    },
  };
}
