import type { FastifyInstance } from 'fastify';
import type { AuthServices } from '../http/auth/auth-services.js';
import { desktopLoginRoutes } from '../http/auth/session-routes.js';
import type { JobService } from '../jobs/job-types.js';
import type { AuditWriter } from '../notify/audit-writer.js';
import { DesktopLoginTokens } from './login-tokens.js';
import { UploadActivity, type DrainOptions } from './upload-activity.js';

export type { DrainOptions } from './upload-activity.js';

/** What the server is busy with, for the desktop tray and its quit flow. */
export interface DesktopActivity {
  /** HTTP requests writing upload bodies right now. */
  uploadsInFlight: number;
  /** Job tasks running in this process. */
  runningTasks: number;
}

/**
 * What the Electron shell (and only it) needs from the server it runs in-process. Nothing here is
 * reachable over HTTP except by redeeming a token the shell was handed.
 */
export interface DesktopHooks {
  /**
   * A one-time sign-in token for `username` (default `admin`, the local owner), valid 60 s, redeemed
   * at `POST /c/login/desktop` for a normal portal session. Kept in memory only, as a hash.
   */
  issueLoginToken(username?: string): string;
  activity(): DesktopActivity;
  /** Pauses every background-lane job queue; resolves to the queues paused. */
  pauseBackground(actor?: string): Promise<string[]>;
  /** Resumes every background-lane job queue; resolves to the queues resumed. */
  resumeBackground(actor?: string): Promise<string[]>;
  /** True when there are background queues and every one is paused. */
  backgroundPaused(): Promise<boolean>;
  /** Resolves true once no upload is in flight, false when the timeout passes first. */
  waitForUploads(options: DrainOptions): Promise<boolean>;
}

export interface DesktopOptions {
  /** Milliseconds since the epoch for the sign-in tokens' expiry; tests pass their own clock. */
  now?: () => number;
}

/**
 * Builds the desktop hooks and installs their HTTP side on `http` (the upload counter and
 * `/c/login/desktop`). Call before the app is ready.
 */
export async function installDesktopHooks(deps: {
  http: FastifyInstance;
  auth: AuthServices;
  jobs: JobService;
  audit: AuditWriter;
  options?: DesktopOptions;
}): Promise<DesktopHooks> {
  const { http, auth, jobs, audit } = deps;
  const tokens = new DesktopLoginTokens(deps.options?.now ? { now: deps.options.now } : {});
  const uploads = new UploadActivity();
  uploads.attach(http);
  await http.register(desktopLoginRoutes(auth, tokens));

  const backgroundQueues = async () => (await jobs.queues()).filter((q) => q.lane === 'background');
  const setBackground = async (action: 'pause' | 'resume', actor: string) => {
    const queues = await backgroundQueues();
    for (const q of queues) {
      if (action === 'pause') await jobs.pauseType(q.jobType);
      else await jobs.resumeType(q.jobType);
    }
    const names = queues.map((q) => q.jobType);
    audit.record({
      username: actor,
      clientIp: null,
      operation: action,
      resourceType: 'job_queue',
      resource: `background (${names.length})`,
      project: null,
      success: true,
      detail: `from the desktop tray: ${names.join(', ') || 'none'}`,
    });
    return names;
  };

  return {
    issueLoginToken: (username = 'admin') => tokens.issue(username),
    activity: () => ({ uploadsInFlight: uploads.inFlight, runningTasks: jobs.runtime().running.length }),
    pauseBackground: (actor = 'admin') => setBackground('pause', actor),
    resumeBackground: (actor = 'admin') => setBackground('resume', actor),
    async backgroundPaused() {
      const queues = await backgroundQueues();
      return queues.length > 0 && queues.every((q) => q.paused);
    },
    waitForUploads: (options) => uploads.waitUntilIdle(options),
  };
}
