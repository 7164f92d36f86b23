/**
 * BQ-jobs audit: the job routes' statuses for bad inputs, methods and HEAD, against the README's
 * route table ("The job queue: a durable channel") and its query rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, drain, post, type Running, raw, start, stats, uncaught } from './helpers.js';

let w: Running;
beforeAll(async () => {
  w = await start();
}, 60_000);
afterAll(async () => {
  await w?.dispose();
});

describe('POST /jobs: bodies and keys', () => {
  it('a body of exactly 64 KiB is taken; one byte more is a 413', async () => {
    const exact = `"${'a'.repeat(64 * 1024 - 2)}"`;
    expect(new TextEncoder().encode(exact).byteLength).toBe(65536);
    const ok = await call(w.mf, '/jobs', { method: 'POST', body: exact });
    expect(ok.status).toBe(202);
    const over = `"${'a'.repeat(64 * 1024 - 1)}"`;
    const refused = await call(w.mf, '/jobs', { method: 'POST', body: over });
    expect(refused.status).toBe(413);
    expect(refused.json()).toHaveProperty('error');
    // multi-byte characters count as bytes, not characters
    const wide = `"${'é'.repeat(40_000)}"`; // 80 002 bytes, 40 002 characters
    expect((await call(w.mf, '/jobs', { method: 'POST', body: wide })).status).toBe(413);
    expect(await drain(w.mf)).toEqual(['a'.repeat(64 * 1024 - 2)]);
  });

  it('a huge declared body (Content-Length 4 MB, never sent) is a 413 at once, unread', async () => {
    const answer = await raw(w.mf, 'POST /jobs HTTP/1.1\r\nContent-Length: 4194304');
    expect(answer.status).toBe(413);
    expect((await stats(w.mf)).size).toBe(0);
  });

  it('a chunked body (no Content-Length) over 64 KiB is a 413 and stores nothing', async () => {
    const chunk = Buffer.alloc(32 * 1024, 0x20);
    const chunked = Buffer.concat([Buffer.from('"'), ...Array.from({ length: 3 }, () => chunk)]);
    const body = Buffer.concat([Buffer.from(`${chunked.length.toString(16)}\r\n`), chunked, Buffer.from('\r\n')]);
    // the body's end never comes: the Worker must stop reading one chunk past the limit
    const answer = await raw(w.mf, 'POST /jobs HTTP/1.1\r\nTransfer-Encoding: chunked', body);
    expect(answer.status).toBe(413);
    expect((await stats(w.mf)).size).toBe(0);
  });

  it('an empty Idempotency-Key header (curl -H "Idempotency-Key;") is a 400', async () => {
    // (Node's fetch drops an empty header; a raw request carries it)
    const answer = await raw(w.mf, 'POST /jobs HTTP/1.1\r\nIdempotency-Key:\r\nContent-Length: 2', '{}');
    expect(answer.status).toBe(400);
    expect((await stats(w.mf)).size).toBe(0);
  });

  it('bodies that are not JSON are 400s and store nothing', async () => {
    for (const body of ['', 'not json', '{"a":1', "{'a':1}", 'undefined', '{"a":1}{"b":2}']) {
      const answer = await call(w.mf, '/jobs', { method: 'POST', body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.json()).toHaveProperty('error');
    }
    const none = await call(w.mf, '/jobs', { method: 'POST' });
    expect(none.status).toBe(400);
    expect((await stats(w.mf)).size).toBe(0);
  });

  it('every JSON value is a job, null and false included, and comes back as given', async () => {
    const values = [null, false, 0, '', [], {}, { nested: { a: [1, 2, { b: null }] } }, 'ü€😀'];
    for (const value of values) expect((await post(w.mf, value)).status).toBe(202);
    expect(await drain(w.mf)).toEqual(values);
  });

  it('odd JSON texts keep their content: __proto__ keys, a lone surrogate, extreme numbers', async () => {
    const texts = ['{"__proto__":{"x":1},"a":2}', '"\\ud800"', '[1e308,-1e-308,9007199254740993,-0]', '{"a":1,"a":2}'];
    for (const body of texts) expect((await call(w.mf, '/jobs', { method: 'POST', body })).status).toBe(202);
    const got = await drain(w.mf);
    expect(got.map((job) => JSON.stringify(job))).toEqual(texts.map((text) => JSON.stringify(JSON.parse(text))));
  });

  it('Idempotency-Key: 1 to 256 characters, else 400', async () => {
    expect((await post(w.mf, { k: 257 }, 'k'.repeat(257))).status).toBe(400);
    const ok = await post(w.mf, { k: 256 }, 'k'.repeat(256));
    expect(ok.status).toBe(202);
    expect(ok.json()).toEqual({ id: 'k'.repeat(256) });
    expect((await post(w.mf, { k: 1 }, 'k')).status).toBe(202);
    expect(await drain(w.mf)).toEqual([{ k: 256 }, { k: 1 }]);
  });

  it('an Idempotency-Key of 256 non-ASCII (Latin-1) characters is 202 and stored once', async () => {
    const key = 'é'.repeat(256);
    const first = await call(w.mf, '/jobs', {
      method: 'POST',
      body: '{"latin1":true}',
      headers: { 'idempotency-key': key },
    });
    expect(first.status, first.text).toBe(202);
    const again = await call(w.mf, '/jobs', {
      method: 'POST',
      body: '{"latin1":true}',
      headers: { 'idempotency-key': key },
    });
    expect(again.status, again.text).toBe(202);
    expect(await drain(w.mf)).toEqual([{ latin1: true }]);
  });

  it('a query parameter on POST /jobs is a 400 (it takes none)', async () => {
    const answer = await call(w.mf, '/jobs?max=1', { method: 'POST', body: '{}' });
    expect(answer.status).toBe(400);
    expect((await stats(w.mf)).size).toBe(0);
  });
});

describe('POST /jobs/take: max and wait', () => {
  const bad = [
    'max=0',
    'max=101',
    'max=-1',
    'max=1.5',
    'max=1e1',
    'max=abc',
    'max=',
    'max=%2B5',
    'max=99999999999999999999',
    'wait=-1',
    'wait=25001',
    'wait=1.0',
    'wait=',
    'max=1&max=1',
    'wait=0&wait=0',
    'bogus=1',
    'MAX=1',
  ];
  for (const query of bad) {
    it(`?${query} is a 400 naming the parameter, and takes nothing`, async () => {
      expect((await post(w.mf, { q: query })).status).toBe(202);
      const answer = await call(w.mf, `/jobs/take?${query}`, { method: 'POST' });
      expect(answer.status).toBe(400);
      const { error } = answer.json() as { error: string };
      const name = /^(\w+)=/i.exec(query)?.[1] ?? '';
      expect(error).toContain(name);
      expect(await drain(w.mf)).toEqual([{ q: query }]);
    });
  }

  it('the limits are inclusive: max=1, max=100, wait=0, wait=25000 are taken', async () => {
    for (let i = 0; i < 3; i++) await post(w.mf, { i });
    const one = await call(w.mf, '/jobs/take?max=1&wait=25000', { method: 'POST' });
    expect(one.status).toBe(200);
    expect(one.json()).toEqual({ jobs: [{ i: 0 }] });
    const rest = await call(w.mf, '/jobs/take?max=100&wait=0', { method: 'POST' });
    expect(rest.json()).toEqual({ jobs: [{ i: 1 }, { i: 2 }] });
    expect((await call(w.mf, '/jobs/take?max=100&wait=0', { method: 'POST' })).status).toBe(204);
  });

  it('the default max is 10', async () => {
    for (let i = 0; i < 12; i++) await post(w.mf, i);
    const first = await call(w.mf, '/jobs/take', { method: 'POST' });
    expect((first.json() as { jobs: unknown[] }).jobs).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await drain(w.mf)).toEqual([10, 11]);
  });

  it('a take with a body is still a take (the body is ignored)', async () => {
    await post(w.mf, 'b');
    const answer = await call(w.mf, '/jobs/take?wait=0', { method: 'POST', body: '{"max":5}' });
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ jobs: ['b'] });
  });

  it('an empty queue: wait=0 and a short wait are 204s with no body', async () => {
    const now = await call(w.mf, '/jobs/take?wait=0', { method: 'POST' });
    expect(now.status).toBe(204);
    expect(now.text).toBe('');
    const later = await call(w.mf, '/jobs/take?wait=300', { method: 'POST' });
    expect(later.status).toBe(204);
    expect(later.text).toBe('');
    const s = await stats(w.mf);
    expect(s.waitingPullers).toBe(0);
    expect(s.leased).toBe(0);
  });
});

describe('stream, stats: parameters', () => {
  for (const query of ['heartbeat=99', 'heartbeat=60001', 'heartbeat=', 'heartbeat=1&heartbeat=1', 'max=1']) {
    it(`GET /jobs/stream?${query} is a 400 and takes nothing`, async () => {
      await post(w.mf, { s: query });
      const answer = await call(w.mf, `/jobs/stream?${query}`);
      expect(answer.status).toBe(400);
      expect(answer.json()).toHaveProperty('error');
      expect(await drain(w.mf)).toEqual([{ s: query }]);
    });
  }

  it('GET /jobs/stats?x=1 is a 400; GET /jobs/stats has the README keys', async () => {
    expect((await call(w.mf, '/jobs/stats?x=1')).status).toBe(400);
    const s = await stats(w.mf);
    expect(Object.keys(s).sort()).toEqual(
      ['name', 'capacity', 'size', 'leased', 'closed', 'waitingPushers', 'waitingPullers'].sort(),
    );
    expect(s).toMatchObject({ name: 'jobs', capacity: 1000, closed: false });
  });
});

describe('methods and HEAD', () => {
  const cases: [string, string, string][] = [
    ['/jobs', 'GET', 'POST'],
    ['/jobs', 'HEAD', 'POST'],
    ['/jobs', 'PUT', 'POST'],
    ['/jobs', 'DELETE', 'POST'],
    ['/jobs/take', 'GET', 'POST'],
    ['/jobs/take', 'HEAD', 'POST'],
    ['/jobs/stream', 'POST', 'GET, HEAD'],
    ['/jobs/stats', 'POST', 'GET, HEAD'],
    ['/jobs/stats', 'DELETE', 'GET, HEAD'],
  ];
  for (const [path, method, allow] of cases) {
    it(`${method} ${path} is a 405 with Allow: ${allow}, and takes or stores nothing`, async () => {
      await post(w.mf, { m: method, path });
      const answer = await call(w.mf, path, { method, ...(method === 'PUT' ? { body: '{}' } : {}) });
      expect(answer.status).toBe(405);
      expect(answer.headers.get('allow')).toBe(allow);
      expect(await drain(w.mf)).toEqual([{ m: method, path }]);
    });
  }

  it('HEAD /jobs/stream answers the stream headers and takes no job, even with jobs queued', async () => {
    await post(w.mf, 'kept');
    const answer = await call(w.mf, '/jobs/stream?heartbeat=100', { method: 'HEAD' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('application/x-ndjson');
    expect(answer.text).toBe('');
    const s = await stats(w.mf);
    expect(s.size).toBe(1);
    expect(s.leased).toBe(0);
    expect(await drain(w.mf)).toEqual(['kept']);
  });

  it('HEAD /jobs/stream checks the query as GET does', async () => {
    expect((await call(w.mf, '/jobs/stream?heartbeat=5', { method: 'HEAD' })).status).toBe(400);
    expect((await call(w.mf, '/jobs/stream?bogus=1', { method: 'HEAD' })).status).toBe(400);
  });

  it('HEAD /jobs/stats is a 200 with no body', async () => {
    const answer = await call(w.mf, '/jobs/stats', { method: 'HEAD' });
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('');
  });

  it('nothing was reported as uncaught', () => {
    expect(uncaught(w.logs)).toEqual([]);
  });
});
