/**
 * web-platform-tests in Firefox (Marionette), where the platform has what Chromium 156 lacks:
 * streams/readable-streams/from.any.js — ReadableStream.from and Channel.from read the same
 * sources to the same values and fail the same way — and dom/abort/AbortSignal.any.js's
 * order of abort events, against an operation parked with a dependent signal.
 * (Translated, not copied.)
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bundleSource, type FileServer, type FirefoxTab, launchFirefox, serveFiles } from '../helpers/firefox.js';

let server: FileServer;
let firefox: FirefoxTab;

beforeAll(async () => {
  const lib = await bundleSource("export * from './src/index.js';");
  server = await serveFiles(join(import.meta.dirname, '..', 'port'), new Map([['/lib.js', lib]]));
  firefox = await launchFirefox();
  await firefox.navigate(`http://127.0.0.1:${server.port}/page.html`, 'window.ready === true');
}, 60_000);

afterAll(async () => {
  await firefox?.close();
  await server?.close();
});

describe('streams/readable-streams/from.any.js parity (Firefox)', () => {
  test('ReadableStream.from accepts each WPT source: Channel.from reads the same values', async () => {
    const out = await firefox.run(`
      const { Channel } = await import(location.origin + '/lib.js');
      const makers = {
        'an array of values': () => ['a', 'b'],
        'an array of promises': () => [Promise.resolve('a'), Promise.resolve('b')],
        'a string': () => 'a😀',
        'a Set': () => new Set(['a', 'b']),
        'a sync generator': () => (function* () { yield 'a'; yield 'b'; })(),
        'an async generator': () => (async function* () { yield 'a'; yield 'b'; })(),
        'a sync iterable of promises': () => { const c = ['a', 'b']; const it = { next: () => c.length === 0 ? { done: true } : { done: false, value: Promise.resolve(c.shift()) }, [Symbol.iterator]: () => it }; return it; },
        'an async iterable': () => { const c = ['a', 'b']; const it = { next: () => Promise.resolve({ done: c.length === 0, value: c.shift() }), [Symbol.asyncIterator]: () => it }; return it; },
        'a null @@asyncIterator': () => ({ [Symbol.asyncIterator]: null, *[Symbol.iterator]() { yield Promise.resolve('a'); yield 'b'; } }),
        'a ReadableStream': () => new ReadableStream({ start(c) { c.enqueue('a'); c.enqueue('b'); c.close(); } }),
      };
      const read = async (iterable) => { const out = []; try { for await (const v of iterable) out.push(v); } catch (e) { out.push('error: ' + (e && e.name)); } return out; };
      const result = {};
      for (const [label, make] of Object.entries(makers)) {
        let stream;
        try { stream = await read(ReadableStream.from(make())); } catch (e) { stream = ['throws: ' + e.name]; }
        let channel;
        try { channel = await read(Channel.from(make())); } catch (e) { channel = ['throws: ' + e.name]; }
        result[label] = { stream, channel };
      }
      return result;
    `);
    for (const [label, { stream, channel }] of Object.entries(
      out as Record<string, { stream: unknown; channel: unknown }>,
    )) {
      expect(channel, label).toEqual(stream);
    }
  });

  test('ReadableStream.from throws on invalid iterables: Channel.from throws the same TypeErrors', async () => {
    const out = await firefox.run(`
      const { Channel } = await import(location.origin + '/lib.js');
      const bad = [null, undefined, 0, NaN, true, {}, Object.create(null), () => 42, Symbol(), { [Symbol.iterator]: 42 }, { [Symbol.asyncIterator]: 42 }];
      return bad.map((b) => {
        const name = (f) => { try { f(); return 'no throw'; } catch (e) { return e.name; } };
        return [name(() => ReadableStream.from(b)), name(() => Channel.from(b))];
      });
    `);
    for (const [stream, channel] of out as [string, string][]) {
      expect(stream).toBe('TypeError');
      expect(channel).toBe('TypeError');
    }
  });

  test('ReadableStream.from: stream errors when next() returns a non-object; Channel.from closes with a TypeError', async () => {
    const out = await firefox.run(`
      const { Channel } = await import(location.origin + '/lib.js');
      const make = () => { const it = { next: async () => 42, [Symbol.asyncIterator]: () => it }; return it; };
      const viaStream = await ReadableStream.from(make()).getReader().read().then(() => 'read', (e) => e.name);
      const viaChannel = await Channel.from(make()).pull().then(() => 'pulled', (e) => e.cause && e.cause.name);
      return { viaStream, viaChannel };
    `);
    expect(out).toEqual({ viaStream: 'TypeError', viaChannel: 'TypeError' });
  });

  test('ReadableStream.from over a channel: cancelling during a read withdraws the pull, the channel stays open', async () => {
    const out = await firefox.run(`
      const { Channel } = await import(location.origin + '/lib.js');
      const channel = new Channel();
      const reader = ReadableStream.from(channel).getReader();
      const read = reader.read();
      for (let i = 0; i < 50 && channel.stats().waitingPullers === 0; i++) await new Promise((r) => setTimeout(r, 5));
      const before = channel.stats().waitingPullers;
      await reader.cancel('bye');
      const result = await read;
      for (let i = 0; i < 50 && channel.stats().waitingPullers !== 0; i++) await new Promise((r) => setTimeout(r, 5));
      return { before, result, after: channel.stats().waitingPullers, tryPush: channel.tryPush('x'), closed: channel.closed };
    `);
    expect(out).toEqual({ before: 1, result: { done: true, value: null }, after: 0, tryPush: false, closed: false });
  });
});

describe('dom/abort/AbortSignal.any.js (Firefox)', () => {
  test('Abort events for AbortSignal.any() signals fire in the right order; a dependent operation takes nothing from an earlier listener', async () => {
    const out = await firefox.run(`
      const { Channel } = await import(location.origin + '/lib.js');
      const controller = new AbortController();
      const dependent = AbortSignal.any([controller.signal]);
      const order = [];
      const channel = new Channel();
      controller.signal.addEventListener('abort', () => {
        order.push('source:' + dependent.aborted);
        order.push('tryPush:' + channel.tryPush('x'));
      });
      dependent.addEventListener('abort', () => order.push('dependent'));
      const pulled = channel.pull({ signal: dependent });
      controller.abort();
      const result = await pulled.then((v) => 'resolved ' + v, (e) => 'rejected ' + e.name);
      return { order, result };
    `);
    const { order, result } = out as { order: string[]; result: string };
    // Whatever Firefox's order, chanasync's rule: a signal that reads aborted takes nothing.
    if (order[0] === 'source:true')
      expect(out).toEqual({ order: ['source:true', 'tryPush:false', 'dependent'], result: 'rejected AbortError' });
    else expect(result).toBe('resolved x');
  });
});
