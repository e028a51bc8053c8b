// The benchmark scenarios. Each runs against one target (a registry, or the bare Node file server for
// blob pull) and returns raw counts; the runner turns them into rates, CPU per unit and ratios.
// Setup (untimed) is idempotent per target, so rounds and --only never redo or miss preconditions.
// Against a registry that challenges (Berth), every scenario first fetches a bearer token for the
// scopes it needs, as docker does before a push or pull, and sends it on every request; the open
// reference registry gets no Authorization header.
import crypto from 'node:crypto';
import { newAgent, fetchOk, request, runLoad, percentiles, HttpError } from './http.mjs';
import { MiB, ACCEPT, sha256, makeImage, linkNext } from './oci.mjs';
import { OPEN, jwtPayload } from './auth.mjs';
import { runWrk } from './wrk.mjs';

const GiB = 1024 * MiB;

async function withAgent(sockets, fn) {
  const agent = newAgent(sockets);
  try {
    return await fn(agent);
  } finally {
    agent.destroy();
  }
}

// ---- authentication -------------------------------------------------------------------------------

const rw = (repo) => `repository:${repo}:pull,push`; // what docker asks for to push
const ro = (repo) => `repository:${repo}:pull`;

/**
 * The registry as this scenario's client sees it: `reg` sends a bearer token for `scopes` (fetched
 * now, before anything is timed, and refreshed by the session if the scenario outlives it); `auth`
 * gives the header for hand-made requests. Open registries get OPEN: no header.
 */
async function client(t, ...scopes) {
  if (!t.auth) return { reg: t.reg, auth: OPEN };
  const auth = await t.auth.session(scopes);
  return { reg: t.reg.as(auth), auth };
}

// ---- bulk transfers -------------------------------------------------------------------------------

async function pushMono(t, o, measure) {
  const { reg } = await client(t, rw('bench/mono'));
  return withAgent(o.streams, (agent) =>
    measure(() =>
      runLoad({
        workers: o.streams,
        seconds: o.seconds,
        op: async () => {
          const blob = o.bigBlobs.next();
          await reg.pushMonolithic(agent, 'bench/mono', blob);
          return blob.size;
        },
      }),
    ),
  );
}

async function pushChunked(t, o, measure) {
  const { reg } = await client(t, rw('bench/chunked'));
  return withAgent(o.streams, (agent) =>
    measure(() =>
      runLoad({
        workers: o.streams,
        seconds: o.seconds,
        op: async () => {
          const blob = o.bigBlobs.next();
          await reg.pushChunked(agent, 'bench/chunked', blob, o.chunk);
          return blob.size;
        },
      }),
    ),
  );
}

// Several readers GET the same blob over and over; every body is hashed and checked.
async function pullBlob(t, o, measure) {
  const blob = o.pullBlob;
  let url = `${t.url}/blob`; // the bare Node server
  let auth = OPEN;
  if (t.reg) {
    if (!t.state.pullReady) {
      const { reg } = await client(t, rw('bench/pull'));
      await withAgent(1, (a) => reg.pushMonolithic(a, 'bench/pull', blob));
    }
    t.state.pullReady = true;
    url = t.reg.url(`/v2/bench/pull/blobs/${blob.digest}`);
    ({ auth } = await client(t, ro('bench/pull')));
  }
  return withAgent(o.readers, (agent) =>
    measure(() =>
      runLoad({
        workers: o.readers,
        seconds: o.seconds,
        op: async () => {
          const h = crypto.createHash('sha256');
          const r = await fetchOk(url, { agent, headers: await auth.headers(), sink: (d) => h.update(d) });
          const got = 'sha256:' + h.digest('hex');
          if (r.bytes !== blob.size || got !== blob.digest) {
            throw new HttpError(`pull ${url}: got ${r.bytes} bytes hashing to ${got}`);
          }
          return r.bytes;
        },
      }),
    ),
  );
}

// ---- images ---------------------------------------------------------------------------------------

