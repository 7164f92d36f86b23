/**
 * Audit AK: web-platform-tests' workers/ expectations (dedicated and shared Workers,
 * terminate(), close(), messageerror) and the window/iframe ones of webmessaging/ (origins,
 * removed and reloaded frames, sandboxed frames), translated into what chanasync/port's
 * contract says a stream over the same transport must do. Headless Chromium; workers are
 * module blob scripts that import chanasync as `lib` (window.spawnScript). Each describe names
 * the WPT file, each test the WPT test; nothing of WPT's code is copied.
 */
import { describe, expect, test } from 'vitest';
import { usePortPages } from '../helpers/port-pages.js';
import { openPage } from './ak-helpers.js';

const pages = usePortPages();

/** A worker script: streams its input "in" back as "out", each value mapped by `map`. */
const ECHO = (map: string) => `
  const input = lib.fromPort(self, { name: 'in', capacity: 4 });
  const output = new lib.Channel(4);
  const done = lib.toPort(output, self, { name: 'out' });
  for await (const value of input) await output.push((${map})(value));
  output.close();
  await done;
`;

// workers/constructors/Worker/terminate.html
describe('workers/constructors/Worker/terminate.html', () => {
  test('terminate() on a receiving worker: toPort settles, every pulled value sent or undelivered', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      const { worker } = window.spawnScript(`lib.fromPort(self, { capacity: 4 }); postMessage({ report: 'ready' });`);
      await window.nextReport(worker);
      const local = new Channel(16);
      await local.pushAll(Array.from({ length: 16 }, (_, i) => i));
      const sending = toPort(local, worker);
      await window.until(() => local.size === 12);
      worker.terminate();
      const result = await window.within(sending, 20_000, 'toPort settles after terminate');
      return { sent: result.sent, undelivered: result.undelivered, left: local.size };
    });
    expect(result.sent + result.undelivered.length).toBe(4);
    expect(result.left).toBe(12);
    expect(result.undelivered).toEqual(Array.from({ length: result.undelivered.length }, (_, i) => result.sent + i));
  });

  test('terminate() on a sending worker: the page channel keeps the order and closes with a ChannelError (gone)', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { fromPort } = window.lib;
      const { worker } = window.spawnScript(`
        const out = new lib.Channel(0);
        void lib.toPort(out, self);
        for (let i = 0; ; i++) await out.push(i);
      `);
      const remote = fromPort(worker, { capacity: 2 });
      const first = [await remote.pull(), await remote.pull(), await remote.pull()];
      worker.terminate();
      const rest = await window.within(window.drain(remote), 20_000, 'remote closes after terminate');
      return { first, rest };
    });
    expect(result.first).toEqual([0, 1, 2]);
    expect(result.rest.values).toEqual(Array.from({ length: result.rest.values.length }, (_, i) => i + 3));
    expect(result.rest.error).toMatchObject({ name: 'ChannelError' });
    expect(result.rest.error.message).toMatch(/gone/);
  });
});

// workers/Worker-terminate-forever-during-evaluation.html
describe('workers/Worker-terminate-forever-during-evaluation.html', () => {
  test('a worker that never finishes evaluating never answers: toPort pulls nothing from the page channel', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      const worker = new Worker(window.script('for (;;) {}'), { type: 'module' });
      const local = new Channel(4);
      await local.pushAll([1, 2, 3]);
      void toPort(local, worker);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const size = local.size;
      worker.terminate();
      return { size };
    });
    expect(result.size).toBe(3);
  });
});

// workers/interfaces/WorkerGlobalScope/close/incoming-message.html
describe('workers/interfaces/WorkerGlobalScope/close/incoming-message.html', () => {
  test('a worker that calls close() mid-stream takes no more values: toPort settles with all pulled values accounted for', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      const { worker } = window.spawnScript(`
        const input = lib.fromPort(self, { capacity: 1 });
        let n = 0;
        for await (const value of input) {
          postMessage({ report: value });
          if (++n === 3) close();
        }
      `);
      const reported: unknown[] = [];
      worker.addEventListener('message', (event) => {
        if (event.data?.report !== undefined) reported.push(event.data.report);
      });
      const local = new Channel(20);
      await local.pushAll(Array.from({ length: 20 }, (_, i) => i));
      local.close();
      const result = await window.within(toPort(local, worker), 20_000, 'toPort settles after close()');
      return { sent: result.sent, undelivered: result.undelivered.length, left: local.size, reported };
    });
    expect(result.reported.slice(0, 3)).toEqual([0, 1, 2]);
    expect(result.sent).toBeGreaterThanOrEqual(3);
    expect(result.sent + result.undelivered + result.left).toBe(20);
  });
});

