/** This page folder's text; the same keys in both languages. */
export const messages = {
  en: {
    title: 'Garbage collection',
  },
  'zh-CN': {
    title: '垃圾清理',
  },
};