// Full pushes of small images by several pushers at once, each into the same repository, like CI does.
async function pushSmall(t, o, measure) {
  const { reg } = await client(t, rw('bench/small'));
  const pushed = [];
  const res = await withAgent(o.pushers, (agent) =>
    measure(() =>
      runLoad({
        workers: o.pushers,
        seconds: o.seconds,
        op: async () => {
          t.state.imageSeq = (t.state.imageSeq ?? 0) + 1; // tags stay unique across rounds
          const tag = `i${String(t.state.imageSeq).padStart(6, '0')}`;
          const image = makeImage(o.layerBlobs, `${t.name}-${tag}`);
          await reg.pushImage(agent, 'bench/small', tag, image);
          pushed.push({ tag, digest: image.digest, size: image.manifest.length });
          return image.blobs.reduce((n, b) => n + b.size, image.manifest.length);
        },
      }),
    ),
  );
  t.state.images = [...(t.state.images || []), ...pushed].slice(0, 50);
  return res;
}

async function ensureImages(t, o) {
  if (t.state.images?.length) return;
  await pushSmall(t, { ...o, seconds: 0.5 }, (fn) => fn());
}

// A tiny image in bench/seed that tags-list and catalog repositories mount from.
async function ensureSeed(t, o) {
  if (t.state.seed) return t.state.seed;
  const seed = makeImage(o.tinyBlobs, `${t.name}-seed`);
  const { reg } = await client(t, rw('bench/seed'));
  await withAgent(1, (a) => reg.pushImage(a, 'bench/seed', 'v1', seed));
  return (t.state.seed = seed);
}

// One token per repository, as a client pushing into it would get (the mount needs pull on the source).
async function fillRepo(t, agent, repo, tags) {
  const seed = t.state.seed;
  const { reg } = await client(t, rw(repo), ro('bench/seed'));
  for (const b of seed.blobs) await reg.mountOrPush(agent, repo, 'bench/seed', b);
  for (const tag of tags) await reg.putManifest(agent, repo, tag, seed.manifest);
}

// ---- small requests -------------------------------------------------------------------------------

// A short discarded run first: JIT warm-up and connection set-up are not what we compare.
async function steadyLoad(o, measure, load) {
  if (o.warmup > 0) await load(o.warmup);
  return measure(() => load(o.seconds));
}

const nodeLoad = (o, seconds, op) => runLoad({ workers: o.clients, seconds, op });

// wrk sends one fixed header set for its whole run, so the token must outlive the run. A run longer
// than a token's life (never with Berth's default 30 min) becomes back-to-back wrk runs, each with a
// fresh token; their counts add up, p50 is the request-weighted mean of theirs, p99 the worst.
async function wrkLoad(t, o, seconds, method, paths, auth, headers = {}, extra = {}) {
  const run = async (s) => {
    const all = { ...headers, ...(await auth.headers(s)) };
    return runWrk({
      base: t.url,
      paths,
      method,
      headers: all,
      seconds: s,
      connections: o.clients,
      dir: o.dir,
      ...extra,
    });
  };
  const first = await run(Math.min(seconds, auth.maxRunSeconds()));
  const parts = [first];
  for (let left = seconds - first.seconds; left >= 1; left -= parts.at(-1).seconds) {
    parts.push(await run(Math.min(left, auth.maxRunSeconds())));
  }
  if (parts.length === 1) return first;
  const ops = parts.reduce((n, p) => n + p.ops, 0);
  return {
    ops,
    seconds: parts.reduce((n, p) => n + p.seconds, 0),
    p50: parts.reduce((n, p) => n + p.p50 * p.ops, 0) / ops,
    p99: Math.max(...parts.map((p) => p.p99)),
  };
}

// Basic credentials on every request, instead of a token: Berth checks them against a 30 s cache.
const basicAuth = (t) =>
  t.auth ? { headers: async () => ({ authorization: t.auth.basic }), maxRunSeconds: () => Infinity } : OPEN;

async function manifestGetBearer(t, o, measure) {
  return manifestGet(t, o, measure, (await client(t, ro('bench/small'))).auth);
}

async function manifestGetBasic(t, o, measure) {
  return manifestGet(t, o, measure, basicAuth(t));
}