// workers/Worker-postMessage-happens-in-parallel.html, workers/Worker-creation-happens-in-parallel.html
describe('workers/Worker-postMessage-happens-in-parallel.html', () => {
  test('a stream started before the worker has loaded gets every value through, in order', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async (code) => {
      const { Channel, fromPort, toPort } = window.lib;
      const { worker } = window.spawnScript(code);
      const local = new Channel(64);
      const sending = toPort(local, worker, { name: 'in' });
      const back = window.drain(fromPort(worker, { name: 'out', capacity: 8 }));
      for (let i = 0; i < 50; i++) local.tryPush(i);
      local.close();
      const got = await window.within(back, 20_000, 'echo');
      worker.terminate();
      return { got, result: await sending };
    }, ECHO('(n) => n * n'));
    expect(result.got).toEqual({ values: Array.from({ length: 50 }, (_, i) => i * i), error: null });
    expect(result.result).toEqual({ sent: 50, undelivered: [] });
  });
});

// workers/semantics/structured-clone/dedicated.html (and its *.sub.html cases)
describe('workers/semantics/structured-clone/dedicated.html', () => {
  test('values of every cloneable kind make the round trip page → worker → page intact', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async (code) => {
      const { Channel, fromPort, toPort } = window.lib;
      const { worker } = window.spawnScript(code);
      const values = [
        null,
        undefined,
        true,
        -0,
        'string',
        10n,
        new Date(5),
        /re/g,
        new Map([['k', 1]]),
        new Set(['s']),
        [1, [2]],
        { nested: { deep: 1 } },
        new Uint16Array([1, 2]),
        new Blob(['b']),
        new Error('as a value'),
      ];
      const local = new Channel(4);
      const sending = toPort(local, worker, { name: 'in' });
      const back = window.drain(fromPort(worker, { name: 'out', capacity: 4 }));
      for (const value of values) await local.push(value);
      local.close();
      const got = (await window.within(back, 20_000, 'echo')).values;
      worker.terminate();
      await sending;
      return [
        got.length,
        got[0],
        got[1],
        got[2],
        Object.is(got[3], -0),
        got[4],
        got[5] === 10n,
        got[6].getTime(),
        got[7].source,
        got[8].get('k'),
        got[9].has('s'),
        JSON.stringify(got[10]),
        got[11].nested.deep,
        [...got[12]],
        await got[13].text(),
        got[14] instanceof Error && got[14].message,
      ];
    }, ECHO('(v) => v'));
    expect(result).toEqual([
      15,
      null,
      undefined,
      true,
      true,
      'string',
      true,
      5,
      're',
      1,
      true,
      '[1,[2]]',
      1,
      [1, 2],
      'b',
      'as a value',
    ]);
  });

  test('a WebAssembly.Module streamed to a dedicated worker of the same agent cluster arrives as a module', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      const { worker } = window.spawnScript(`
        const input = lib.fromPort(self, { capacity: 1 });
        const value = await input.pull();
        postMessage({ report: value instanceof WebAssembly.Module });
      `);
      const local = new Channel(1);
      const sending = toPort(local, worker);
      await local.push(new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])));
      local.close();
      const report = await window.within(window.nextReport(worker), 20_000, 'report');
      worker.terminate();
      return { report, result: await window.within(window.settle(sending), 20_000, 'toPort') };
    });
    expect(result.report).toBe(true);
    expect(result.result.value ?? result.result.error).toMatchObject({ sent: 1 });
  });
});

