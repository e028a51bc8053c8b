import { gunzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { parse as parseYaml } from 'yaml';
import { Invalid, NotFound } from '../../core/errors.js';
import { isIndexMediaType } from '../../core/media-types.js';
import { openArtifact, type ArtifactContext, type ArtifactParams } from './artifact-access.js';
import { isObject, type ManifestFacts } from './artifact-facts.js';
import { additionsOf } from './artifact-json.js';
import { acceptsVulnerabilityReport } from './scan-json.js';
import { VULNERABILITY_REPORT_MIME } from '../../scan/scan-contract.js';

/**
 * getAddition: `GET /projects/{p}/repositories/{r}/artifacts/{reference}/additions/{addition}`.
 *
 * | addition        | artifacts | content                                                   |
 * | --------------- | --------- | --------------------------------------------------------- |
 * | `build_history` | images    | the config's `history`, JSON                              |
 * | `values.yaml`   | charts    | the chart's `values.yaml`, as text                        |
 * | `readme.md`     | charts    | the chart's `README.md`, as markdown (empty when none)    |
 * | `dependencies`  | charts    | `dependencies` of Chart.yaml (or requirements.yaml), JSON |
 * | `layers`        | manifests | Berth's: the layers with their history steps, JSON        |
 * | `vulnerabilities` | all     | `{mime: report}` (Harbor's), `{}` before a scan            |
 * | `sbom`          | scanned   | Berth's: the SBOM (`?format=cyclonedx|spdx`), as a download |
 *
 * An addition the artifact's type does not offer is a 404; a name Harbor does not know is a 400.
 * `layers` is not Harbor's (nor in `addition_links`): the portal's layer view asks for it directly.
 * Charts are read from their package layer (gzip tar), at most `MAX_CHART_BYTES` compressed.
 */

const KNOWN = new Set(['build_history', 'values.yaml', 'readme.md', 'dependencies', 'layers']);
const MAX_CHART_BYTES = 16 * 1024 * 1024;
const MAX_CHART_UNPACKED = 64 * 1024 * 1024;
const DEPENDENCY_FIELDS = ['name', 'version', 'repository', 'condition', 'tags', 'enabled', 'import-values', 'alias'];

export function artifactAdditionRoutes(app: FastifyInstance, ctx: ArtifactContext): void {
  const path = '/projects/:project_name/repositories/:repository_name/artifacts/:reference/additions/:addition';
  app.get<{ Params: ArtifactParams & { addition: string } }>(path, async (req, reply) => {
    const addition = req.params.addition.toLowerCase();
    // Access first: a refused caller learns nothing, not even which additions exist.
    const { project, artifact } = await openArtifact(req, ctx, req.params, 'artifact-addition', 'read');
    const target = { projectId: project.id, repository: artifact.repository, digest: artifact.digest };
    if (addition === 'vulnerabilities') {
      // Before a scan (or without a scanner, or when the client accepts no report type Berth makes): `{}`, as Harbor.
      const scans = ctx.deps.scans;
      const accepted = acceptsVulnerabilityReport(req.headers['x-accept-vulnerabilities']);
      const report = scans && accepted ? await scans.report(target) : undefined;
      const body = report ? { [VULNERABILITY_REPORT_MIME]: report } : {};
      return send(reply, 'application/json; charset=utf-8', JSON.stringify(body));
    }
    if (addition === 'sbom') {
      const format = sbomFormat(req.query);
      const sbom = ctx.deps.scans ? await ctx.deps.scans.sbom(target, format) : undefined;
      if (sbom === undefined)
        throw new NotFound(
          'MANIFEST_UNKNOWN',
          `artifact ${artifact.digest} has no SBOM; generate one with scan_type sbom`,
        );
      const file = `${artifact.repository.replace(/[^A-Za-z0-9._-]+/g, '_')}_${artifact.digest.replace(':', '-').slice(0, 19)}.${format}.json`;
      return reply
        .code(200)
        .header('content-type', 'application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="${file}"`)
        .send(JSON.stringify(sbom));
    }
    if (!KNOWN.has(addition)) throw new Invalid('NAME_INVALID', `addition "${addition.slice(0, 40)}" is not supported`);
    const facts = await ctx.facts.describe(artifact);
    if (addition === 'layers') {
      if (isIndexMediaType(facts.manifestMediaType)) {
        throw new NotFound(
          'MANIFEST_UNKNOWN',
          `artifact ${artifact.digest} is an index: it has no layers of its own; each manifest it references does`,
        );
      }
      const { doc } = await ctx.facts.manifestJson(artifact);
      const config = await ctx.facts.configJson(facts.config);
      const layers = alignLayers(doc.layers, config?.history);
      return send(reply, 'application/json; charset=utf-8', JSON.stringify(layers));
    }
    if (!additionsOf(facts).includes(addition)) {
      throw new NotFound('MANIFEST_UNKNOWN', `artifact ${artifact.digest} (${facts.type}) has no ${addition}`);
    }
    if (addition === 'build_history') {
      const config = await ctx.facts.configJson(facts.config);
      const history = Array.isArray(config?.history) ? config.history : [];
      return send(reply, 'application/json; charset=utf-8', JSON.stringify(history));
    }
    const chart = await readChart(ctx, facts);
    if (addition === 'values.yaml') return send(reply, 'text/plain; charset=utf-8', chart.values);
    if (addition === 'readme.md') return send(reply, 'text/markdown; charset=utf-8', chart.readme);
    return send(reply, 'application/json; charset=utf-8', JSON.stringify(chart.dependencies));
  });
}

/** One row of the `layers` addition: a layer with the history step that made it, or a step that made none. */
export interface LayerJson {
  /** Null for a step that added no layer (`empty_layer`), or a step the manifest has no layer left for. */
  digest: string | null;
  media_type: string | null;
  /** Bytes as stored (compressed); 0 without a layer. */
  size: number;
  /** The step's command (`RUN make`, `/bin/sh -c #(nop) CMD ["sh"]`); null when the config has no step for the layer. */
  created_by: string | null;
  created: string | null;
  empty_layer: boolean;
  comment: string | null;
}

/**
 * The manifest's layers aligned with the config's `history`, in build order: each step with
 * `empty_layer: true` stands alone, every other step takes the next layer. Counts that disagree (a
 * config without history, tools that write fewer steps) still list every layer; the steps past the
 * last layer are listed without one.
 */
export function alignLayers(manifestLayers: unknown, history: unknown): LayerJson[] {
  const layers = (Array.isArray(manifestLayers) ? manifestLayers : []).filter(isObject);
  const steps = (Array.isArray(history) ? history : []).filter(isObject);
  const out: LayerJson[] = [];
  let next = 0;
  const layerPart = (layer: Record<string, unknown> | undefined) => ({
    digest: layer && typeof layer.digest === 'string' ? layer.digest : null,
    media_type: layer && typeof layer.mediaType === 'string' ? layer.mediaType : null,
    size:
      layer && typeof layer.size === 'number' && Number.isSafeInteger(layer.size) && layer.size >= 0 ? layer.size : 0,
  });
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  for (const step of steps) {
    const empty = step.empty_layer === true;
    out.push({
      ...layerPart(empty ? undefined : layers[next++]),
      created_by: text(step.created_by),
      created: text(step.created),
      empty_layer: empty,
      comment: text(step.comment),
    });
  }
  for (; next < layers.length; next++) {
    out.push({ ...layerPart(layers[next]), created_by: null, created: null, empty_layer: false, comment: null });
  }
  return out;
}

/** `?format=cyclonedx` (the default) or `spdx`. */
function sbomFormat(query: unknown): 'cyclonedx' | 'spdx' {
  const raw = (query as Record<string, string | string[] | undefined> | undefined)?.format;
  const value = (Array.isArray(raw) ? raw[0] : raw)?.toLowerCase();
  if (value === undefined || value === '' || value === 'cyclonedx') return 'cyclonedx';
  if (value === 'spdx') return 'spdx';
  throw new Invalid('NAME_INVALID', 'format must be cyclonedx or spdx');
}

function send(reply: FastifyReply, type: string, body: string): FastifyReply {
  return reply.code(200).header('content-type', type).send(body);
}

interface ChartFiles {
  values: string;
  readme: string;
  dependencies: Record<string, unknown>[];
}

async function readChart(ctx: ArtifactContext, facts: ManifestFacts): Promise<ChartFiles> {
  const layer = facts.chartLayer;
  if (!layer) throw new NotFound('BLOB_UNKNOWN', 'the chart has no package layer');
  if (layer.size > MAX_CHART_BYTES) throw new NotFound('BLOB_UNKNOWN', 'the chart package is too large to read');
  const files = chartFiles(
    gunzipSync(await ctx.deps.blobs.getSmall(layer.digest), { maxOutputLength: MAX_CHART_UNPACKED }),
  );
  const find = (name: string) => [...files].find(([path]) => path.toLowerCase() === name.toLowerCase())?.[1];
  const text = (name: string) => find(name)?.toString('utf8') ?? '';
  let dependencies: unknown = yamlField(text('Chart.yaml'), 'dependencies');
  if (!Array.isArray(dependencies)) dependencies = yamlField(text('requirements.yaml'), 'dependencies');
  return {
    values: text('values.yaml'),
    readme: text('README.md'),
    dependencies: (Array.isArray(dependencies) ? dependencies : [])
      .filter(isObject)
      .map((d) => Object.fromEntries(DEPENDENCY_FIELDS.filter((k) => d[k] !== undefined).map((k) => [k, d[k]]))),
  };
}

function yamlField(text: string, field: string): unknown {
  if (text === '') return undefined;
  try {
    const doc = parseYaml(text, { maxAliasCount: 50 }) as unknown;
    return isObject(doc) ? doc[field] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The files at the top of a chart package (`<chart>/<file>`, keyed by `<file>`), from its tar bytes:
 * ustar headers, with PAX `path` records and GNU long names honoured. Files of subcharts
 * (`<chart>/charts/...`) are skipped.
 */
export function chartFiles(tar: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(cString(header, 124, 12).trim() || '0', 8);
    if (!Number.isSafeInteger(size) || size < 0) break;
    const type = String.fromCharCode(header[156] ?? 0);
    const dataStart = offset + 512;
    const data = tar.subarray(dataStart, Math.min(dataStart + size, tar.length));
    offset = dataStart + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      longName = paxPath(data.toString('utf8')) ?? longName;
      continue;
    }
    if (type === 'L') {
      longName = cString(data, 0, data.length);
      continue;
    }
    const prefix = cString(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${cString(header, 0, 100)}` : cString(header, 0, 100));
    longName = undefined;
    if (type !== '0' && type !== '\0') continue;
    const parts = name.replace(/^\.\//, '').split('/');
    if (parts.length === 2 && parts[1]) out.set(parts[1], data);
  }
  return out;
}

function cString(buf: Buffer, start: number, length: number): string {
  const slice = buf.subarray(start, start + length);
  const nul = slice.indexOf(0);
  return slice.subarray(0, nul < 0 ? slice.length : nul).toString('utf8');
}

function paxPath(records: string): string | undefined {
  for (const line of records.split('\n')) {
    const m = /^\d+ path=(.*)$/.exec(line);
    if (m?.[1] !== undefined) return m[1];
  }
  return undefined;
}
