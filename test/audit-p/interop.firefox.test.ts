/**
 * A fresh-eyes audit of SPEC.md's "Interop" and `AbortSignal` cancellation against Firefox's own
 * platform objects (Debian's firefox-esr, headless, through Marionette — test/helpers/firefox.ts;
 * chanasync bundled from src/ as the page's global `chanasync`): a real `fetch` body into
 * `from`, a channel as a body the platform reads and compresses, a stream transferred to a
 * Worker and back, `fromEvent`'s listener removal with `capture`, and `AbortSignal.any`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FIREFOX_PATH, type FileServer, type FirefoxTab, launchFirefox, serveFiles } from '../helpers/firefox.js';

const LINES = 5_000;

describe.skipIf(!existsSync(FIREFOX_PATH))('chanasync interop in Firefox', () => {
  let firefox: FirefoxTab;
  let server: FileServer;

  beforeAll(async () => {
    const bundle = await esbuild.build({
      entryPoints: [join(import.meta.dirname, '..', '..', 'src', 'index.ts')],
      bundle: true,
      format: 'iife',
      globalName: 'chanasync',
      platform: 'browser',
      write: false,
    });
    const files = new Map([
      ['/chanasync.js', bundle.outputFiles[0]?.text ?? ''],
      [
        '/page.html',
        '<!doctype html><title>chanasync</title><div id="outer"><button id="button">go</button></div><script src="chanasync.js"></script>',
      ],
      ['/lines.json', Array.from({ length: LINES }, (_, i) => `line ${i} ✓\n`).join('')],
    ]);
    server = await serveFiles(join(import.meta.dirname, 'no-such-folder'), files);
    firefox = await launchFirefox();
    await firefox.navigate(`http://127.0.0.1:${server.port}/page.html`, 'window.chanasync');
  }, 60_000);

  afterAll(async () => {
    await firefox?.close();
    await server?.close();
  });

  test('in Firefox, a real fetch body read through from() with capacity 1 gives every character once, in order, and leaves the streams unlocked', async () => {
    const result = await firefox.run(`
      const response = await fetch('/lines.json');
      const body = response.body;
      const decoded = body.pipeThrough(new TextDecoderStream());
      let text = '';
      let chunks = 0;
      for await (const chunk of chanasync.from(decoded, { capacity: 1 })) {
        text += chunk;
        chunks++;
      }
      const expected = Array.from({ length: ${LINES} }, (_, i) => 'line ' + i + ' ✓\\n').join('');
      return { same: text === expected, chunks: chunks > 0, locked: [body.locked, decoded.locked] };
    `);
    expect(result).toEqual({ same: true, chunks: true, locked: [false, false] });
  });

  test('in Firefox, a channel read by the platform as a Response body, through CompressionStream and back, gives every line in order and leaves the channel drained', async () => {
    const result = await firefox.run(`
      const lines = new chanasync.Channel(2);
      const producing = (async () => {
        for (let i = 0; i < 500; i++) await lines.push(i + '\\n');
        lines.close();
      })();
      const body = chanasync.toReadableStream(lines)
        .pipeThrough(new TextEncoderStream())
        .pipeThrough(new CompressionStream('gzip'))
        .pipeThrough(new DecompressionStream('gzip'));
      const text = await new Response(body).text();
      await producing;
      return { same: text === Array.from({ length: 500 }, (_, i) => i + '\\n').join(''), stats: lines.stats() };
    `);
    expect(result.same).toBe(true);
    expect(result.stats).toMatchObject({ size: 0, closed: true, waitingPushers: 0, waitingPullers: 0 });
  });

  test('in Firefox, reader.cancel(reason) mid-stream consumes nothing more and leaves the channel open, unparked, with the rest in it', async () => {
    const result = await firefox.run(`
      const channel = new chanasync.Channel(Infinity);
      for (let i = 0; i < 5; i++) channel.pushNowait(i);
      const stream = chanasync.toReadableStream(channel);
      const reader = stream.getReader();
      const first = [(await reader.read()).value, (await reader.read()).value];
      const pending = reader.read();
      await reader.cancel(new Error('enough'));
      const cancelledRead = await pending;
      reader.releaseLock();
      await new Promise((resolve) => setTimeout(resolve, 10));
      return { first, cancelledRead, rest: await channel.pullMany(10), closed: channel.closed, stats: channel.stats(), locked: stream.locked };
    `);
    // The third read was pending when the cancel came: either it got the value (and the channel
    // lost it to that read) or it ended; whichever, nothing is lost or duplicated.
    const got = result.cancelledRead.done ? [] : [result.cancelledRead.value];
    expect([...result.first, ...got, ...result.rest]).toEqual([0, 1, 2, 3, 4]);
    expect(result).toMatchObject({ closed: false, locked: false });
    expect(result.stats).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
  });

  test('in Firefox, a channel streamed to a Worker (transferred) and a stream transferred back read with from() gives every value once, in order, and the close reason crosses as the error', async () => {
    const result = await firefox.run(`
      const source = \`onmessage = async ({ data }) => {
        const { readable, writable } = new TransformStream({ transform(v, c) { c.enqueue(v * 2); } });
        postMessage(readable, [readable]);
        await data.pipeTo(writable).catch(() => {});
      };\`;
      const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
      const channel = new chanasync.Channel(4);
      const stream = chanasync.toReadableStream(channel);
      worker.postMessage(stream, [stream]);
      const back = await new Promise((resolve) => { worker.onmessage = ({ data }) => resolve(data); });
      const producing = (async () => {
        for (let i = 0; i < 100; i++) await channel.push(i);
        channel.close(new TypeError('no more'));
      })();
      const values = [];
      let error = 'none';
      try {
        for await (const v of chanasync.from(back, { capacity: 2 })) values.push(v);
      } catch (e) {
        error = e.name + ': ' + e.message;
      }
      await producing;
      worker.terminate();
      return { every: values.length === 100 && values.every((v, i) => v === i * 2), error, locked: back.locked, stats: channel.stats() };
    `);
    expect(result).toMatchObject({ every: true, error: 'TypeError: no more', locked: false });
    expect(result.stats).toMatchObject({ size: 0, waitingPullers: 0, waitingPushers: 0 });
  });

  test('in Firefox, fromEvent with capture removes its capturing listener on close and on abort, and a once channel closes after its event', async () => {
    const result = await firefox.run(`
      const outer = document.getElementById('outer');
      const button = document.getElementById('button');
      const calls = [];
      const add = EventTarget.prototype.addEventListener;
      const remove = EventTarget.prototype.removeEventListener;
      // Count what the platform holds: a listener added and removed with different capture
      // flags would stay registered.
      const live = new Set();
      const key = (type, listener, options) => type + '|' + !!(typeof options === 'boolean' ? options : options?.capture);
      outer.addEventListener = function (type, listener, options) { live.add(key(type, listener, options)); calls.push('add ' + key(type, listener, options)); return add.call(this, type, listener, options); };
      outer.removeEventListener = function (type, listener, options) { live.delete(key(type, listener, options)); calls.push('remove ' + key(type, listener, options)); return remove.call(this, type, listener, options); };
      const controller = new AbortController();
      const captured = chanasync.fromEvent(outer, 'click', { capacity: 8, overflow: 'block', listenerOptions: { capture: true } });
      const aborted = chanasync.fromEvent(outer, 'focusin', { signal: controller.signal, listenerOptions: { capture: true } });
      const once = chanasync.fromEvent(outer, 'custom', { listenerOptions: { once: true } });
      button.click();
      button.click();
      outer.dispatchEvent(new Event('custom'));
      outer.dispatchEvent(new Event('custom'));
      const first = await captured.pull();
      const second = await captured.pull();
      const onceEvent = await once.pull();
      captured.close();
      controller.abort();
      button.click();
      return {
        got: [first.type, second.type, onceEvent.type, first.target.id],
        closed: [captured.closed, aborted.closed, once.closed],
        sizes: [captured.size, aborted.size, once.size],
        live: [...live],
      };
    `);
    expect(result).toEqual({
      got: ['click', 'click', 'custom', 'button'],
      closed: [true, true, true],
      sizes: [0, 0, 0],
      live: [],
    });
  });

  test('in Firefox, every operation given AbortSignal.any([controller, timeout]) rejects with the reason of the first to abort and leaves nothing parked; timer and source channels close', async () => {
    const result = await firefox.run(`
      const { Channel, after, ticker, from, select, pull } = chanasync;
      const reasons = [];
      const full = new Channel(1);
      full.pushNowait(0);
      const empty = new Channel();
      const run = async (label, op) => {
        const user = new AbortController();
        const signal = AbortSignal.any([user.signal, AbortSignal.timeout(1000)]);
        setTimeout(() => user.abort(new SyntaxError(label)), 5);
        await op(signal).then(() => reasons.push(label + ': resolved'), (e) => reasons.push(label + ': ' + e.name + ' ' + e.message));
      };
      await run('push', (signal) => full.push(1, { signal }));
      await run('pull', (signal) => empty.pull({ signal }));
      await run('pullMany', (signal) => empty.pullMany(3, { signal }));
      await run('pushAll', (signal) => full.pushAll([1, 2], { signal }));
      await run('select', (signal) => select([pull(empty)], { signal }));
      const timedOut = await empty.pull({ signal: AbortSignal.any([new AbortController().signal, AbortSignal.timeout(10)]) })
        .then(() => 'resolved', (e) => e.name);
      const channels = [
        after(10000, { signal: AbortSignal.timeout(10) }),
        ticker(10000, { signal: AbortSignal.timeout(10) }),
        from((async function* () { await new Promise(() => {}); yield 1; })(), { signal: AbortSignal.timeout(10) }),
      ];
      const timers = await Promise.all(channels.map((c) => c.pull().then((v) => 'value ' + v, (e) => e.name)));
      return { reasons, timedOut, timers, closed: channels.map((c) => c.closed), full: full.stats(), empty: empty.stats() };
    `);
    expect(result.reasons).toEqual([
      'push: SyntaxError push',
      'pull: SyntaxError pull',
      'pullMany: SyntaxError pullMany',
      'pushAll: SyntaxError pushAll',
      'select: SyntaxError select',
    ]);
    expect(result.timedOut).toBe('TimeoutError');
    expect(result.timers).toEqual(['ChannelClosedError', 'ChannelClosedError', 'ChannelClosedError']);
    expect(result.closed).toEqual([true, true, true]);
    expect(result.full).toMatchObject({ size: 1, waitingPushers: 0, waitingPullers: 0 });
    expect(result.empty).toMatchObject({ size: 0, waitingPushers: 0, waitingPullers: 0 });
  });
  test('in Firefox, a stream transferred to a Worker is read one value ahead by the platform’s cross-realm pipe: a cancel from the Worker loses that one, and the rest stays in the channel', async () => {
    const result = await firefox.run(`
      const source = \`onmessage = async ({ data }) => {
        if (data === 'cancel') { await self.stream.cancel('worker done'); postMessage('cancelled'); return; }
        if (data === 'read') { const reader = self.stream.getReader(); const { value } = await reader.read(); reader.releaseLock(); postMessage(value); return; }
        self.stream = data;
        postMessage('ready');
      };\`;
      const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
      const answer = () => new Promise((resolve) => { worker.onmessage = ({ data }) => resolve(data); });
      const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
      const channel = new chanasync.Channel(Infinity);
      for (let i = 0; i < 5; i++) channel.pushNowait(i);
      const stream = chanasync.toReadableStream(channel);
      worker.postMessage(stream, [stream]);
      await answer();
      await settle();
      const sizeUnread = channel.size;
      worker.postMessage('read');
      const read = await answer();
      await settle();
      const sizeAfterRead = channel.size;
      worker.postMessage('cancel');
      await answer();
      await settle();
      worker.terminate();
      return { sizeUnread, read, sizeAfterRead, rest: channel.tryPull(), parked: channel.stats().waitingPullers, closed: channel.closed };
    `);
    expect(result).toEqual({ sizeUnread: 4, read: 0, sizeAfterRead: 3, rest: 2, parked: 0, closed: false });
  });
});
