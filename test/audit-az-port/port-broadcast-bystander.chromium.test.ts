/**
 * Auditor AZ — the BroadcastChannel finding of port-broadcast-bystander.test.ts in headless
 * Chromium, with real module Workers: the page streams over a `BroadcastChannel` to a Worker's
 * `fromPort` of that name, a second Worker listens with a `fromPort` of the same name, and the
 * Worker the stream runs on is terminated. Also a probe (holds): a transfer that fails in the
 * middle of a batch.
 */
import { describe, expect, it } from 'vitest';
import { usePortPages } from '../helpers/port-pages.js';

const pages = usePortPages();

/** A Worker with a `fromPort` of `name` on a BroadcastChannel: reports when listening and per value. */
const RECEIVER = `
const ch = lib.fromPort(new BroadcastChannel('az-bc'), { capacity: 2 });
self.postMessage({ report: 'listening' });
for await (const value of ch) self.postMessage({ report: { value } });
`;

async function run(withBystander: boolean, waitMs: number) {
  const page = await pages.open();
  return page.evaluate(
    async ({ code, withBystander, waitMs }) => {
      const { Channel, toPort } = window.lib;
      const workers = [window.spawnScript(code).worker];
      if (withBystander) workers.push(window.spawnScript(code).worker);
      await Promise.all(workers.map((worker) => window.nextReport(worker)));
      // The first value reached tells which Worker the stream runs on.
      const first = new Promise<Worker>((resolve) => {
        for (const worker of workers)
          worker.addEventListener('message', (event) => {
            if (event.data?.report?.value !== undefined) resolve(worker);
          });
      });
      const local = new Channel(Infinity);
      for (let i = 0; i < 10; i++) local.pushNowait(i);
      const bc = new BroadcastChannel('az-bc');
      const done = toPort(local, bc);
      const running = await first;
      await new Promise((resolve) => setTimeout(resolve, 100)); // its credit for the next values is in
      const died = performance.now();
      running.terminate();
      let settledAfter: number | null = null;
      const result = await Promise.race([
        done.then((value: { sent: number; undelivered: unknown[] }) => {
          settledAfter = Math.round(performance.now() - died);
          return { sent: value.sent, undelivered: value.undelivered.length };
        }),
        new Promise((resolve) => setTimeout(() => resolve('still pending'), waitMs)),
      ]);
      for (const worker of workers) worker.terminate();
      local.close();
      const after = await Promise.race([
        done.then(() => 'settled'),
        new Promise((r) => setTimeout(() => r('x'), 7000)),
      ]);
      bc.close();
      return { result, settledAfter, leftLocally: local.size, afterBystanderGone: after };
    },
    { code: RECEIVER, withBystander, waitMs },
  );
}

describe('Chromium: toPort over a BroadcastChannel, the Worker it runs on terminated', () => {
  it('probe (holds): with no other receiver of the name, toPort settles by the heartbeat', async () => {
    const out = await run(false, 11_000);
    expect(out.result).not.toBe('still pending');
    expect(out.settledAfter).toBeLessThan(8000); // 5 to 5.5 s, and a loaded machine's late timers
    // The Worker had pulled one value (or more) and held up to 2: sent + left locally = 10.
    const result = out.result as { sent: number; undelivered: number };
    expect(result.sent + result.undelivered + out.leftLocally).toBe(10);
  }, 40_000);

  it('toPort settles by the heartbeat when the Worker it runs on is terminated, though another Worker listens with a fromPort of that name', async () => {
    // Observed: still pending 9 s after the terminate(); it settles only once the other Worker
    // is terminated too.
    const out = await run(true, 11_000);
    expect(out.result).not.toBe('still pending');
    expect(out.settledAfter).toBeLessThan(8000); // 5 to 5.5 s, and a loaded machine's late timers
  }, 40_000);
});

describe('Chromium: a transfer that fails in the middle of a batch', () => {
  it('probe (holds): an earlier batch is committed; in the failing batch the buffers before the detached one arrive, it and the rest are undelivered (the rest intact), and toPort rejects naming the cause', async () => {
    const page = await pages.open();
    const out = await page.evaluate(async () => {
      const { Channel, toPort, fromPort } = window.lib;
      const { port1, port2 } = new MessageChannel();
      const remote = fromPort(port2, { capacity: 16 });
      const local = new Channel(Infinity);
      const sending = toPort(local, port1, { transfer: (buffer: ArrayBuffer) => [buffer] });
      const got: number[] = [];
      // First batch: two good buffers, taken by the remote side.
      local.pushNowait(new Uint8Array([0]).buffer);
      local.pushNowait(new Uint8Array([1]).buffer);
      got.push(new Uint8Array(await remote.pull())[0]!, new Uint8Array(await remote.pull())[0]!);
      // Second batch, in one turn: good, good, a detached buffer, good.
      const detached = new Uint8Array([9]).buffer;
      structuredClone(detached, { transfer: [detached] });
      const second = [new Uint8Array([2]).buffer, new Uint8Array([3]).buffer, detached, new Uint8Array([5]).buffer];
      for (const buffer of second) local.pushNowait(buffer);
      const outcome = await sending.then(
        (result: any) => ({ resolved: result.sent }),
        (error: any) => ({
          name: error.name,
          message: error.message,
          sent: error.sent,
          undelivered: error.undelivered.map((buffer: ArrayBuffer) => buffer.byteLength),
        }),
      );
      let end = '';
      try {
        for await (const buffer of remote) got.push(new Uint8Array(buffer)[0]!);
      } catch (error: any) {
        end = String(error?.message ?? error);
      }
      port1.close();
      return { got, outcome, end, left: local.size };
    });
    // Since the forty-fourth session the batch that postMessage refuses goes one value per message
    // up to the refused one (audit AW F3): 2 and 3 arrive; the detached buffer and 5 come back.
    expect(out.got).toEqual([0, 1, 2, 3]);
    expect(out.outcome).toMatchObject({ name: 'TypeError', sent: 4, undelivered: [0, 1] });
    expect(out.outcome.message).toMatch(/a value could not be posted: DataCloneError/);
    expect(out.end).toMatch(/could not be posted/);
    expect(out.left).toBe(0);
  }, 30_000);
});