// workers/Worker-multi-port.html, webmessaging/with-ports/010.html
describe('workers/Worker-multi-port.html', () => {
  test('two MessagePorts transferred to one worker carry two streams that stay apart', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, fromPort, toPort } = window.lib;
      const { worker } = window.spawnScript(`
        addEventListener('message', async (event) => {
          for (const port of event.ports) {
            void (async () => {
              const input = lib.fromPort(port, { capacity: 2 });
              const output = new lib.Channel(2);
              const done = lib.toPort(output, port, { name: 'back' });
              for await (const value of input) await output.push(event.data.tag + value);
              output.close();
              await done;
            })();
          }
        });
      `);
      const a = new MessageChannel();
      const b = new MessageChannel();
      worker.postMessage({ tag: 'x' }, [a.port2]);
      worker.postMessage({ tag: 'y' }, [b.port2]);
      const one = new Channel(2);
      const two = new Channel(2);
      const sendingOne = toPort(one, a.port1);
      const sendingTwo = toPort(two, b.port1);
      const backOne = window.drain(fromPort(a.port1, { name: 'back', capacity: 2 }));
      const backTwo = window.drain(fromPort(b.port1, { name: 'back', capacity: 2 }));
      for (let i = 0; i < 5; i++) {
        await one.push(i);
        await two.push(i * 10);
      }
      one.close();
      two.close();
      const got = [await window.within(backOne, 20_000, 'one'), await window.within(backTwo, 20_000, 'two')];
      const results = [await sendingOne, await sendingTwo];
      worker.terminate();
      return { got, results };
    });
    expect(result.got[0]).toEqual({ values: ['x0', 'x1', 'x2', 'x3', 'x4'], error: null });
    expect(result.got[1]).toEqual({ values: ['y0', 'y10', 'y20', 'y30', 'y40'], error: null });
    expect(result.results).toEqual([
      { sent: 5, undelivered: [] },
      { sent: 5, undelivered: [] },
    ]);
  });
});

// workers/semantics/multiple-workers/001.html
describe('workers/semantics/multiple-workers/001.html', () => {
  test('one page, two workers, a stream of the same name to each: each worker gets only its own values', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async (code) => {
      const { Channel, fromPort, toPort } = window.lib;
      const workers = [window.spawnScript(code).worker, window.spawnScript(code).worker];
      const outcomes = await Promise.all(
        workers.map(async (worker, w) => {
          const local = new Channel(2);
          const sending = toPort(local, worker, { name: 'in' });
          const back = window.drain(fromPort(worker, { name: 'out', capacity: 2 }));
          for (let i = 0; i < 6; i++) await local.push(`${w}:${i}`);
          local.close();
          const got = await window.within(back, 20_000, `worker ${w}`);
          return { got: got.values, result: await sending };
        }),
      );
      for (const worker of workers) worker.terminate();
      return outcomes;
    }, ECHO('(v) => v'));
    expect(result[0]?.got).toEqual(['0:0', '0:1', '0:2', '0:3', '0:4', '0:5']);
    expect(result[1]?.got).toEqual(['1:0', '1:1', '1:2', '1:3', '1:4', '1:5']);
  });
});

// webmessaging/Transferred_objects_unusable.htm, with a dedicated worker as the other side
describe('webmessaging/Transferred_objects_unusable.htm (to a worker)', () => {
  test('ArrayBuffers transferred to a worker arrive whole and are detached in the page', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      const { worker } = window.spawnScript(`
        let total = 0;
        for await (const buffer of lib.fromPort(self, { capacity: 2 })) total += new Uint8Array(buffer).reduce((a, b) => a + b, 0);
        postMessage({ report: total });
      `);
      const buffers = Array.from({ length: 8 }, (_, i) => new Uint8Array(1024).fill(i).buffer);
      const local = new Channel(2);
      const sending = toPort(local, worker, { transfer: (buffer: ArrayBuffer) => [buffer] });
      const report = window.nextReport(worker);
      for (const buffer of buffers) await local.push(buffer);
      local.close();
      const total = await window.within(report, 20_000, 'total');
      worker.terminate();
      return { total, detached: buffers.every((b) => b.byteLength === 0), result: await sending };
    });
    expect(result).toEqual({ total: 1024 * 28, detached: true, result: { sent: 8, undelivered: [] } });
  });
});

// workers/postMessage_block.https.html (a worker whose event loop is busy for a while)
describe('workers/postMessage_block.https.html', () => {
  test('a worker that blocks its event loop for 2 s (under the 5 s heartbeat) is not taken for dead', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      const { worker } = window.spawnScript(`
        const got = [];
        for await (const value of lib.fromPort(self, { capacity: 1 })) {
          got.push(value);
          if (value === 2) { const end = Date.now() + 2000; while (Date.now() < end) {} }
        }
        postMessage({ report: got });
      `);
      const local = new Channel(0);
      const sending = toPort(local, worker);
      const report = window.nextReport(worker);
      for (let i = 0; i < 6; i++) await local.push(i);
      local.close();
      const got = await window.within(report, 20_000, 'report');
      worker.terminate();
      return { got, result: await sending };
    });
    expect(result).toEqual({ got: [0, 1, 2, 3, 4, 5], result: { sent: 6, undelivered: [] } });
  });
});

