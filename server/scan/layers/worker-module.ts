import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * The module URL to give `runInWorker` for a worker module of the server. Built (`dist/`), the
 * `.js` file is there and is used as is. Run from source (vitest, integration tests that start the
 * server in-process), only the `.ts` file exists and a plain worker thread cannot import it: the
 * URL returned then is a small bootstrap module that registers loader hooks in the worker
 * (`module.register`, Node 20.6+) which compile `.ts` files with TypeScript's `transpileModule` and
 * map the `.js` specifiers the sources use to their `.ts` files, and then re-exports `exportNames`.
 * TypeScript is a development dependency; the built server never takes this path.
 */
export function workerModuleUrl(jsUrl: URL, exportNames: readonly string[] = ['analyzeLayerFile']): URL {
  if (jsUrl.protocol !== 'file:' || existsSync(fileURLToPath(jsUrl))) return jsUrl;
  const tsUrl = new URL(jsUrl.href.replace(/\.js$/, '.ts'));
  if (!existsSync(fileURLToPath(tsUrl))) return jsUrl;
  const typescript = createRequire(import.meta.url).resolve('typescript');
  const hooks = sourceHooks(typescript);
  const lines = [
    `import { register } from 'node:module';`,
    `register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`,
    `const mod = await import(${JSON.stringify(tsUrl.href)});`,
    ...exportNames.map((name) => `export const ${name} = mod[${JSON.stringify(name)}];`),
  ];
  return new URL(`data:text/javascript,${encodeURIComponent(lines.join('\n'))}`);
}

/**
 * Loader hooks (run in Node's hooks thread) compiling TypeScript sources one file at a time. Output
 * is cached in the OS temp dir by path, size and mtime, so TypeScript is loaded only when a source
 * changed: every scan task starts a worker, and loading the compiler takes seconds.
 */
function sourceHooks(typescriptPath: string): string {
  return `
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
const typescriptPath = ${JSON.stringify(typescriptPath)};
const cacheDir = join(tmpdir(), 'berth-worker-ts-cache');
let ts;
export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if (parent && parent.startsWith('file:') && parent.endsWith('.ts') && specifier.endsWith('.js') && (specifier.startsWith('.') || specifier.startsWith('/'))) {
    const js = new URL(specifier, parent);
    if (!existsSync(fileURLToPath(js))) {
      const source = new URL(js.href.slice(0, -3) + '.ts');
      if (existsSync(fileURLToPath(source))) return { url: source.href, shortCircuit: true };
    }
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const fileName = fileURLToPath(url);
  const stat = statSync(fileName);
  const key = createHash('sha256').update([fileName, stat.size, stat.mtimeMs, typescriptPath].join('\\0')).digest('hex');
  const cached = join(cacheDir, key + '.js');
  if (existsSync(cached)) return { format: 'module', source: readFileSync(cached, 'utf8'), shortCircuit: true };
  ts ??= createRequire(typescriptPath)(typescriptPath);
  const out = ts.transpileModule(readFileSync(fileName, 'utf8'), {
    fileName,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
      sourceMap: false,
    },
  });
  mkdirSync(cacheDir, { recursive: true });
  const partial = cached + '.' + process.pid + '.' + Math.random().toString(36).slice(2);
  writeFileSync(partial, out.outputText);
  renameSync(partial, cached);
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
`;
}
