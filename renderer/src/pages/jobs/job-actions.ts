import { useQueryClient } from '@tanstack/react-query';
import { App } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import type { Execution, Task } from '../../api/types';
import { errorMessage } from '../../components/error-alert';
import { idFromLocation } from './job-format';

/**
 * Stop and retry, each behind a confirmation, with the server's own message when it refuses. The
 * listings refresh from the live events that follow; invalidating here covers a lost stream.
 */
export function useJobActions(options: { onRetried?: (execution: Execution) => void } = {}) {
  const { t } = useTranslation('jobs');
  const { modal, message, notification } = App.useApp();
  const queryClient = useQueryClient();

  const refresh = (executionId: number) => {
    void queryClient.invalidateQueries({ queryKey: ['executions'] });
    void queryClient.invalidateQueries({ queryKey: ['execution', executionId] });
    void queryClient.invalidateQueries({ queryKey: ['tasks', executionId] });
    void queryClient.invalidateQueries({ queryKey: ['queues'] });
    void queryClient.invalidateQueries({ queryKey: ['gc'] });
  };

  const failed = (title: string, error: unknown) =>
    notification.error({ title, description: errorMessage(error), placement: 'bottomRight' });

  return {
    stopExecution(execution: Pick<Execution, 'id'>) {
      modal.confirm({
        title: t('stopExecutionTitle', { id: execution.id }),
        content: t('stopExecutionBody'),
        okText: t('stop'),
        okButtonProps: { danger: true },
        cancelText: t('common:cancel'),
        onOk: async () => {
          try {
            await api.put(`executions/${execution.id}`, { action: 'stop' });
            void message.success(t('stopRequested'));
          } catch (error) {
            failed(t('stopFailed'), error);
          } finally {
            refresh(execution.id);
          }
        },
      });
    },

    stopTask(task: Pick<Task, 'id' | 'execution_id'>) {
      modal.confirm({
        title: t('stopTaskTitle', { id: task.id }),
        content: t('stopTaskBody'),
        okText: t('stop'),
        okButtonProps: { danger: true },
        cancelText: t('common:cancel'),
        onOk: async () => {
          try {
            await api.put(`tasks/${task.id}`, { action: 'stop' });
            void message.success(t('stopRequested'));
          } catch (error) {
            failed(t('stopFailed'), error);
          } finally {
            refresh(task.execution_id);
          }
        },
      });
    },

    retry(execution: Pick<Execution, 'id'>) {
      modal.confirm({
        title: t('retryTitle', { id: execution.id }),
        content: t('retryBody'),
        okText: t('retry'),
        cancelText: t('common:cancel'),
        onOk: async () => {
          try {
            const res = await api.post<Execution | undefined>(`executions/${execution.id}/retry`);
            const fresh = res.data && typeof res.data === 'object' ? res.data : undefined;
            const id = fresh?.id ?? idFromLocation(res.headers.get('location'));
            void message.success(t('retryStarted', { id: id ?? '?' }));
            if (fresh) options.onRetried?.(fresh);
            else if (id !== undefined) options.onRetried?.({ id } as Execution);
          } catch (error) {
            failed(t('retryFailed'), error);
          } finally {
            refresh(execution.id);
          }
        },
      });
    },
  };
}
