import { PageHeader } from '../../components/page-header';

export function RepositoryListPage() {
  return <PageHeader title="RepositoryListPage" />;
}
