/** This page folder's text; the same keys in both languages. */
export const messages = {
  en: {
    title: 'Projects',
  },
  'zh-CN': {
    title: '项目',
  },
};
