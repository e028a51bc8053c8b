/** The repositories of one project (the project page's first tab). */
export function ProjectRepositories({ projectName }: { projectName: string }) {
  return <div>{projectName}</div>;
}
