import { test, expect } from './fixtures.js';
import { ArtifactPage } from './pages/artifact-page.js';
import { ProjectPage } from './pages/project-page.js';
import { ProjectsPage } from './pages/projects-page.js';
import { RepositoryPage } from './pages/repository-page.js';

// Images get into the registry the way they do in real life (skopeo pushing OCI layouts); everything
// after that is what a person does in the portal.

test('a project created in the portal fills up live as images are pushed', async ({ signedIn, page, images }) => {
  const projects = new ProjectsPage(page);
  await projects.open();
  await projects.create('ui-live');

  const project = new ProjectPage(page, 'ui-live');
  await project.expectShown();
  await expect(project.emptyState).toBeVisible();
  await signedIn.expectLive();

  await images.push('layered', 'ui-live/app:v1');
  // No reload: the event stream brings the new repository in.
  await expect(project.repositoryLink('app')).toBeVisible();
  await expect(project.emptyState).toBeHidden();

  await project.repositoryLink('app').click();
  const repository = new RepositoryPage(page);
  await expect(repository.tag('v1')).toBeVisible();
  await images.push('busybox', 'ui-live/app:v2');
  await expect(repository.tag('v2')).toBeVisible();

  // The project list counts it too, after navigating there (not a reload either).
  await signedIn.navigate('Projects');
  await expect(projects.row('ui-live')).toBeVisible();
});

test('an artifact’s layers tab lists its build steps', async ({ signedIn: _, page, images }) => {
  await images.push('layered', 'library/layers-demo:1.0');
  await page.goto('/projects/library/repositories/layers-demo');
  const repository = new RepositoryPage(page);
  await repository.openArtifactTagged('1.0');

  const artifact = new ArtifactPage(page);
  const layers = await artifact.openTab('Layers');
  for (const command of [
    'COPY app files',
    'RUN rm -rf /app/remove-me && echo > /app/hello.txt',
    'ENV APP_MODE=test',
    'busybox base',
  ]) {
    await expect(layers.getByText(command, { exact: true })).toBeVisible();
  }
});

test('the copied pull command is the one docker needs', async ({ signedIn: _, page, images, berth }) => {
  await images.push('busybox', 'library/copy-demo:1.36');
  await page.goto('/projects/library/repositories/copy-demo');
  const repository = new RepositoryPage(page);
  await repository.copyPullCommand('1.36', 'docker');
  const copied = await page.evaluate('navigator.clipboard.readText()');
  expect(copied).toBe(`docker pull ${berth.host}/library/copy-demo:1.36`);
});

test('deleting a tag asks first, then takes only that tag away', async ({ signedIn: _, page, images }) => {
  await images.push('busybox', 'library/tag-demo:old');
  await images.push('busybox', 'library/tag-demo:keep');
  await page.goto('/projects/library/repositories/tag-demo');
  const repository = new RepositoryPage(page);
  await expect(repository.tag('old')).toBeVisible();

  await repository.deleteTag('old');
  await expect(repository.tag('old')).toHaveCount(0);
  await expect(repository.tag('keep')).toBeVisible();
  await page.reload();
  await expect(repository.tag('keep')).toBeVisible();
  await expect(repository.tag('old')).toHaveCount(0);
});
