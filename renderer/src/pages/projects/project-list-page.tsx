import { PageHeader } from '../../components/page-header';

export function ProjectListPage() {
  return <PageHeader title="ProjectListPage" />;
}
