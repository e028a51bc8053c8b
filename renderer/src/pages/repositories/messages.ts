/** This page folder's text; the same keys in both languages. */
export const messages = {
  en: {
    title: 'Repositories',
  },
  'zh-CN': {
    title: '镜像仓库',
  },
};
