/** This page folder's text; the same keys in both languages. */
export const messages = {
  en: {
    title: 'Jobs',
  },
  'zh-CN': {
    title: '任务',
  },
};