// workers/interfaces/SharedWorkerGlobalScope/onconnect.html, workers/constructors/SharedWorker/*
describe('workers/interfaces/SharedWorkerGlobalScope/onconnect.html', () => {
  const SUMS = `
    addEventListener('connect', async (event) => {
      const port = event.ports[0];
      const numbers = lib.fromPort(port, { name: 'numbers', capacity: 4 });
      const sums = new lib.Channel(4);
      const done = lib.toPort(sums, port, { name: 'sums' });
      let sum = 0;
      for await (const n of numbers) await sums.push((sum += n));
      sums.close();
      await done;
    });
  `;

  test('a stream to a SharedWorker port and back: running sums arrive in order', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async (code) => {
      const { Channel, fromPort, toPort } = window.lib;
      const shared = new SharedWorker(window.script(code), { type: 'module' });
      const local = new Channel(4);
      const sending = toPort(local, shared.port, { name: 'numbers' });
      const back = window.drain(fromPort(shared.port, { name: 'sums', capacity: 4 }));
      for (let i = 1; i <= 10; i++) await local.push(i);
      local.close();
      return { got: await window.within(back, 20_000, 'sums'), result: await sending };
    }, SUMS);
    expect(result.got).toEqual({ values: [1, 3, 6, 10, 15, 21, 28, 36, 45, 55], error: null });
    expect(result.result).toEqual({ sent: 10, undelivered: [] });
  });

  test('two connections to one SharedWorker, a stream of the same name on each: each gets its own sums', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async (code) => {
      const { Channel, fromPort, toPort } = window.lib;
      const url = window.script(code);
      const connections = [new SharedWorker(url, { type: 'module' }), new SharedWorker(url, { type: 'module' })];
      return Promise.all(
        connections.map(async (shared, c) => {
          const local = new Channel(2);
          const sending = toPort(local, shared.port, { name: 'numbers' });
          const back = window.drain(fromPort(shared.port, { name: 'sums', capacity: 2 }));
          for (let i = 0; i < 4; i++) await local.push(c === 0 ? 1 : 100);
          local.close();
          return { got: (await window.within(back, 20_000, `connection ${c}`)).values, result: await sending };
        }),
      );
    }, SUMS);
    expect(result[0]?.got).toEqual([1, 2, 3, 4]);
    expect(result[1]?.got).toEqual([100, 200, 300, 400]);
  });
});

// webmessaging/messageerror.html (a message the receiving side cannot deserialize)
describe('webmessaging/messageerror.html', () => {
  test('a WebAssembly.Module sent to a SharedWorker: messageerror there, toPort rejects, the values before it arrive', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      const shared = new SharedWorker(
        window.script(`
          addEventListener('connect', async (event) => {
            const port = event.ports[0];
            const values = [];
            let error = null;
            try {
              for await (const value of lib.fromPort(port, { capacity: 1 })) values.push(value);
            } catch (e) {
              error = { name: e?.name, message: e?.message };
            }
            port.postMessage({ report: { values, error } });
          });
        `),
        { type: 'module' },
      );
      const report = window.nextReport(shared.port);
      const local = new Channel(0);
      const sending = window.settle(toPort(local, shared.port));
      await local.push('a');
      await local.push('b');
      void local.push(new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])));
      const outcome = await window.within(sending, 20_000, 'toPort settles');
      return { outcome, report: await window.within(report, 20_000, 'report') };
    });
    expect(result.report.values).toEqual(['a', 'b']);
    expect(result.report.error).toMatchObject({ name: 'ChannelError' });
    expect(result.outcome.error).toMatchObject({ name: 'TypeError', sent: 2 });
    expect(result.outcome.error.undelivered).toHaveLength(1);
  });
});