async function manifestGet(t, o, measure, auth) {
  await ensureImages(t, o);
  const images = t.state.images;
  const get = async (agent, im) => {
    const headers = { accept: ACCEPT, ...(await auth.headers()) };
    const r = await fetchOk(t.reg.url(`/v2/bench/small/manifests/${im.tag}`), { agent, headers });
    if (sha256(r.body) !== im.digest || r.headers['docker-content-digest'] !== im.digest) {
      throw new HttpError(
        `GET manifest bench/small:${im.tag}: body or Docker-Content-Digest does not match ${im.digest}`,
      );
    }
    return r.body.length;
  };
  return withAgent(o.clients, async (agent) => {
    for (const im of images) await get(agent, im); // correctness pass: wrk only checks status codes
    if (!o.wrk) return steadyLoad(o, measure, (s) => nodeLoad(o, s, (i) => get(agent, images[i % images.length])));
    const paths = images.map((im) => `/v2/bench/small/manifests/${im.tag}`);
    return steadyLoad(o, measure, (s) => wrkLoad(t, o, s, 'GET', paths, auth, { Accept: ACCEPT }));
  });
}

// wrk cannot do HEAD (it waits for a body that never comes), so HEAD always uses the Node client.
async function manifestHead(t, o, measure) {
  await ensureImages(t, o);
  const images = t.state.images;
  const { auth } = await client(t, ro('bench/small'));
  return withAgent(o.clients, (agent) =>
    steadyLoad(o, measure, (s) =>
      nodeLoad(o, s, async (i) => {
        const im = images[i % images.length];
        const r = await fetchOk(t.reg.url(`/v2/bench/small/manifests/${im.tag}`), {
          method: 'HEAD',
          agent,
          headers: { accept: ACCEPT, ...(await auth.headers()) },
        });
        if (r.headers['docker-content-digest'] !== im.digest) throw new HttpError(`HEAD ${im.tag}: wrong digest`);
        return 0;
      }),
    ),
  );
}

async function tagsList(t, o, measure) {
  const repo = 'bench/tags';
  const tags = Array.from({ length: o.tags }, (_, i) => `t${String(i).padStart(4, '0')}`);
  if (!t.state.tagsReady) {
    await ensureSeed(t, o);
    await withAgent(1, (a) => fillRepo(t, a, repo, tags));
    t.state.tagsReady = true;
  }
  const path = `/v2/${repo}/tags/list`;
  const { auth } = await client(t, ro(repo));
  const list = async (agent) => {
    const got = [];
    let bytes = 0;
    for (let next = path; next;) {
      const r = await fetchOk(t.reg.url(next), { agent, headers: await auth.headers() });
      bytes += r.body.length;
      got.push(...JSON.parse(r.body).tags);
      next = linkNext(r.headers.link);
    }
    if (got.sort().join() !== tags.join()) {
      throw new HttpError(`tags/list: ${got.length} tags, expected ${tags.length}`);
    }
    return bytes;
  };
  return withAgent(o.clients, async (agent) => {
    await list(agent);
    if (!o.wrk) return steadyLoad(o, measure, (s) => nodeLoad(o, s, () => list(agent)));
    return steadyLoad(o, measure, (s) => wrkLoad(t, o, s, 'GET', [path], auth));
  });
}

// Walkers follow Link from the first page to the last, again and again; every complete walk must list
// all the repositories this run created.
async function catalog(t, o, measure) {
  const names = Array.from({ length: o.repos }, (_, i) => `bench/cat-${String(i).padStart(5, '0')}`);
  if (!t.state.catalogReady) {
    await ensureSeed(t, o);
    await withAgent(8, (agent) =>
      runLoad({ workers: 8, count: names.length, op: (i) => fillRepo(t, agent, names[i], ['v1']) }),
    );
    t.state.catalogReady = true;
  }
  const created = new Set(names); // a reused --berth-url server may list more from earlier runs
  const { auth } = await client(t, 'registry:catalog:*');
  const first = `/v2/_catalog?n=${o.page}`;
  let walks = 0;
  const res = await withAgent(o.walkers, (agent) => {
    const walkers = Array.from({ length: o.walkers }, () => ({ next: first, ours: 0 }));
    return measure(() =>
      runLoad({
        workers: o.walkers,
        seconds: o.seconds,
        op: async (_, w) => {
          const st = walkers[w];
          const r = await fetchOk(t.reg.url(st.next), { agent, headers: await auth.headers() });
          const repos = JSON.parse(r.body).repositories;
          if (repos.length > o.page) throw new HttpError(`_catalog: ${repos.length} entries for n=${o.page}`);
          st.ours += repos.filter((n) => created.has(n)).length;
          st.next = linkNext(r.headers.link);
          if (!st.next) {
            if (st.ours !== names.length) {
              throw new HttpError(`_catalog walk listed ${st.ours} of ${names.length} repos`);
            }
            Object.assign(st, { next: first, ours: 0 });
            walks++;
          }
          return r.body.length;
        },
      }),
    );
  });
  return { ...res, extra: { walks } };
}

