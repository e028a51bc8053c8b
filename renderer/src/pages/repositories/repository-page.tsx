import { PageHeader } from '../../components/page-header';

export function RepositoryPage() {
  return <PageHeader title="RepositoryPage" />;
}
