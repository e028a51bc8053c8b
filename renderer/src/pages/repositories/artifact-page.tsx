import { PageHeader } from '../../components/page-header';

export function ArtifactPage() {
  return <PageHeader title="ArtifactPage" />;
}
