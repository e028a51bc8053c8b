import { create } from 'zustand';
import { api, request, setCsrfToken, setUnauthorizedHandler } from '../api/client';
import type { CurrentUser } from '../api/types';

type SessionState =
  { status: 'unknown' } | { status: 'signed-out'; reason?: string } | { status: 'signed-in'; user: CurrentUser };

interface SessionStore {
  state: SessionState;
  /** Asks the server who the cookie belongs to (page load). */
  restore(): Promise<void>;
  signIn(principal: string, password: string): Promise<void>;
  /** The desktop app's local owner: a one-time token from the main process, exchanged for a session. */
  signInWithDesktopToken(token: string): Promise<void>;
  signOut(): Promise<void>;
  refreshUser(): Promise<void>;
}

export const useSession = create<SessionStore>()((set, get) => ({
  state: { status: 'unknown' },
  async restore() {
    try {
      const user = await api.get<CurrentUser>('users/current');
      set({ state: { status: 'signed-in', user } });
    } catch {
      set({ state: { status: 'signed-out' } });
    }
  },
  async signIn(principal, password) {
    const res = await request<{ csrf_token: string }>('POST', '/c/login', { body: { principal, password } });
    setCsrfToken(res.data.csrf_token);
    await get().refreshUser();
  },
  async signInWithDesktopToken(token) {
    const res = await request<{ csrf_token: string }>('POST', '/c/login/desktop', { body: { token } });
    setCsrfToken(res.data.csrf_token);
    await get().refreshUser();
  },
  async signOut() {
    await request('POST', '/c/log_out').catch(() => undefined);
    setCsrfToken(undefined);
    set({ state: { status: 'signed-out' } });
  },
  async refreshUser() {
    const user = await api.get<CurrentUser>('users/current');
    set({ state: { status: 'signed-in', user } });
  },
}));

setUnauthorizedHandler(() => {
  if (useSession.getState().state.status === 'signed-in') {
    useSession.setState({ state: { status: 'signed-out', reason: 'expired' } });
  }
});

export function useCurrentUser(): CurrentUser | undefined {
  const state = useSession((s) => s.state);
  return state.status === 'signed-in' ? state.user : undefined;
}
