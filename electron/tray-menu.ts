import type { ShellTray, TrayMenuItem } from './shell-types.js';

/** What the tray shows. */
export interface TrayState {
  registryAddress: string;
  uploadsInFlight: number;
  runningTasks: number;
  backgroundPaused: boolean;
  /** Set while quitting waits for uploads: how many are left. */
  quittingWithUploads: number | null;
}

export interface TrayActions {
  open(): void;
  copyAddress(): void;
  pauseBackground(): void;
  resumeBackground(): void;
  quit(): void;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** One line saying what the registry is doing: the tray tooltip and the menu's first (disabled) entry. */
export function statusLine(state: TrayState): string {
  if (state.quittingWithUploads !== null) {
    return state.quittingWithUploads > 0
      ? `Quitting after ${plural(state.quittingWithUploads, 'upload finishes', 'uploads finish')}`
      : 'Quitting';
  }
  const parts = [`Registry at ${state.registryAddress}`];
  if (state.uploadsInFlight > 0) parts.push(`receiving ${plural(state.uploadsInFlight, 'upload', 'uploads')}`);
  if (state.runningTasks > 0) parts.push(`${plural(state.runningTasks, 'job', 'jobs')} running`);
  if (state.backgroundPaused) parts.push('background jobs paused');
  return parts.join(' · ');
}

/** The tray menu: status, open, copy the registry address, pause or resume background jobs, quit. */
export function trayMenuTemplate(state: TrayState, actions: TrayActions): TrayMenuItem[] {
  const quitting = state.quittingWithUploads !== null;
  return [
    { id: 'status', label: statusLine(state), enabled: false },
    { type: 'separator' },
    { id: 'open', label: 'Open Berth', click: actions.open },
    { id: 'copy-address', label: `Copy registry address (${state.registryAddress})`, click: actions.copyAddress },
    state.backgroundPaused
      ? { id: 'resume-background', label: 'Resume background jobs', click: actions.resumeBackground }
      : { id: 'pause-background', label: 'Pause background jobs', click: actions.pauseBackground },
    { type: 'separator' },
    { id: 'quit', label: quitting ? 'Quitting…' : 'Quit Berth', enabled: !quitting, click: actions.quit },
  ];
}

/** Where the tray's state comes from and what its actions do. */
export interface TrayDeps {
  tray: ShellTray;
  buildMenu(template: TrayMenuItem[]): unknown;
  registryAddress: string;
  read(): Promise<Pick<TrayState, 'uploadsInFlight' | 'runningTasks' | 'backgroundPaused'>>;
  open(): void;
  copyAddress(): void;
  pauseBackground(): Promise<unknown>;
  resumeBackground(): Promise<unknown>;
  quit(): void;
  onError(err: unknown): void;
}

/**
 * Keeps the tray's tooltip and menu in step with the server. Menus are rebuilt only when what they
 * show changed (rebuilding an open menu closes it on some desktops).
 */
export class TrayController {
  #shown = '';
  #quittingWithUploads: number | null = null;
  #pending: Promise<void> = Promise.resolve();

  constructor(private readonly deps: TrayDeps) {
    deps.tray.on('click', () => deps.open());
  }

  /** Reads the server's state and updates the tray; resolves when done. */
  refresh(): Promise<void> {
    return this.#run(async () => {
      const state: TrayState = {
        registryAddress: this.deps.registryAddress,
        ...(await this.deps.read()),
        quittingWithUploads: this.#quittingWithUploads,
      };
      const key = JSON.stringify(state);
      if (key === this.#shown) return;
      this.#shown = key;
      this.deps.tray.setToolTip(`Berth: ${statusLine(state)}`);
      this.deps.tray.setContextMenu(this.deps.buildMenu(trayMenuTemplate(state, this.#actions)));
    });
  }

  /** Quitting waits for uploads: show how many are left (null: not quitting). */
  showQuitting(uploadsLeft: number | null): Promise<void> {
    this.#quittingWithUploads = uploadsLeft;
    return this.refresh();
  }

  /** Resolves once every action started from the menu (and every refresh) has finished. */
  async idle(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.#pending;
      await seen;
    } while (seen !== this.#pending);
  }

  readonly #actions: TrayActions = {
    open: () => this.deps.open(),
    copyAddress: () => this.deps.copyAddress(),
    pauseBackground: () => void this.#changeThenRefresh(() => this.deps.pauseBackground()),
    resumeBackground: () => void this.#changeThenRefresh(() => this.deps.resumeBackground()),
    quit: () => this.deps.quit(),
  };

  async #changeThenRefresh(change: () => Promise<unknown>): Promise<void> {
    await this.#run(change);
    await this.refresh();
  }

  /** Runs tray work one piece at a time, so a refresh never paints an older state over a newer one. */
  #run(work: () => Promise<unknown>): Promise<void> {
    const next = this.#pending.then(work).then(
      () => undefined,
      (err: unknown) => this.deps.onError(err),
    );
    this.#pending = next;
    return next;
  }
}
