import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blob, client, pushBlob, startTestServer } from './oci-client.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let call: ReturnType<typeof client>;

beforeAll(async () => {
  server = await startTestServer();
  call = client(() => server.url);
});
afterAll(() => server.stop());

describe('GET /v2/', () => {
  it('answers 200 with the API version header', async () => {
    const res = await call('GET', '/v2/');
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });
});

describe('blob uploads', () => {
  it('takes a monolithic POST ?digest= and serves it back with HEAD and GET', async () => {
    const b = blob(5000);
    const res = await call('POST', `/v2/p1/app/blobs/uploads/?digest=${b.digest}`, { body: b.bytes });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/v2/p1/app/blobs/${b.digest}`);
    expect(res.headers.get('docker-content-digest')).toBe(b.digest);

    const head = await call('HEAD', `/v2/p1/app/blobs/${b.digest}`);
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('5000');
    expect(head.headers.get('docker-content-digest')).toBe(b.digest);
    const get = await call('GET', `/v2/p1/app/blobs/${b.digest}`);
    expect(get.body.equals(b.bytes)).toBe(true);
  });

  it('does POST, one PATCH without Content-Range, then PUT with an empty body (docker, skopeo)', async () => {
    const b = blob(70_000);
    const post = await call('POST', '/v2/p1/app/blobs/uploads/');
    expect(post.status).toBe(202);
    expect(post.headers.get('range')).toBe('0-0');
    const id = post.headers.get('docker-upload-uuid');
    const location = post.headers.get('location')!;
    expect(location).toBe(`/v2/p1/app/blobs/uploads/${id}`);
    const patch = await call('PATCH', location, {
      body: b.bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(patch.status).toBe(202);
    expect(patch.headers.get('range')).toBe(`0-${b.bytes.length - 1}`);
    const put = await call('PUT', `${patch.headers.get('location')}?digest=${b.digest}`);
    expect(put.status).toBe(201);
    expect((await call('GET', `/v2/p1/app/blobs/${b.digest}`)).body.equals(b.bytes)).toBe(true);
    // The session is gone once committed.
    expect((await call('GET', location)).errorCode()).toBe('BLOB_UPLOAD_UNKNOWN');
  });

  it('takes ordered chunks with Content-Range and refuses an out-of-order chunk with 416 and the current Range', async () => {
    const b = blob(30_000);
    const post = await call('POST', '/v2/p1/app/blobs/uploads/');
    const loc = post.headers.get('location')!;
    const first = await call('PATCH', loc, {
      body: b.bytes.subarray(0, 10_000),
      headers: { 'content-range': '0-9999' },
    });
    expect(first.status).toBe(202);
    const skip = await call('PATCH', loc, {
      body: b.bytes.subarray(20_000),
      headers: { 'content-range': '20000-29999' },
    });
    expect(skip.status).toBe(416);
    expect(skip.headers.get('range')).toBe('0-9999');
    expect(skip.errorCode()).toBe('BLOB_UPLOAD_INVALID');
    const status = await call('GET', loc);
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe('0-9999');
    await call('PATCH', loc, { body: b.bytes.subarray(10_000, 20_000), headers: { 'content-range': '10000-19999' } });
    const put = await call('PUT', `${loc}?digest=${b.digest}`, {
      body: b.bytes.subarray(20_000),
      headers: { 'content-range': '20000-29999' },
    });
    expect(put.status).toBe(201);
    expect((await call('GET', `/v2/p1/app/blobs/${b.digest}`)).body.equals(b.bytes)).toBe(true);
  });

  it('refuses a wrong digest without storing the blob', async () => {
    const b = blob(100);
    const other = blob(100);
    const post = await call('POST', '/v2/p1/app/blobs/uploads/');
    const put = await call('PUT', `${post.headers.get('location')}?digest=${other.digest}`, { body: b.bytes });
    expect(put.status).toBe(400);
    expect(put.errorCode()).toBe('DIGEST_INVALID');
    expect((await call('HEAD', `/v2/p1/app/blobs/${other.digest}`)).status).toBe(404);
    expect((await call('HEAD', `/v2/p1/app/blobs/${b.digest}`)).status).toBe(404);
  });

  it('refuses PUT without a digest, and malformed digests', async () => {
    const post = await call('POST', '/v2/p1/app/blobs/uploads/');
    expect((await call('PUT', post.headers.get('location')!)).errorCode()).toBe('DIGEST_INVALID');
    const bad = await call('POST', '/v2/p1/app/blobs/uploads/?digest=sha256:nothex', { body: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.errorCode()).toBe('DIGEST_INVALID');
  });

  it('cancels an upload', async () => {
    const post = await call('POST', '/v2/p1/app/blobs/uploads/');
    const loc = post.headers.get('location')!;
    expect((await call('DELETE', loc)).status).toBe(204);
    const after = await call('PATCH', loc, { body: 'x' });
    expect(after.status).toBe(404);
    expect(after.errorCode()).toBe('BLOB_UPLOAD_UNKNOWN');
  });

  it('does not let another repository use an upload session', async () => {
    const post = await call('POST', '/v2/p1/app/blobs/uploads/');
    const id = post.headers.get('docker-upload-uuid');
    expect((await call('GET', `/v2/p1/other/blobs/uploads/${id}`)).errorCode()).toBe('BLOB_UPLOAD_UNKNOWN');
  });

  it('mounts from another repository, and falls back to an upload when it cannot', async () => {
    const b = blob(2048);
    await pushBlob(call, 'p2/source', b);
    const mount = await call('POST', `/v2/p2/target/blobs/uploads/?mount=${b.digest}&from=p2/source`);
    expect(mount.status).toBe(201);
    expect(mount.headers.get('location')).toBe(`/v2/p2/target/blobs/${b.digest}`);
    expect((await call('GET', `/v2/p2/target/blobs/${b.digest}`)).body.equals(b.bytes)).toBe(true);

    const missing = blob(10);
    const fallback = await call('POST', `/v2/p2/target/blobs/uploads/?mount=${missing.digest}&from=p2/source`);
    expect(fallback.status).toBe(202);
    expect(fallback.headers.get('docker-upload-uuid')).toBeTruthy();
  });

  it('keeps blobs private to the repositories they were pushed to', async () => {
    const b = blob(64);
    await pushBlob(call, 'p3/a', b);
    expect((await call('HEAD', `/v2/p3/b/blobs/${b.digest}`)).status).toBe(404);
  });
});

describe('blob reads', () => {
  it('serves ranges with 206 and refuses unsatisfiable ones with 416', async () => {
    const b = blob(1000);
    await pushBlob(call, 'p4/r', b);
    const part = await call('GET', `/v2/p4/r/blobs/${b.digest}`, { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 100-199/1000');
    expect(part.body.equals(b.bytes.subarray(100, 200))).toBe(true);
    const tail = await call('GET', `/v2/p4/r/blobs/${b.digest}`, { headers: { range: 'bytes=900-' } });
    expect(tail.body.equals(b.bytes.subarray(900))).toBe(true);
    const past = await call('GET', `/v2/p4/r/blobs/${b.digest}`, { headers: { range: 'bytes=1000-' } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe('bytes */1000');
  });

  it('answers BLOB_UNKNOWN in the OCI envelope, with an empty body on HEAD', async () => {
    const missing = blob(1).digest;
    const get = await call('GET', `/v2/p4/r/blobs/${missing}`);
    expect(get.status).toBe(404);
    expect(get.json()).toMatchObject({ errors: [{ code: 'BLOB_UNKNOWN' }] });
    const head = await call('HEAD', `/v2/p4/r/blobs/${missing}`);
    expect(head.status).toBe(404);
    expect(head.body.length).toBe(0);
  });

  it('deletes a blob from a repository', async () => {
    const b = blob(10);
    await pushBlob(call, 'p4/d', b);
    expect((await call('DELETE', `/v2/p4/d/blobs/${b.digest}`)).status).toBe(202);
    expect((await call('HEAD', `/v2/p4/d/blobs/${b.digest}`)).status).toBe(404);
    expect((await call('DELETE', `/v2/p4/d/blobs/${b.digest}`)).errorCode()).toBe('BLOB_UNKNOWN');
  });
});

describe('durability across restarts', () => {
  it('resumes a chunked upload after a restart, re-hashing what was written', async () => {
    const b = blob(50_000);
    const post = await call('POST', '/v2/p5/resume/blobs/uploads/');
    const loc = post.headers.get('location')!;
    await call('PATCH', loc, { body: b.bytes.subarray(0, 20_000), headers: { 'content-range': '0-19999' } });
    await server.restart();
    const status = await call('GET', loc);
    expect(status.headers.get('range')).toBe('0-19999');
    await call('PATCH', loc, { body: b.bytes.subarray(20_000), headers: { 'content-range': '20000-49999' } });
    const put = await call('PUT', `${loc}?digest=${b.digest}`);
    expect(put.status).toBe(201);
    expect((await call('GET', `/v2/p5/resume/blobs/${b.digest}`)).body.equals(b.bytes)).toBe(true);
  });
});

describe('names', () => {
  it('refuses invalid repository names with NAME_INVALID', async () => {
    const res = await call('POST', '/v2/Bad_Name/blobs/uploads/');
    expect(res.status).toBe(400);
    expect(res.errorCode()).toBe('NAME_INVALID');
  });

  it('answers 405 UNSUPPORTED to a method an endpoint does not have', async () => {
    const res = await call('POST', '/v2/p1/app/tags/list');
    expect(res.status).toBe(405);
    expect(res.errorCode()).toBe('UNSUPPORTED');
  });
});
