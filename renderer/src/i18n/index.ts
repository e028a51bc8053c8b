import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { common } from './common';
import { messages as audit } from '../pages/audit/messages';
import { messages as dashboard } from '../pages/dashboard/messages';
import { messages as gc } from '../pages/gc/messages';
import { messages as jobs } from '../pages/jobs/messages';
import { messages as projects } from '../pages/projects/messages';
import { messages as replication } from '../pages/replication/messages';
import { messages as repositories } from '../pages/repositories/messages';
import { messages as scanner } from '../pages/scanner/messages';
import { messages as settings } from '../pages/settings/messages';
import { messages as signIn } from '../pages/sign-in/messages';
import { messages as users } from '../pages/users/messages';
import type { Language } from '../stores/preferences';

/**
 * English and 简体中文. Each page folder owns its text (`messages.ts`, one namespace per folder);
 * both languages must have the same keys (test: renderer/src/i18n/messages.test.ts).
 */
export const namespaces = {
  common,
  audit,
  dashboard,
  gc,
  jobs,
  projects,
  replication,
  repositories,
  scanner,
  settings,
  signIn,
  users,
};
export const languages: Language[] = ['en', 'zh-CN'];

export function initI18n(language: Language) {
  const resources = Object.fromEntries(
    languages.map((lng) => [lng, Object.fromEntries(Object.entries(namespaces).map(([ns, m]) => [ns, m[lng]]))]),
  );
  void i18next.use(initReactI18next).init({
    resources,
    lng: language,
    fallbackLng: 'en',
    defaultNS: 'common',
    ns: Object.keys(namespaces),
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  return i18next;
}
