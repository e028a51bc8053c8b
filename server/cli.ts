import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, readConfigFile } from './config/load-config.js';
import { SETTINGS, type Config } from './config/settings.js';
import { ADMIN_USERNAME } from './auth/admin-bootstrap.js';
import { assertPasswordPolicy, generatePassword, hashPassword } from './auth/password.js';
import { createServer, ListenError } from './index.js';
import { openSqliteMetaStore } from './meta/sqlite/sqlite-meta-store.js';
import { vulndbCommand } from './scan/vulndb/vulndb-cli.js';

const USAGE = `Usage: berth <command> [options]

Commands:
  serve                        run the registry
  verify-config                print the effective configuration and exit
  admin reset-password [USER]  set a new password for USER (default admin) from
                               BERTH_ADMIN_PASSWORD, or generate and print one;
                               also lifts login lockouts and ends the user's sessions
  vulndb import PATH           import advisories (an OSV all.zip, a folder of OSV
                               JSON, one OSV record, the Debian security tracker
                               JSON or an Alpine secdb file); the server may run
  vulndb status                print what the advisory database holds

Environment:
  BERTH_ADMIN_PASSWORD  the first admin's password, used at first start only

Options:
  --listen HOST:PORT    address to serve on (default 127.0.0.1:5000)
  --data-dir DIR        where data is kept (default: a per-user directory)
  --config FILE         YAML configuration file (or BERTH_CONFIG)
  --log-level LEVEL     fatal, error, warn, info, debug, trace or silent
  -h, --help            show this help
  -v, --version         print the version
`;

/**
 * The command line. It owns the process: signals, exit codes and messages for humans. Returns the
 * exit code instead of exiting, so it can run in-process in tests.
 */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        listen: { type: 'string' },
        'data-dir': { type: 'string' },
        config: { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    process.stderr.write(`berth: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const command = positionals[0];
  if (values.help || !command || command === 'help') {
    process.stdout.write(USAGE);
    return command || values.help ? 0 : 2;
  }
  const maxPositionals = command === 'admin' || command === 'vulndb' ? 3 : 1;
  if (positionals.length > maxPositionals) {
    process.stderr.write(`berth: unexpected argument ${positionals[maxPositionals]}\n`);
    return 2;
  }

  let config: Config;
  try {
    const fileName = values.config ?? env.BERTH_CONFIG;
    const file = fileName ? await readConfigFile(fileName) : undefined;
    config = loadConfig({
      file,
      fileName,
      env,
      flags: { listen: values.listen, 'data-dir': values['data-dir'], 'log-level': values['log-level'] },
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`berth: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  switch (command) {
    case 'serve':
      return serve(config, env.BERTH_ADMIN_PASSWORD);
    case 'admin':
      if (positionals[1] !== 'reset-password') {
        process.stderr.write(`berth: unknown admin command "${positionals[1] ?? ''}"\n\n${USAGE}`);
        return 2;
      }
      return resetPassword(config, positionals[2] ?? ADMIN_USERNAME, env.BERTH_ADMIN_PASSWORD);
    case 'vulndb':
      return vulndbCommand(config, positionals.slice(1));
    case 'verify-config':
      process.stdout.write(`${JSON.stringify(redact(config), null, 2)}\n`);
      return 0;
    default:
      process.stderr.write(`berth: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

async function serve(config: Config, adminPassword: string | undefined): Promise<number> {
  const server = await createServer({ config, ...(adminPassword ? { adminPassword } : {}) });
  try {
    await server.listen();
  } catch (err) {
    await server.close();
    if (err instanceof ListenError) {
      process.stderr.write(`berth: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  process.stderr.write(welcome(server.url, config.dataDir));
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        // A second signal means the user does not want to wait for running uploads.
        process.stderr.write(`berth: ${signal} again, exiting now\n`);
        process.exit(130);
      }
      stopping = true;
      server.close().then(
        () => resolve(0),
        (err) => {
          process.stderr.write(`berth: shutdown failed: ${(err as Error).message}\n`);
          resolve(1);
        },
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** Works on the database directly, so it also rescues an admin locked out of a stopped server. */
async function resetPassword(config: Config, username: string, given: string | undefined): Promise<number> {
  if (given) {
    try {
      assertPasswordPolicy(given);
    } catch (err) {
      process.stderr.write(`berth: BERTH_ADMIN_PASSWORD: ${(err as Error).message}\n`);
      return 2;
    }
  }
  const meta = openSqliteMetaStore({ file: config.database.file });
  try {
    const user = await meta.users.getByName(username);
    if (!user) {
      process.stderr.write(`berth: no user "${username}" in ${config.database.file}\n`);
      return 1;
    }
    const password = given || generatePassword();
    await meta.users.setPassword(user.id, await hashPassword(password));
    await meta.loginFailures.clear(`user:${user.username.toLowerCase()}`);
    await meta.sessions.deleteForUser(user.id);
    process.stdout.write(
      given ? `password of ${user.username} reset\n` : `password of ${user.username} reset to: ${password}\n`,
    );
    return 0;
  } finally {
    await meta.close();
  }
}

/** The config with every secret that is set replaced by `(secret)`, at any depth (`auth.ldap.searchPassword`). */
function redact(config: Config): unknown {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  for (const setting of SETTINGS.filter((s) => s.secret)) {
    const parts = setting.key.split('.');
    const last = parts.pop()!;
    let node: Record<string, unknown> | undefined = copy;
    for (const part of parts) node = node?.[part] as Record<string, unknown> | undefined;
    if (node && node[last] !== undefined) node[last] = '(secret)';
  }
  return copy;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * The lines a person reads after `berth serve` (the JSON log is for machines): where the portal is
 * and what to type into `docker login`. A wildcard listen address is shown as loopback, which is
 * what a browser on the same machine can open.
 */
export function welcome(url: string, dataDir: string): string {
  const shown = new URL(url);
  if (shown.hostname === '0.0.0.0' || shown.hostname === '[::]') shown.hostname = '127.0.0.1';
  const base = shown.toString().replace(/\/$/, '');
  return [
    '',
    'Berth is running.',
    `  Portal:    ${base}/  (open it in a browser)`,
    `  Registry:  ${shown.host}  (docker login ${shown.host})`,
    `  Data:      ${dataDir}`,
    '',
    '',
  ].join('\n');
}
