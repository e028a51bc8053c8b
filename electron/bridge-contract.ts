/**
 * What the desktop shell's preload script exposes to the portal as `window.berthDesktop`. Types only:
 * the renderer imports this type, and the object is absent in a plain browser (the web portal).
 */
export interface BerthDesktopBridge {
  /** The one-time sign-in token for the local owner; null after the first call. */
  takeLoginToken(): Promise<string | null>;
  /** Opens an http(s) URL in the OS browser. */
  openExternal(url: string): Promise<void>;
  readonly platform: string;
  readonly version: string;
}
