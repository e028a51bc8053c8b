import { VERSION_ARGUMENT } from './ipc-channels.js';
import type { ShellWebPreferences, ShellWindow } from './shell-types.js';

/**
 * What the portal window may do. It shows one origin, the loopback server's; everything else is
 * either an ordinary web link (opened in the OS browser, where it cannot reach the bridge) or refused.
 */

/** What happens to a navigation or window-open request. */
export type NavigationDecision = 'allow' | 'open-externally' | 'deny';

/** The web preferences of the portal window: no Node, isolated and sandboxed, web security on. */
export function hardenedWebPreferences(preloadPath: string, version: string): ShellWebPreferences {
  return {
    preload: preloadPath,
    additionalArguments: [`${VERSION_ARGUMENT}${version}`],
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  };
}

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** True for an absolute http(s) URL: the only kind the OS browser is asked to open. */
export function isWebUrl(url: string): boolean {
  const parsed = parse(url);
  return parsed !== undefined && (parsed.protocol === 'http:' || parsed.protocol === 'https:');
}

/** A navigation of the window itself (a link, `location.href = ...`). */
export function decideNavigation(portalOrigin: string, target: string): NavigationDecision {
  const url = parse(target);
  if (!url) return 'deny';
  // `file:`, `data:` and the like have the opaque origin "null", never the portal's.
  if (url.origin === portalOrigin) return 'allow';
  return isWebUrl(target) ? 'open-externally' : 'deny';
}

/**
 * `window.open` and `target="_blank"`: never a second Electron window (it would need the same hardening
 * and gains nothing); web links outside the portal go to the OS browser.
 */
export function decideWindowOpen(portalOrigin: string, target: string): NavigationDecision {
  const decision = decideNavigation(portalOrigin, target);
  return decision === 'open-externally' ? decision : 'deny';
}

/**
 * Web permissions the portal gets: only writing to the clipboard (its copy buttons for pull commands
 * and digests), and only for the portal's own origin. Camera, notifications, geolocation and the rest
 * are refused.
 */
export function permissionAllowed(portalOrigin: string, permission: string, requestingUrl: string): boolean {
  return permission === 'clipboard-sanitized-write' && parse(requestingUrl)?.origin === portalOrigin;
}

/** Installs the policy on a portal window. `openExternal` is Electron's `shell.openExternal`. */
export function applyWindowPolicy(
  window: ShellWindow,
  portalOrigin: string,
  openExternal: (url: string) => Promise<void>,
): void {
  const contents = window.webContents;
  const openOutside = (url: string) => {
    openExternal(url).catch(() => {
      // The OS has no browser for it; nothing else to do from a click.
    });
  };
  contents.on('will-navigate', (event, url) => {
    const decision = decideNavigation(portalOrigin, url);
    if (decision === 'allow') return;
    event.preventDefault();
    if (decision === 'open-externally') openOutside(url);
  });
  // A redirect the server (or anything on the way) answers with may not leave the portal either.
  contents.on('will-redirect', (event, url) => {
    if (decideNavigation(portalOrigin, url) !== 'allow') event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (decideWindowOpen(portalOrigin, url) === 'open-externally') openOutside(url);
    return { action: 'deny' };
  });
  contents.session.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(permissionAllowed(portalOrigin, permission, details.requestingUrl)),
  );
  contents.session.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    permissionAllowed(portalOrigin, permission, requestingOrigin),
  );
}
