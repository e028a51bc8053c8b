/** This page folder's text; the same keys in both languages. */
export const messages = {
  en: {
    title: 'Dashboard',
  },
  'zh-CN': {
    title: '仪表板',
  },
};
