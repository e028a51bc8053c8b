import type { BerthServer } from './berth-server.js';

/**
 * The admin's side door for arranging what a test needs but does not test (a second user, a GC
 * run for the history): the public API with basic auth, as a script would call it.
 */
export class AdminApi {
  private readonly authorization: string;

  constructor(
    private readonly server: BerthServer,
    admin: { username: string; password: string },
  ) {
    this.authorization = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`;
  }

  async call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: T; location: string | null }> {
    const res = await fetch(`${this.server.url}/api/v2.0${path}`, {
      method,
      headers: {
        authorization: this.authorization,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
    return {
      status: res.status,
      json: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T,
      location: res.headers.get('location'),
    };
  }

  /** Starts a GC now (Harbor's "GC now"); resolves with the run's id. */
  async startGc(parameters: { dry_run?: boolean; workers?: number } = {}): Promise<number> {
    const res = await this.call('POST', '/system/gc/schedule', { schedule: { type: 'Manual' }, parameters });
    return Number(res.location?.split('/').pop());
  }

  /** Polls a GC run until it ends; resolves with its final status. */
  async waitForGc(id: number, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { json } = await this.call<{ job_status: string }>('GET', `/system/gc/${id}`);
      if (['Success', 'Error', 'Stopped'].includes(json.job_status)) return json.job_status;
      if (Date.now() > deadline) throw new Error(`GC ${id} still ${json.job_status} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
