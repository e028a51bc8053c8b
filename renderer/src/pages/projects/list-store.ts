import { create } from 'zustand';

/** The project list's search and filter, kept while the user visits a project and comes back. */
interface ProjectListState {
  search: string;
  access: 'all' | 'public' | 'private';
  sort: string | undefined;
  set(patch: Partial<Pick<ProjectListState, 'search' | 'access' | 'sort'>>): void;
}

export const useProjectListState = create<ProjectListState>()((set) => ({
  search: '',
  access: 'all',
  sort: undefined,
  set: (patch) => set(patch),
}));
