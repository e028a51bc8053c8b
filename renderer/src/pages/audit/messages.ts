/** This page folder's text; the same keys in both languages. */
export const messages = {
  en: {
    title: 'Audit log',
  },
  'zh-CN': {
    title: '审计日志',
  },
};
