/** This page folder's text; the same keys in both languages. */
export const messages = {
  en: {
    title: 'Sign in to Berth',
    subtitle: 'Your container registry',
    username: 'Username',
    password: 'Password',
    submit: 'Sign in',
    required: 'Required',
    failed: 'Sign-in failed',
    desktop: 'Signing you in…',
  },
  'zh-CN': {
    title: '登录 Berth',
    subtitle: '您的容器镜像仓库',
    username: '用户名',
    password: '密码',
    submit: '登录',
    required: '必填',
    failed: '登录失败',
    desktop: '正在登录…',
  },
};
