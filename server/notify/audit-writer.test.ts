import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../core/events.js';
import { firstPage } from '../meta/list-query.js';
import type { MetaStore } from '../meta/meta-store.js';
import { openSqliteMetaStore } from '../meta/sqlite/sqlite-meta-store.js';
import { AuditWriter } from './audit-writer.js';

const log = pino({ level: 'silent' });
let meta: MetaStore;

afterEach(async () => {
  await meta?.close();
});

function setup(options: { flushMs?: number; maxBatch?: number } = {}) {
  meta = openSqliteMetaStore({ file: ':memory:' });
  const events = new EventBus((err) => {
    throw err;
  });
  const writer = new AuditWriter({ meta, log, ...options });
  writer.attach(events);
  return { writer, events };
}

const actor = { name: 'dana', clientIp: '10.0.0.7' };

describe('AuditWriter', () => {
  it('turns registry events into entries with who, what, where and the project', async () => {
    const { writer, events } = setup();
    const library = await meta.projects.get('library');
    events.emit('artifact.pushed', {
      repository: 'library/app',
      digest: 'sha256:aa',
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      tag: '1.0',
      size: 10,
      actor,
    });
    events.emit('artifact.pulled', { repository: 'library/app', digest: 'sha256:aa', reference: 'sha256:aa', actor });
    events.emit('tag.deleted', { repository: 'library/app', tag: '1.0', actor: null });
    await writer.flush();
    const { items } = await meta.audit.list({ ...firstPage(), sort: [{ key: 'id', desc: false }] });
    expect(items.map((e) => [e.username, e.operation, e.resourceType, e.resource, e.clientIp, e.projectId])).toEqual([
      ['dana', 'create', 'artifact', 'library/app:1.0', '10.0.0.7', library!.id],
      ['dana', 'pull', 'artifact', 'library/app@sha256:aa', '10.0.0.7', library!.id],
      ['anonymous', 'delete', 'tag', 'library/app:1.0', null, library!.id],
    ]);
  });

  it('writes in batches off the caller path and everything queued on close', async () => {
    const { writer } = setup({ flushMs: 60_000, maxBatch: 3 });
    const record = (i: number) =>
      writer.record({
        username: 'u',
        clientIp: null,
        operation: 'login',
        resourceType: 'user_login',
        resource: `u${i}`,
        success: true,
        detail: null,
      });
    record(1);
    record(2);
    expect((await meta.audit.list(firstPage())).total).toBe(0);
    record(3); // the batch is full: written without waiting for the timer
    await new Promise((r) => setTimeout(r, 50));
    expect((await meta.audit.list(firstPage())).total).toBe(3);
    record(4);
    await writer.close();
    expect((await meta.audit.list(firstPage())).total).toBe(4);
  });

  it('purges by age and by row cap', async () => {
    const { writer } = setup();
    const old = new Date(Date.now() - 10 * 86_400_000);
    for (let i = 0; i < 5; i++) {
      writer.record({
        username: 'u',
        clientIp: null,
        operation: 'pull',
        resourceType: 'artifact',
        resource: `r${i}`,
        success: true,
        detail: null,
        opTime: i < 2 ? old : new Date(),
      });
    }
    await writer.flush();
    expect(await writer.purge({ retentionMs: 86_400_000, maxRows: 1_000 })).toBe(2);
    expect(await writer.purge({ retentionMs: 86_400_000, maxRows: 1 })).toBe(2);
    const { items } = await meta.audit.list(firstPage());
    expect(items.map((e) => e.resource)).toEqual(['r4']);
  });
});
