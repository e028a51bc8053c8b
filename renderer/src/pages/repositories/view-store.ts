import { create } from 'zustand';

export type RepositoryView = 'grouped' | 'flat';

interface RepositoryViewState {
  /** How repository listings show their page: a namespace tree or a flat list. */
  view: RepositoryView;
  /** Namespace groups the user folded (every other group is open, so new ones show their content). */
  collapsed: string[];
  setView(view: RepositoryView): void;
  setCollapsed(collapsed: string[]): void;
}

/** The repository listings' view choices, kept while the user moves between pages. */
export const useRepositoryView = create<RepositoryViewState>()((set) => ({
  view: 'grouped',
  collapsed: [],
  setView: (view) => set({ view }),
  setCollapsed: (collapsed) => set({ collapsed }),
}));