// ---- auth (what Berth's authentication costs; the reference runs open) ---------------------------------

function needsAuth(t) {
  if (!t.auth) throw new HttpError(`${t.name} does not challenge on /v2/: no token service to measure`);
}

// Token issuance: GET <realm>?service=…&scope=repository:bench/small:pull,push&account=… with basic
// credentials, what docker sends before each push. The same credentials every time, so Berth's 30 s
// cache of verified basic credentials answers almost always: this measures the grant (project lookup,
// permission check) and the ES256 signature, plus scrypt whenever that cache entry expires mid-run
// (then every request in flight runs its own: see docs/benchmarks.md).
async function authToken(t, o, measure) {
  needsAuth(t);
  await ensureImages(t, o); // the project and repository exist: the grant looks them up for real
  const scope = rw('bench/small');
  const url = new URL(t.auth.tokenUrl([scope]));
  // Correctness pass: the token grants what was asked and opens the manifest.
  const { token } = await t.auth.fetchToken([scope]);
  const access = jwtPayload(token).access || [];
  const entry = access.find((a) => a.type === 'repository' && a.name === 'bench/small');
  if (!entry || !['pull', 'push'].every((a) => entry.actions.includes(a))) {
    throw new HttpError(`token for ${scope} grants ${JSON.stringify(access)}`);
  }
  const im = t.state.images[0];
  const r = await fetchOk(t.reg.url(`/v2/bench/small/manifests/${im.tag}`), {
    headers: { accept: ACCEPT, authorization: `Bearer ${token}` },
  });
  if (sha256(r.body) !== im.digest) throw new HttpError(`GET manifest with a fresh token: wrong body`);
  const headers = { authorization: t.auth.basic };
  return withAgent(o.clients, (agent) => {
    if (!o.wrk) {
      return steadyLoad(o, measure, (s) =>
        nodeLoad(o, s, async () => {
          const res = await fetchOk(url.href, { agent, headers });
          if (!JSON.parse(res.body).token) throw new HttpError(`GET ${url.href}: no token`);
          return res.body.length;
        }),
      );
    }
    const paths = [url.pathname + url.search];
    return steadyLoad(o, measure, (s) =>
      runWrk({ base: url.origin, paths, headers, seconds: s, connections: o.clients, dir: o.dir }),
    );
  });
}

// The cheapest answer Berth gives on /v2/: an anonymous GET /v2/ refused with 401 and the challenge.
// It runs the auth hook, the refusal and the error handler, and nothing else: the floor for auth-token.
async function auth401(t, o, measure) {
  needsAuth(t);
  const url = t.reg.url('/v2/');
  const r = await request(url);
  if (r.status !== 401 || !/^Bearer /i.test(r.headers['www-authenticate'] || '')) {
    throw new HttpError(`anonymous GET /v2/: HTTP ${r.status}, challenge ${r.headers['www-authenticate']}`);
  }
  return withAgent(o.clients, (agent) => {
    if (!o.wrk)
      return steadyLoad(o, measure, (s) => nodeLoad(o, s, () => fetchOk(url, { agent }, [401]).then(() => 0)));
    return steadyLoad(o, measure, (s) => wrkLoad(t, o, s, 'GET', ['/v2/'], OPEN, {}, { refusals: true }));
  });
}

