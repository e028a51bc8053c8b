import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, OutputTail } from './net.js';
import { requireCommands, run, which } from './run.js';
import { makeTempDir, removeTempDir } from './tmp.js';

/**
 * A private OpenLDAP server for tests: its own cn=config and mdb database in a temp dir (built with
 * `slapadd`, nothing under /etc/ldap touched, no system service), listening on a free loopback port.
 *
 * Directory: suffix `dc=example,dc=org`, the root DN `cn=admin,dc=example,dc=org`, a search account
 * `cn=berth-search,ou=services,...` that may read people (anonymous may read nothing), and the people
 * given as `uid=<uid>,ou=people,...` (inetOrgPerson with cn, sn, displayName, mail, userPassword).
 *
 * Debian puts slapd and slapadd in /usr/sbin, which is not on an ordinary user's PATH; they are
 * looked for there too. When they are missing, this fails with the package to install, as the e2e
 * tests do for their clients.
 */

export const SUFFIX = 'dc=example,dc=org';
export const PEOPLE_DN = `ou=people,${SUFFIX}`;

export interface LdapPerson {
  uid: string;
  password: string;
  cn?: string;
  displayName?: string;
  mail?: string;
}

export interface Slapd {
  /** `ldap://127.0.0.1:PORT` */
  url: string;
  port: number;
  rootDn: string;
  rootPassword: string;
  searchDn: string;
  searchPassword: string;
  pid: number;
  /** Whether the process is still running. */
  running(): boolean;
  /** slapd's own output: start-up errors (`-d 0` logs nothing else). */
  output(): string;
  /** SIGTERM and wait (SIGKILL after 5 s); the data dir stays until `cleanup`. */
  stop(): Promise<void>;
  /** Stops and removes the temp dir. */
  cleanup(): Promise<void>;
}

const SCHEMA_DIRS = ['/etc/ldap/schema', '/etc/openldap/schema', '/usr/local/etc/openldap/schema'];
const MODULE_DIRS = ['/usr/lib/ldap', '/usr/lib64/openldap', '/usr/lib/openldap', '/usr/libexec/openldap'];
const SBIN_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

/** slapd and slapadd, from PATH or the sbin directories; throws naming the package when absent. */
export function findSlapd(): { slapd: string; slapadd: string } | undefined {
  const find = (cmd: string) => which(cmd) ?? SBIN_DIRS.map((d) => join(d, cmd)).find((p) => existsSync(p));
  const slapd = find('slapd');
  const slapadd = find('slapadd');
  return slapd && slapadd ? { slapd, slapadd } : undefined;
}

