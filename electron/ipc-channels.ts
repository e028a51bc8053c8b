/**
 * The IPC channels between the preload bridge and the main process. `preload.cts` repeats these
 * strings (a sandboxed preload cannot import local files); `preload.test.ts` holds the two together.
 */
export const IPC_CHANNELS = {
  takeLoginToken: 'berth:take-login-token',
  openExternal: 'berth:open-external',
} as const;

/** The argument carrying the app's version into the renderer process (`webPreferences.additionalArguments`). */
export const VERSION_ARGUMENT = '--berth-version=';
