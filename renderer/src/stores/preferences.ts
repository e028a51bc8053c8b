import { create } from 'zustand';
import { persist } from 'zustand/middleware';

export type ThemeChoice = 'light' | 'dark' | 'system';
export type Language = 'en' | 'zh-CN';

interface Preferences {
  theme: ThemeChoice;
  language: Language;
  siderCollapsed: boolean;
  setTheme(theme: ThemeChoice): void;
  setLanguage(language: Language): void;
  setSiderCollapsed(collapsed: boolean): void;
}

function browserLanguage(): Language {
  return typeof navigator !== 'undefined' && navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

/** What the user chose for this browser: kept in localStorage, never sent to the server. */
export const usePreferences = create<Preferences>()(
  persist(
    (set) => ({
      theme: 'system',
      language: browserLanguage(),
      siderCollapsed: false,
      setTheme: (theme) => set({ theme }),
      setLanguage: (language) => set({ language }),
      setSiderCollapsed: (siderCollapsed) => set({ siderCollapsed }),
    }),
    { name: 'berth.preferences' },
  ),
);