// webmessaging/event.origin.sub.htm, postMessage_origin_mismatch_xorigin.sub.htm,
// postMessage_asterisk_xorigin.sub.htm, postMessage_origin_mismatch.sub.htm,
// postMessage_invalid_targetOrigin.htm, postMessage_solidus_sorigin.htm
describe('webmessaging/event.origin.sub.htm and the targetOrigin tests', () => {
  test('event.origin.sub.htm: a cross-origin frame that names the page origin receives every value in order', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      const frame = await window.frameOn('localhost', `mode=receive&origin=${encodeURIComponent(location.origin)}`);
      const report = window.nextReport(window);
      const local = new Channel(4);
      const sending = toPort(local, frame.contentWindow, { name: 'in' });
      for (let i = 0; i < 12; i++) await local.push(i);
      local.close(new RangeError('done'));
      const got = await window.within(report, 20_000, 'frame report');
      return { got, result: await sending };
    });
    expect(result.got.values).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(result.got.error).toEqual({ name: 'RangeError', message: 'done' });
    expect(result.got.origin).toMatch(/^http:\/\/localhost:/);
    expect(result.result).toEqual({ sent: 12, undelivered: [] });
  });

  test('postMessage_origin_mismatch_xorigin.sub.htm: a frame expecting another origin takes nothing, and nothing is pulled', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      const frame = await window.frameOn(
        'localhost',
        `mode=receive&origin=${encodeURIComponent('http://example.invalid')}`,
      );
      const local = new Channel(4);
      await local.pushAll([1, 2, 3]);
      const sending = toPort(local, frame.contentWindow, { name: 'in' });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const size = local.size;
      frame.remove();
      const result = await window.within(sending, 10_000, 'toPort after removal');
      return { size, result, left: local.size };
    });
    expect(result).toEqual({ size: 3, result: { sent: 0, undelivered: [] }, left: 3 });
  });

  test('event.origin.htm: origins written as URLs (upper-case scheme, a path) are read as their origin on both sides', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      const written = `${location.origin.replace('http', 'HTTP')}/some/path?q=1`;
      const frame = await window.frameOn('localhost', `mode=receive&origin=${encodeURIComponent(written)}`);
      const report = window.nextReport(window);
      const local = new Channel(2);
      const target = `http://localhost:${location.port}/frame.html#anything`;
      const sending = toPort(local, frame.contentWindow, { name: 'in', origin: target });
      await local.pushAll(['p', 'q']);
      local.close();
      return {
        got: await window.within(report, 20_000, 'report'),
        result: await window.within(sending, 20_000, 'toPort'),
      };
    });
    expect(result.got.values).toEqual(['p', 'q']);
    expect(result.result).toEqual({ sent: 2, undelivered: [] });
  });

  test("postMessage_asterisk_xorigin.sub.htm: a frame with origin '*' receives from the page", async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      const frame = await window.frameOn('localhost', 'mode=receive&origin=*');
      const report = window.nextReport(window);
      const local = new Channel(2);
      const sending = toPort(local, frame.contentWindow, { name: 'in' });
      await local.pushAll(['x', 'y']);
      local.close();
      return { got: await window.within(report, 20_000, 'report'), result: await sending };
    });
    expect(result.got.values).toEqual(['x', 'y']);
    expect(result.result).toEqual({ sent: 2, undelivered: [] });
  });

  test('postMessage_origin_mismatch.sub.htm: values posted to a pinned origin the frame is not on are never counted as sent', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      const frame = await window.frameOn('127.0.0.1', `mode=receive&origin=${encodeURIComponent(location.origin)}`);
      const reports: unknown[] = [];
      addEventListener('message', (event) => {
        if (event.data?.report !== undefined) reports.push(event.data.report);
      });
      const local = new Channel(8);
      await local.pushAll([1, 2, 3, 4]);
      local.close();
      const sending = toPort(local, frame.contentWindow, { name: 'in', origin: 'http://example.invalid' });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      frame.remove();
      const result = await window.within(sending, 10_000, 'toPort after removal');
      return { sent: result.sent, undelivered: result.undelivered, left: local.size, reports };
    });
    expect(result.sent).toBe(0);
    expect(result.reports).toEqual([]);
    expect(result.undelivered.length + result.left).toBe(4);
  });

  test("postMessage_invalid_targetOrigin.htm: an origin that is neither '*' nor a URL rejects toPort with a TypeError, pulling nothing", async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      const frame = await window.frameOn('127.0.0.1', `origin=${encodeURIComponent(location.origin)}`);
      const local = new Channel(1);
      await local.push(1);
      const outcome = await window.within(
        window.settle(toPort(local, frame.contentWindow, { name: 'in', origin: 'not a url' })),
        10_000,
        'toPort',
      );
      frame.remove();
      return { outcome, left: local.size };
    });
    expect(result.outcome.error).toMatchObject({ name: 'TypeError' });
    expect(result.left).toBe(1);
  });

  test("postMessage_solidus_sorigin.htm: origin '/' means the page's own origin, and a same-origin frame receives", async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      const frame = await window.frameOn('127.0.0.1', `mode=receive&origin=${encodeURIComponent(location.origin)}`);
      const report = window.nextReport(window);
      const local = new Channel(2);
      const sending = toPort(local, frame.contentWindow, { name: 'in', origin: '/' });
      await local.pushAll(['same', 'origin']);
      local.close();
      return {
        got: await window.within(report, 20_000, 'report'),
        result: await window.within(sending, 20_000, 'toPort'),
      };
    });
    expect(result.got.values).toEqual(['same', 'origin']);
    expect(result.result).toEqual({ sent: 2, undelivered: [] });
  });
});

