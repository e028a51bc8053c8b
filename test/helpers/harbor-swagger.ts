import { AssertionError } from 'node:assert';
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/**
 * Checks Harbor API responses against Harbor's own contract, `test/fixtures/harbor-api-v2.0.swagger.yaml`
 * (Swagger 2.0). The swagger's `definitions` become one JSON schema (`$id` `harbor`) so every
 * `#/definitions/X` reference resolves; Swagger's extras are translated for ajv:
 * - `x-nullable: true` (and Harbor's misspelling `x-isnullable`) allows `null`; nothing else does;
 * - the Go formats `int`, `int8`, `int32`, `int64`, `uint64`, `float`, `float64`, `double` are added
 *   (integers must be integers, int32/int8 in range, uint64 not negative); `date-time` and `uri` come
 *   from ajv-formats, so a time must be RFC 3339 with a zone;
 * - `type: file` accepts anything; documentation-only keys (`example`, `x-*`, ...) are dropped.
 *
 * Harbor's schemas rarely list `required`, so a missing property passes schema validation; use
 * `expectProperties` for the properties a route promises.
 *
 * ```ts
 * const res = await fetch(`${url}/api/v2.0/systeminfo`);
 * expectMatchesSwagger('getSystemInfo', res.status, await res.json());
 * expectProperties(body, ['auth_mode', 'self_registration']);
 * expectPagingHeaders(res.headers, { total: 25, next: /page=2/, prev: null });
 * ```
 */

type Json = Record<string, unknown>;

interface Swagger {
  paths: Record<string, Record<string, Json>>;
  definitions: Record<string, Json>;
  responses: Record<string, Json>;
}

export interface SwaggerOperation {
  operationId: string;
  method: string;
  /** As written in the swagger, without the base path: `/projects/{project_name_or_id}`. */
  path: string;
  responses: Record<string, Json>;
}

const SWAGGER_FILE = new URL('../fixtures/harbor-api-v2.0.swagger.yaml', import.meta.url);
const SCHEMA_ID = 'harbor';
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);
const DROPPED_KEYS = new Set(['example', 'discriminator', 'xml', 'externalDocs']);

let loaded: { swagger: Swagger; ajv: Ajv; operations: Map<string, SwaggerOperation> } | undefined;
const validators = new Map<string, ValidateFunction>();

function load() {
  if (loaded) return loaded;
  const swagger = parse(readFileSync(SWAGGER_FILE, 'utf8')) as Swagger;
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictTuples: false });
  addFormats.default(ajv, ['date-time', 'date', 'uri', 'email', 'uuid']);
  const integer = (min: number, max: number) => ({
    type: 'number' as const,
    validate: (n: number) => Number.isInteger(n) && n >= min && n <= max,
  });
  ajv.addFormat('int', integer(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
  ajv.addFormat('int64', integer(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
  ajv.addFormat('int32', integer(-(2 ** 31), 2 ** 31 - 1));
  ajv.addFormat('int8', integer(-128, 127));
  ajv.addFormat('uint64', integer(0, Number.MAX_SAFE_INTEGER));
  for (const name of ['float', 'float64', 'double']) {
    ajv.addFormat(name, { type: 'number', validate: (n: number) => Number.isFinite(n) });
  }
  const definitions = Object.fromEntries(Object.entries(swagger.definitions).map(([k, v]) => [k, toJsonSchema(v)]));
  ajv.addSchema({ $id: SCHEMA_ID, definitions });

  const operations = new Map<string, SwaggerOperation>();
  for (const [path, item] of Object.entries(swagger.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method) || typeof op.operationId !== 'string') continue;
      operations.set(op.operationId, {
        operationId: op.operationId,
        method: method.toUpperCase(),
        path,
        responses: (op.responses ?? {}) as Record<string, Json>,
      });
    }
  }
  loaded = { swagger, ajv, operations };
  return loaded;
}

/** Swagger 2.0 schema → JSON schema as ajv reads it (see the file comment). */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (typeof node !== 'object' || node === null) return node;
  const src = node as Json;
  const out: Json = {};
  for (const [key, value] of Object.entries(src)) {
    if (key.startsWith('x-') || DROPPED_KEYS.has(key)) continue;
    if (key === '$ref' && typeof value === 'string') {
      out.$ref = value.startsWith('#/') ? `${SCHEMA_ID}${value}` : value;
    } else if (key === 'properties' || key === 'definitions' || key === 'patternProperties') {
      // Maps from names to schemas: the names are data, not keywords.
      out[key] = Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, toJsonSchema(v)]));
    } else if (key === 'type' && value === 'file') {
      continue;
    } else {
      out[key] = toJsonSchema(value);
    }
  }
  // In OpenAPI 2, `required` on a property schema (a boolean) is not JSON schema: drop it.
  if (typeof out.required === 'boolean') delete out.required;
  // A bare `type: object` (no properties) is go-swagger's `interface{}`: any value, as Harbor's
  // ExtraAttrs values (`architecture: "amd64"`) show.
  if (out.type === 'object' && Object.keys(out).every((k) => k === 'type' || k === 'description')) {
    delete out.type;
  }
  const nullable = src['x-nullable'] === true || src['x-isnullable'] === true;
  return nullable ? { anyOf: [out, { type: 'null' }] } : out;
}

/** Every operationId the swagger declares. */
export function swaggerOperationIds(): string[] {
  return [...load().operations.keys()];
}

/** The operation with this operationId, as the swagger declares it. */
export function swaggerOperation(operationId: string): SwaggerOperation {
  const op = load().operations.get(operationId);
  if (!op) throw new AssertionError({ message: `the swagger has no operation "${operationId}"` });
  return op;
}

