import { PageHeader } from '../../components/page-header';

export function ProjectDetailPage() {
  return <PageHeader title="ProjectDetailPage" />;
}