export async function startSlapd(people: readonly LdapPerson[]): Promise<Slapd> {
  const programs = findSlapd();
  if (!programs) requireCommands({ slapd: 'slapd', slapadd: 'slapd' });
  const { slapd, slapadd } = programs!;
  const schemaDir = SCHEMA_DIRS.find((d) => existsSync(join(d, 'inetorgperson.ldif')));
  if (!schemaDir) throw new Error(`no OpenLDAP schema (inetorgperson.ldif) in ${SCHEMA_DIRS.join(', ')}`);
  const moduleDir = MODULE_DIRS.find((d) => existsSync(join(d, 'back_mdb.so')) || existsSync(join(d, 'back_mdb.la')));

  const dir = await makeTempDir('slapd');
  const configDir = join(dir, 'slapd.d');
  const dataDir = join(dir, 'data');
  await mkdir(configDir, { recursive: true });
  await mkdir(dataDir, { recursive: true });

  const rootDn = `cn=admin,${SUFFIX}`;
  const rootPassword = `root-${randomBytes(6).toString('hex')}`;
  const searchDn = `cn=berth-search,ou=services,${SUFFIX}`;
  const searchPassword = `search-${randomBytes(6).toString('hex')}`;

  const configLdif = [
    entry('cn=config', ['objectClass: olcGlobal', 'cn: config', `olcPidFile: ${join(dir, 'slapd.pid')}`]),
    ...(moduleDir
      ? [
          entry('cn=module{0},cn=config', [
            'objectClass: olcModuleList',
            'cn: module{0}',
            `olcModulePath: ${moduleDir}`,
            'olcModuleLoad: back_mdb',
          ]),
        ]
      : []),
    entry('cn=schema,cn=config', ['objectClass: olcSchemaConfig', 'cn: schema']),
    ...['core', 'cosine', 'inetorgperson'].map((s) => `include: file://${join(schemaDir, `${s}.ldif`)}\n`),
    entry('olcDatabase={-1}frontend,cn=config', [
      'objectClass: olcDatabaseConfig',
      'objectClass: olcFrontendConfig',
      'olcDatabase: {-1}frontend',
    ]),
    entry('olcDatabase={0}config,cn=config', [
      'objectClass: olcDatabaseConfig',
      'olcDatabase: {0}config',
      'olcAccess: {0}to * by * none',
    ]),
    entry('olcDatabase={1}mdb,cn=config', [
      'objectClass: olcDatabaseConfig',
      'objectClass: olcMdbConfig',
      'olcDatabase: {1}mdb',
      `olcSuffix: ${SUFFIX}`,
      `olcRootDN: ${rootDn}`,
      `olcRootPW: ${ssha(rootPassword)}`,
      `olcDbDirectory: ${dataDir}`,
      'olcDbMaxSize: 104857600',
      'olcDbIndex: objectClass eq',
      'olcDbIndex: uid eq',
      // Passwords: only for binding. Everything else: readable by the search account, and by each
      // person for their own entry; anonymous callers see nothing.
      'olcAccess: {0}to attrs=userPassword by anonymous auth by * none',
      `olcAccess: {1}to * by dn.exact="${searchDn}" read by self read by * none`,
    ]),
  ].join('\n');

  const dataLdif = [
    entry(SUFFIX, [
      'objectClass: top',
      'objectClass: dcObject',
      'objectClass: organization',
      'o: Example',
      'dc: example',
    ]),
    entry(PEOPLE_DN, ['objectClass: organizationalUnit', 'ou: people']),
    entry(`ou=services,${SUFFIX}`, ['objectClass: organizationalUnit', 'ou: services']),
    entry(searchDn, [
      'objectClass: organizationalRole',
      'objectClass: simpleSecurityObject',
      'cn: berth-search',
      `userPassword: ${ssha(searchPassword)}`,
    ]),
    ...people.map((p) =>
      entry(`uid=${p.uid},${PEOPLE_DN}`, [
        'objectClass: inetOrgPerson',
        `uid: ${p.uid}`,
        `cn: ${p.cn ?? p.uid}`,
        `sn: ${p.uid}`,
        ...(p.displayName ? [`displayName: ${p.displayName}`] : []),
        ...(p.mail ? [`mail: ${p.mail}`] : []),
        `userPassword: ${ssha(p.password)}`,
      ]),
    ),
  ].join('\n');

  try {
    await writeFile(join(dir, 'config.ldif'), configLdif);
    await writeFile(join(dir, 'data.ldif'), dataLdif);
    await run(slapadd, ['-n', '0', '-F', configDir, '-l', join(dir, 'config.ldif')]);
    await run(slapadd, ['-n', '1', '-F', configDir, '-l', join(dir, 'data.ldif')]);
  } catch (err) {
    await removeTempDir(dir);
    throw err;
  }

  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  // -d 0: stay in the foreground (no daemon fork), so the pid is ours and the child's exit is seen.
  const child: ChildProcess = spawn(slapd, ['-F', configDir, '-h', `${url}/`, '-d', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail = new OutputTail();
  child.stdout?.on('data', (d: Buffer) => tail.push(d));
  child.stderr?.on('data', (d: Buffer) => tail.push(d));
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );

  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exit;
    clearTimeout(killer);
  };

  try {
    await waitForPort(port, () => !exited, 10_000);
  } catch (err) {
    await stop();
    await removeTempDir(dir);
    throw new Error(`${(err as Error).message}\n--- slapd output ---\n${tail.toString()}`);
  }

  return {
    url,
    port,
    rootDn,
    rootPassword,
    searchDn,
    searchPassword,
    pid: child.pid!,
    running: () => !exited,
    output: () => tail.toString(),
    stop,
    async cleanup() {
      await stop();
      await removeTempDir(dir);
    },
  };
}

/** An LDIF entry (values here never need base64). */
function entry(dn: string, lines: string[]): string {
  return `dn: ${dn}\n${lines.join('\n')}\n`;
}

/** `{SSHA}` = base64(SHA-1(password + salt) + salt): what slappasswd writes by default. */
function ssha(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(password).update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

async function waitForPort(port: number, alive: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error('slapd exited during start-up');
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`slapd did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
}
