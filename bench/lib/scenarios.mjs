// The benchmark scenarios. Each runs against one target (a registry, or the bare Node file server for
// blob pull) and returns raw counts; the runner turns them into rates, CPU per unit and ratios.
// Setup (untimed) is idempotent per target, so rounds and --only never redo or miss preconditions.
import crypto from 'node:crypto';
import { newAgent, fetchOk, runLoad, percentiles, HttpError } from './http.mjs';
import { MiB, ACCEPT, sha256, makeImage, linkNext } from './oci.mjs';
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

// ---- bulk transfers -------------------------------------------------------------------------------

async function pushMono(t, o, measure) {
  return withAgent(o.streams, (agent) =>
    measure(() =>
      runLoad({
        workers: o.streams,
        seconds: o.seconds,
        op: async () => {
          const blob = o.bigBlobs.next();
          await t.reg.pushMonolithic(agent, 'bench/mono', blob);
          return blob.size;
        },
      }),
    ),
  );
}

async function pushChunked(t, o, measure) {
  return withAgent(o.streams, (agent) =>
    measure(() =>
      runLoad({
        workers: o.streams,
        seconds: o.seconds,
        op: async () => {
          const blob = o.bigBlobs.next();
          await t.reg.pushChunked(agent, 'bench/chunked', blob, o.chunk);
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
  if (t.reg) {
    if (!t.state.pullReady) await withAgent(1, (a) => t.reg.pushMonolithic(a, 'bench/pull', blob));
    t.state.pullReady = true;
    url = t.reg.url(`/v2/bench/pull/blobs/${blob.digest}`);
  }
  return withAgent(o.readers, (agent) =>
    measure(() =>
      runLoad({
        workers: o.readers,
        seconds: o.seconds,
        op: async () => {
          const h = crypto.createHash('sha256');
          const r = await fetchOk(url, { agent, sink: (d) => h.update(d) });
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
          await t.reg.pushImage(agent, 'bench/small', tag, image);
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
  await withAgent(1, (a) => t.reg.pushImage(a, 'bench/seed', 'v1', seed));
  return (t.state.seed = seed);
}

async function fillRepo(t, agent, repo, tags) {
  const seed = t.state.seed;
  for (const b of seed.blobs) await t.reg.mountOrPush(agent, repo, 'bench/seed', b);
  for (const tag of tags) await t.reg.putManifest(agent, repo, tag, seed.manifest);
}

// ---- small requests -------------------------------------------------------------------------------

// A short discarded run first: JIT warm-up and connection set-up are not what we compare.
async function steadyLoad(o, measure, load) {
  if (o.warmup > 0) await load(o.warmup);
  return measure(() => load(o.seconds));
}

const nodeLoad = (o, seconds, op) => runLoad({ workers: o.clients, seconds, op });

async function wrkLoad(t, o, seconds, method, paths, headers = {}) {
  return runWrk({ base: t.url, paths, method, headers, seconds, connections: o.clients, dir: o.dir });
}

async function manifestGet(t, o, measure) {
  await ensureImages(t, o);
  const images = t.state.images;
  const get = async (agent, im) => {
    const r = await fetchOk(t.reg.url(`/v2/bench/small/manifests/${im.tag}`), { agent, headers: { accept: ACCEPT } });
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
    return steadyLoad(o, measure, (s) => wrkLoad(t, o, s, 'GET', paths, { Accept: ACCEPT }));
  });
}

// wrk cannot do HEAD (it waits for a body that never comes), so HEAD always uses the Node client.
async function manifestHead(t, o, measure) {
  await ensureImages(t, o);
  const images = t.state.images;
  return withAgent(o.clients, (agent) =>
    steadyLoad(o, measure, (s) =>
      nodeLoad(o, s, async (i) => {
        const im = images[i % images.length];
        const r = await fetchOk(t.reg.url(`/v2/bench/small/manifests/${im.tag}`), {
          method: 'HEAD',
          agent,
          headers: { accept: ACCEPT },
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
  const list = async (agent) => {
    const got = [];
    let bytes = 0;
    for (let next = path; next;) {
      const r = await fetchOk(t.reg.url(next), { agent });
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
    return steadyLoad(o, measure, (s) => wrkLoad(t, o, s, 'GET', [path]));
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
          const r = await fetchOk(t.reg.url(st.next), { agent });
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

// ---- the table ------------------------------------------------------------------------------------

// metric: the headline rate; per: the unit server CPU is charged to; target: the Berth/reference ratio
// to reach; nodeTarget: also run against the bare Node file server, with this Berth/Node ratio to reach;
// latency: report p50/p99.
export const SCENARIOS = [
  { id: 'push-mono', metric: 'MiB/s', per: 'GiB', target: 1, run: pushMono },
  { id: 'push-chunked', metric: 'MiB/s', per: 'GiB', target: 1, run: pushChunked },
  { id: 'pull-blob', metric: 'MiB/s', per: 'GiB', target: 1, nodeTarget: 0.8, run: pullBlob },
  { id: 'push-small', metric: 'images/s', per: 'image', target: 1, run: pushSmall },
  { id: 'manifest-get', metric: 'req/s', per: 'req', target: 3, latency: true, run: manifestGet },
  { id: 'manifest-head', metric: 'req/s', per: 'req', target: 1, latency: true, run: manifestHead },
  { id: 'tags-list', metric: 'req/s', per: 'req', target: 1, latency: true, run: tagsList },
  { id: 'catalog', metric: 'pages/s', per: 'page', target: 1, run: catalog },
];

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
