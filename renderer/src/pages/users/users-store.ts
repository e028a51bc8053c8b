import { create } from 'zustand';

export type UserSearchField = 'username' | 'email';
export type UserRoleFilter = 'all' | 'admins';

interface UsersView {
  search: string;
  field: UserSearchField;
  role: UserRoleFilter;
  set(change: Partial<Pick<UsersView, 'search' | 'field' | 'role'>>): void;
}

/** The users page's search, kept while the admin visits other pages. */
export const useUsersView = create<UsersView>()((set) => ({
  search: '',
  field: 'username',
  role: 'all',
  set: (change) => set(change),
}));
