import { PageHeader } from '../../components/page-header';

export function GcPage() {
  return <PageHeader title="GcPage" />;
}