/**
 * Asserts that `body` is what `operationId` may answer with `status`: the status must be declared
 * (or a `default` response exist), and the body must match its schema. A response without a schema
 * must have no body.
 */
export function expectMatchesSwagger(operationId: string, status: number, body: unknown): void {
  const { swagger } = load();
  const op = swaggerOperation(operationId);
  let response = op.responses[String(status)] ?? op.responses.default;
  if (!response) {
    throw new AssertionError({
      message: `${operationId} does not declare status ${status} (declared: ${Object.keys(op.responses).join(', ')})`,
    });
  }
  const ref = response.$ref;
  if (typeof ref === 'string') response = swagger.responses[ref.replace('#/responses/', '')] ?? {};
  const schema = response.schema;
  if (schema === undefined) {
    if (body !== undefined && body !== '' && body !== null) {
      throw new AssertionError({ message: `${operationId} ${status} declares no body, got ${preview(body)}` });
    }
    return;
  }
  check(`${operationId} ${status}`, `op:${operationId}:${status}`, schema, body);
}

/** Asserts that `value` matches `#/definitions/<name>`. */
export function expectMatchesDefinition(name: string, value: unknown): void {
  if (!(name in load().swagger.definitions)) throw new AssertionError({ message: `no definition "${name}"` });
  check(name, `def:${name}`, { $ref: `#/definitions/${name}` }, value);
}

/**
 * Asserts Harbor's error envelope: `{"errors":[{"code","message"}]}` with at least one error whose
 * code and message are non-empty strings, and the first code equal to `code` when given.
 */
export function expectHarborErrors(body: unknown, code?: string): void {
  expectMatchesDefinition('Errors', body);
  const errors = (body as { errors?: { code?: unknown; message?: unknown }[] }).errors;
  if (!Array.isArray(errors) || errors.length === 0) {
    throw new AssertionError({ message: `expected a non-empty errors array, got ${preview(body)}` });
  }
  for (const e of errors) {
    if (typeof e.code !== 'string' || e.code === '' || typeof e.message !== 'string' || e.message === '') {
      throw new AssertionError({ message: `every error needs a code and a message, got ${preview(e)}` });
    }
  }
  if (code !== undefined && errors[0]?.code !== code) {
    throw new AssertionError({ message: `expected error code ${code}, got ${String(errors[0]?.code)}` });
  }
}

/**
 * Asserts that `body` (or every element, for an array) has each property, with a value other than
 * `undefined`. Dotted paths reach into objects: `metadata.public`.
 */
export function expectProperties(body: unknown, properties: string[]): void {
  const items = Array.isArray(body) ? body : [body];
  items.forEach((item, index) => {
    for (const path of properties) {
      let value: unknown = item;
      for (const key of path.split('.')) {
        value = typeof value === 'object' && value !== null ? (value as Json)[key] : undefined;
      }
      if (value === undefined) {
        const where = Array.isArray(body) ? `element ${index}` : 'body';
        throw new AssertionError({ message: `${where} lacks "${path}": ${preview(item)}` });
      }
    }
  });
}

type HeaderSource = Headers | Record<string, string | string[] | number | undefined>;

/**
 * Asserts Harbor's paging headers: `X-Total-Count` equal to `total`, and each of `next` / `prev`
 * either present (matching a string exactly or a regular expression) or, when `null`, absent.
 */
export function expectPagingHeaders(
  headers: HeaderSource,
  expected: { total?: number; next?: string | RegExp | null; prev?: string | RegExp | null },
): void {
  const get = (name: string): string | undefined => {
    if (headers instanceof Headers) return headers.get(name) ?? undefined;
    const v = headers[name] ?? headers[name.toLowerCase()];
    return v === undefined ? undefined : Array.isArray(v) ? v.join(', ') : String(v);
  };
  if (expected.total !== undefined) {
    const total = get('x-total-count');
    if (total !== String(expected.total)) {
      throw new AssertionError({ message: `X-Total-Count: expected ${expected.total}, got ${String(total)}` });
    }
  }
  const links = parseLinks(get('link'));
  for (const rel of ['next', 'prev'] as const) {
    const want = expected[rel];
    if (want === undefined) continue;
    const got = links[rel];
    if (want === null) {
      if (got !== undefined) throw new AssertionError({ message: `expected no rel="${rel}" link, got ${got}` });
      continue;
    }
    const ok = got !== undefined && (typeof want === 'string' ? got === want : want.test(got));
    if (!ok) throw new AssertionError({ message: `rel="${rel}" link: expected ${String(want)}, got ${String(got)}` });
  }
}

/** `<url>; rel="next", <url>; rel="prev"` → { next: url, prev: url }. */
export function parseLinks(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (header ?? '').matchAll(/<([^>]*)>\s*;\s*rel="?([^",;]+)"?/g)) {
    if (m[1] !== undefined && m[2] !== undefined) out[m[2]] = m[1];
  }
  return out;
}

function check(label: string, key: string, schema: unknown, value: unknown): void {
  const { ajv } = load();
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(toJsonSchema(schema) as Json);
    validators.set(key, validate);
  }
  if (!validate(value)) {
    throw new AssertionError({
      message: `${label} does not match the swagger:\n${describeErrors(validate.errors ?? [])}\nvalue: ${preview(value)}`,
    });
  }
}

function describeErrors(errors: ErrorObject[]): string {
  return errors.map((e) => `  ${e.instancePath || '(root)'} ${e.message ?? e.keyword}`).join('\n');
}

function preview(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 500 ? `${text.slice(0, 497)}...` : text;
}
