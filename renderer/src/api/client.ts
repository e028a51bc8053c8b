/**
 * The portal's only way to the server: same-origin fetches to Harbor's `/api/v2.0` (and Berth's
 * extensions there), with the session cookie the browser keeps and the CSRF token the server hands
 * back in `X-Harbor-CSRF-Token`. Errors arrive in Harbor's envelope and become `ApiError`s whose
 * message is the server's own.
 */

export const API = '/api/v2.0';
const CSRF_HEADER = 'X-Harbor-CSRF-Token';

let csrfToken: string | undefined;
let onUnauthorized: (() => void) | undefined;

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** For requests that cannot go through `request` (an upload that reports its progress via XMLHttpRequest). */
export function csrfHeaders(): Record<string, string> {
  return csrfToken ? { [CSRF_HEADER]: csrfToken } : {};
}

/** Called once by the session store: a 401 on an API call means the session is gone. */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface ApiResponse<T> {
  data: T;
  status: number;
  headers: Headers;
  /** `X-Total-Count` of a paged listing. */
  total?: number;
}

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}

export async function request<T>(
  method: string,
  path: string,
  options: { query?: Query; body?: unknown; signal?: AbortSignal; raw?: boolean } = {},
): Promise<ApiResponse<T>> {
  const url = withQuery(path.startsWith('/') ? path : `${API}/${path}`, options.query);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers[CSRF_HEADER] = csrfToken;
  let body: BodyInit | undefined;
  if (options.body instanceof FormData || options.body instanceof Blob) body = options.body;
  else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const res = await fetch(url, { method, headers, body, credentials: 'same-origin', signal: options.signal });
  const fresh = res.headers.get(CSRF_HEADER);
  if (fresh) csrfToken = fresh;
  if (!res.ok) {
    const error = await toApiError(res);
    if (res.status === 401 && !url.startsWith('/c/')) onUnauthorized?.();
    throw error;
  }
  const total = res.headers.get('x-total-count');
  let data: unknown = undefined;
  if (options.raw) data = await res.text();
  else if (res.status !== 204 && (res.headers.get('content-type') ?? '').includes('json')) data = await res.json();
  else data = await res.text();
  return {
    data: data as T,
    status: res.status,
    headers: res.headers,
    total: total === null ? undefined : Number(total),
  };
}

async function toApiError(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const parsed = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const first = parsed.errors?.[0];
    if (first) return new ApiError(res.status, first.code ?? String(res.status), first.message ?? res.statusText);
  } catch {
    // not JSON: fall through to the status line
  }
  return new ApiError(res.status, String(res.status), text.trim().slice(0, 300) || res.statusText);
}

export const api = {
  get: async <T>(path: string, query?: Query, signal?: AbortSignal) =>
    (await request<T>('GET', path, { query, signal })).data,
  list: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T[]>('GET', path, { query, signal }),
  text: async (path: string, query?: Query) => (await request<string>('GET', path, { query, raw: true })).data,
  post: <T = unknown>(path: string, body?: unknown, query?: Query) => request<T>('POST', path, { body, query }),
  put: <T = unknown>(path: string, body?: unknown) => request<T>('PUT', path, { body }),
  patch: <T = unknown>(path: string, body?: unknown) => request<T>('PATCH', path, { body }),
  delete: <T = unknown>(path: string, query?: Query) => request<T>('DELETE', path, { query }),
};

/** Harbor's repository names go into paths double-encoded (`library%252Fnginx`). */
export function repoSegment(repositoryName: string): string {
  return encodeURIComponent(encodeURIComponent(repositoryName));
}

/** `library/nginx` in project `library` → `nginx` (the API's `{repository_name}` is within the project). */
export function repoWithinProject(projectName: string, fullName: string): string {
  return fullName.startsWith(`${projectName}/`) ? fullName.slice(projectName.length + 1) : fullName;
}

export function artifactBase(projectName: string, fullRepositoryName: string): string {
  return `${API}/projects/${encodeURIComponent(projectName)}/repositories/${repoSegment(
    repoWithinProject(projectName, fullRepositoryName),
  )}/artifacts`;
}
