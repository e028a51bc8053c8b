/** This page folder's text; the same keys in both languages. */
export const messages = {
  en: {
    title: 'Settings',
  },
  'zh-CN': {
    title: '设置',
  },
};