// webmessaging/postMessage-to-target-not-fully-active-on-reload.html, and a removed iframe
describe('webmessaging/postMessage-to-target-not-fully-active-on-reload.html', () => {
  test('a frame removed mid-stream: toPort settles within seconds, every pulled value accounted for', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      const frame = await window.frameOn('127.0.0.1', `origin=${encodeURIComponent(location.origin)}`);
      const local = new Channel(32);
      await local.pushAll(Array.from({ length: 32 }, (_, i) => i));
      const sending = toPort(local, frame.contentWindow, { name: 'in' });
      await window.until(() => local.size < 32);
      frame.remove();
      const started = performance.now();
      const result = await window.within(sending, 10_000, 'toPort after removal');
      return { sent: result.sent, undelivered: result.undelivered, left: local.size, ms: performance.now() - started };
    });
    expect(result.sent + result.undelivered.length + result.left).toBe(32);
    expect(result.undelivered).toEqual(Array.from({ length: result.undelivered.length }, (_, i) => result.sent + i));
    expect(result.ms).toBeLessThan(8000);
  });

  test('a sending frame removed mid-stream: the page channel closes with a ChannelError (gone), values in order', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { fromPort } = window.lib;
      const frame = await window.frameOn('127.0.0.1', 'mode=send');
      const remote = fromPort(frame.contentWindow, { name: 'out', capacity: 2, origin: location.origin });
      const first = [await remote.pull(), await remote.pull()];
      frame.remove();
      return { first, rest: await window.within(window.drain(remote), 10_000, 'remote closes') };
    });
    expect(result.first).toEqual([0, 1]);
    expect(result.rest.values).toEqual(Array.from({ length: result.rest.values.length }, (_, i) => i + 2));
    expect(result.rest.error).toMatchObject({ name: 'ChannelError' });
    expect(result.rest.error.message).toMatch(/gone/);
  });

  test('a frame reloaded mid-stream: the old toPort settles accounting for every value, the new document pairs with the next toPort', async () => {
    const page = await openPage(pages);
    const result = await page.evaluate(async () => {
      const { Channel, toPort } = window.lib;
      const frame = await window.frameOn('127.0.0.1', `mode=receive&origin=${encodeURIComponent(location.origin)}`);
      const old = new Channel(16);
      await old.pushAll(Array.from({ length: 16 }, (_, i) => i));
      const sending = toPort(old, frame.contentWindow, { name: 'in' });
      await window.until(() => old.size < 16);
      const reloaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
      frame.contentWindow!.location.reload();
      const first = await window.within(sending, 15_000, 'old toPort settles');
      await reloaded;
      const report = window.nextReport(window);
      const next = new Channel(2);
      const sendingNext = toPort(next, frame.contentWindow, { name: 'in' });
      await next.pushAll(['new 1', 'new 2']);
      next.close();
      const got = await window.within(report, 15_000, 'new frame report');
      return {
        first: { sent: first.sent, undelivered: first.undelivered, left: old.size },
        got,
        next: await sendingNext,
      };
    });
    expect(result.first.sent + result.first.undelivered.length + result.first.left).toBe(16);
    expect(result.got.values).toEqual(['new 1', 'new 2']);
    expect(result.next).toEqual({ sent: 2, undelivered: [] });
  });
});
