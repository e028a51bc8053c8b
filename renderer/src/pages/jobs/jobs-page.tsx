import { PageHeader } from '../../components/page-header';

export function JobsPage() {
  return <PageHeader title="JobsPage" />;
}