// A project member who is not a system administrator (developer role) pulling with basic credentials:
// on top of the admin's path, Berth then looks up the caller's role in the project on every request.
// The user and the membership are created once per target through the Harbor API.
async function ensureMember(t, o) {
  if (t.state.member) return t.state.member;
  await ensureImages(t, o);
  const username = `bench-dev-${crypto.randomBytes(3).toString('hex')}`;
  const password = `Dev-${crypto.randomBytes(9).toString('hex')}-Aa1`;
  const post = (p, body) =>
    fetchOk(
      t.reg.url(`/api/v2.0${p}`),
      {
        method: 'POST',
        headers: { authorization: t.auth.basic, 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(body)),
      },
      [201],
    );
  await post('/users', { username, email: `${username}@example.com`, realname: 'Benchmark developer', password });
  await post('/projects/bench/members', { role_id: 2, member_user: { username } });
  const header = { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
  return (t.state.member = { headers: async () => header, maxRunSeconds: () => Infinity });
}

async function manifestGetMember(t, o, measure) {
  needsAuth(t);
  return manifestGet(t, o, measure, await ensureMember(t, o));
}

// ---- the table ------------------------------------------------------------------------------------

// metric: the headline rate; per: the unit server CPU is charged to; target: the Berth/reference ratio
// to reach; nodeTarget: also run against the bare Node file server, with this Berth/Node ratio to reach;
// latency: report p50/p99; reference: false = Berth only (nothing to compare in the open reference);
// auth: needs a registry that authenticates (skipped for a --baseline Berth without auth); vs: an extra
// row holding Berth's figure against another scenario's Berth figure.
export const SCENARIOS = [
  { id: 'push-mono', metric: 'MiB/s', per: 'GiB', target: 1, run: pushMono },
  { id: 'push-chunked', metric: 'MiB/s', per: 'GiB', target: 1, run: pushChunked },
  { id: 'pull-blob', metric: 'MiB/s', per: 'GiB', target: 1, nodeTarget: 0.8, run: pullBlob },
  { id: 'push-small', metric: 'images/s', per: 'image', target: 1, run: pushSmall },
  { id: 'manifest-get', metric: 'req/s', per: 'req', target: 3, latency: true, run: manifestGetBearer },
  { id: 'manifest-head', metric: 'req/s', per: 'req', target: 1, latency: true, run: manifestHead },
  { id: 'tags-list', metric: 'req/s', per: 'req', target: 1, latency: true, run: tagsList },
  { id: 'catalog', metric: 'pages/s', per: 'page', target: 1, run: catalog },
  {
    id: 'auth-token',
    metric: 'req/s',
    per: 'req',
    latency: true,
    reference: false,
    auth: true,
    vs: { id: 'auth-401', label: 'auth-token vs anonymous 401' },
    run: authToken,
  },
  { id: 'auth-401', metric: 'req/s', per: 'req', latency: true, reference: false, auth: true, run: auth401 },
  {
    id: 'manifest-basic',
    metric: 'req/s',
    per: 'req',
    latency: true,
    auth: true,
    vs: { id: 'manifest-get', label: 'manifest-basic vs bearer' },
    run: manifestGetBasic,
  },
  {
    id: 'manifest-member',
    metric: 'req/s',
    per: 'req',
    latency: true,
    reference: false,
    auth: true,
    vs: { id: 'manifest-basic', label: 'manifest-member vs admin basic' },
    run: manifestGetMember,
  },
];

/**
 * Whether scenario `sc` runs against target `t`: the bare Node server only for blob pull, the reference
 * unless the scenario has no peer there, a Berth (the one under test or a --baseline build) unless the
 * scenario measures authentication and that build has none. The reference is never skipped for `auth`:
 * an open registry is the peer those scenarios are compared with.
 */
export function appliesTo(sc, t) {
  if (t.name === 'node') return Boolean(sc.nodeTarget);
  if (t.name === 'reference') return sc.reference !== false;
  return !sc.auth || Boolean(t.auth);
}

/** Headline value and CPU cost per unit of a scenario result. */
export function rate(sc, res) {
  const value = sc.metric === 'MiB/s' ? res.bytes / MiB / res.seconds : res.ops / res.seconds;
  const lat = res.lat ? percentiles(res.lat) : { p50: res.p50, p99: res.p99 }; // wrk reports its own
  // Bulk transfers: seconds of CPU per GiB moved; everything else: milliseconds per operation.
  const bulk = sc.per === 'GiB';
  const units = bulk ? res.bytes / GiB : res.ops / 1000;
  const cpuPerUnit = res.serverCpuS == null || !units ? null : res.serverCpuS / units;
  return { value, cpuPerUnit, cpuUnit: bulk ? 's/GiB' : `ms/${sc.per}`, ...lat };
}
