import type { BerthDesktopBridge } from '../../electron/bridge-contract';

declare global {
  interface Window {
    /** Present only inside the desktop app (electron/preload.ts). */
    berthDesktop?: BerthDesktopBridge;
  }
}

export function desktopBridge(): BerthDesktopBridge | undefined {
  return typeof window === 'undefined' ? undefined : window.berthDesktop;
}
