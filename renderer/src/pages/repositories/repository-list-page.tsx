import { useTranslation } from 'react-i18next';
import { PageHeader } from '../../components/page-header';
import { RepositoryTable } from './repository-table';

/** Every repository the caller may see, across projects. */
export function RepositoryListPage() {
  const { t } = useTranslation('repositories');
  return (
    <>
      <PageHeader title={t('title')} />
      <RepositoryTable listPath="repositories" queryKey={['repositories', 'all']} />
    </>
  );
}
