/** This page folder's text; the same keys in both languages. */
export const messages = {
  en: {
    title: 'Users',
  },
  'zh-CN': {
    title: '用户',
  },
};
