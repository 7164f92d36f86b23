/**
 * Audit u: randomized streams over Node's global `MessageChannel`. A producer pushes 0..N-1 in
 * order; a remote consumer mixes `pull`, aborted pulls, `pullMany`, `tryPull` and idle turns;
 * the stream ends by a local close, a remote close or the signal. Checked at every step: the
 * credit bound ("values posted but not yet committed plus values buffered remotely never exceed
 * the receiver's capacity"; capacity 0: one credit per parked pull); and at the end: every
 * committed push is received, undelivered or still in the local channel — once, in order.
 */
import { describe, expect, test } from 'vitest';
import { after } from '../../src/after.js';
import { Channel } from '../../src/channel.js';
import { fromPort, toPort } from '../../src/port/index.js';
import { pull, select } from '../../src/select.js';
import { pair, rng, SyncPort, sleep, syncPair, until } from './helpers.js';

type End = 'local' | 'remote' | 'abort';

/** A synchronous hand-made port that loops back to itself: both ends of the stream on one object. */
function syncLoop(emitter: boolean): [SyncPort, SyncPort] {
  const port = new SyncPort(emitter);
  port.peer = port;
  return [port, port];
}

async function run(
  seed: number,
  capacity: number,
  localCapacity: number,
  end: End,
  count: number,
  sync: boolean | 'loop' = false,
) {
  const random = rng(seed);
  const [a, b] = sync === 'loop' ? syncLoop(seed % 2 === 0) : sync ? syncPair(seed % 2 === 0) : pair();
  const local = new Channel<number>(localCapacity);
  const controller = new AbortController();
  // Half the runs create the receiver after the sender (its `open` may be lost, its `ready` asks again).
  const late = random() < 0.5;
  let remote = late ? undefined : fromPort<number>(b, { capacity });
  const done = toPort(local, a, { signal: controller.signal });
  if (late) await sleep(random() < 0.5 ? 0 : 3);
  remote ??= fromPort<number>(b, { capacity });
  const committed: number[] = [];
  const received: number[] = [];
  let pullsStarted = 0;
  const violations: string[] = [];
  // Over a synchronous port a value is committed to a parked pull before that pull's promise
  // callback runs: a step that awaits a pull may hold values committed and not yet counted.
  let awaitingPull = false;
  const check = (where: string) => {
    if (sync && awaitingPull) return;
    const pulled = committed.length - local.size;
    if (capacity > 0 && pulled - received.length > capacity) {
      violations.push(`${where}: ${pulled} pulled, ${received.length} received, capacity ${capacity}`);
    }
    if (capacity === 0 && pulled > pullsStarted) {
      violations.push(`${where}: ${pulled} pulled, only ${pullsStarted} remote pulls ever started`);
    }
  };
  // A receiver closed before any sender paired with it tells no sender (README): the remote end
  // comes after the first value.
  const stopAt = Math.max(end === 'remote' ? 1 : 0, Math.floor(random() * count));
  let settled = false;
  void done.finally(() => {
    settled = true;
  });

  const producer = (async () => {
    for (let i = 0; i < count; i++) {
      try {
        if (random() < 0.3 && local.tryPush(i)) {
          // committed now
        } else {
          await local.push(i);
        }
      } catch {
        return; // closed after the stream ended
      }
      committed.push(i);
      check('push');
      if (end === 'abort' && i === stopAt) controller.abort(new Error('stop'));
      if (random() < 0.1) await sleep(0);
    }
    if (end === 'local' || end === 'remote') local.close();
  })();

  const consumer = (async () => {
    let closedByUs = false;
    for (;;) {
      if (end === 'remote' && !closedByUs && received.length >= stopAt) {
        remote.close();
        closedByUs = true;
      }
      const r = random();
      try {
        if (r < 0.35) {
          pullsStarted++;
          awaitingPull = true;
          received.push(await remote.pull());
          awaitingPull = false;
        } else if (r < 0.5) {
          pullsStarted++;
          const ac = new AbortController();
          const p = remote.pull({ signal: ac.signal });
          const delay = Math.floor(random() * 3);
          setTimeout(() => ac.abort(), delay);
          awaitingPull = true;
          try {
            received.push(await p);
          } catch (error) {
            awaitingPull = false;
            if (remote.closed && remote.size === 0 && !(error instanceof DOMException)) throw error;
          }
        } else if (r < 0.7) {
          pullsStarted++;
          awaitingPull = true;
          received.push(...(await remote.pullMany(1 + Math.floor(random() * 5))));
        } else if (r < 0.76) {
          // select with a timeout: a parked pull case that may lose to the timer.
          pullsStarted++;
          awaitingPull = true;
          const result = await select([pull(remote), pull(after(Math.floor(random() * 3)))]);
          if (result.index === 0) {
            if (result.ok) received.push(result.value as number);
            else return;
          }
        } else if (r < 0.8) {
          // A reader of a stream over the channel, cancelled while its read may wait.
          pullsStarted++;
          awaitingPull = true;
          const reader = remote.toReadableStream().getReader();
          const read = reader.read();
          await sleep(Math.floor(random() * 2));
          await reader.cancel();
          const step = await read;
          if (!step.done) received.push(step.value);
          reader.releaseLock();
        } else if (r < 0.85) {
          const v = remote.tryPull();
          if (v !== undefined) received.push(v);
          else if (remote.closed && remote.size === 0) return;
          await sleep(0);
        } else {
          await sleep(Math.floor(random() * 3));
        }
      } catch {
        if (remote.closed && remote.size === 0) return;
      }
      awaitingPull = false;
      check('pull');
    }
  })();

  const result = await Promise.race([
    done,
    sleep(8000).then(() => {
      throw new Error(
        `toPort did not settle: seed ${seed} cap ${capacity} local ${localCapacity} ${end} late ${late} stopAt ${stopAt} received ${received.length} committed ${committed.length}; a: ${a.posted.map((m) => m.type).join(' ')}; b: ${b.posted.map((m) => m.type).join(' ')}`,
      );
    }),
  ]);
  await consumer;
  local.close(); // releases a producer stuck on a push
  await producer;
  const left: number[] = [];
  for (let v = local.tryPull(); v !== undefined; v = local.tryPull()) left.push(v);
  expect(violations).toEqual([]);
  expect(received).toEqual(committed.slice(0, received.length));
  expect(result.sent).toBe(received.length);
  expect([...received, ...result.undelivered, ...left]).toEqual(committed);
  if (end === 'local') {
    expect(committed.length).toBe(count);
    expect(result.undelivered).toEqual([]);
  }
  expect(local.stats().waitingPullers).toBe(0);
  const listening = () => a.listeners + b.listeners;
  await until(() => listening() === 0, 3000).catch((error) => {
    const types = (port: { posted: { type: string }[] }) => port.posted.map((m) => m.type).join(' ');
    throw new Error(
      `${error.message}: seed ${seed} cap ${capacity} local ${localCapacity} ${end}; a listeners ${a.listeners}, b ${b.listeners}; remote closed ${remote.closed}; result ${JSON.stringify(result)}\na: ${types(a)}\nb: ${types(b)}`,
    );
  });
  expect(settled).toBe(true);
}

describe('randomized streams keep order, lose nothing, respect credit', () => {
  const capacities = [0, 1, 2, 3, 7, 64];
  const ends: End[] = ['local', 'remote', 'abort'];
  let seed = 1;
  for (const capacity of capacities) {
    for (const end of ends) {
      const seeds = [seed++, seed++, seed++, seed++];
      test(`capacity ${capacity}, ended by ${end}`, async () => {
        for (const s of seeds) {
          for (const localCapacity of [0, 1, 5]) {
            await run(s * 31 + localCapacity, capacity, localCapacity, end, 120);
          }
        }
      }, 60_000);
    }
  }
});

describe('the same over a hand-made port that delivers synchronously (inside postMessage)', () => {
  const capacities = [0, 1, 3, 64];
  const ends: End[] = ['local', 'remote', 'abort'];
  let seed = 1000;
  for (const capacity of capacities) {
    for (const end of ends) {
      const seeds = [seed++, seed++, seed++, seed++];
      test(`sync port, capacity ${capacity}, ended by ${end}`, async () => {
        for (const s of seeds) {
          for (const localCapacity of [0, 1, 5]) {
            await run(s * 31 + localCapacity, capacity, localCapacity, end, 120, true);
          }
        }
      }, 60_000);
    }
  }
});

describe('the same over one synchronous hand-made port that loops back to itself', () => {
  const capacities = [0, 2, 64];
  const ends: End[] = ['local', 'remote', 'abort'];
  let seed = 5000;
  for (const capacity of capacities) {
    for (const end of ends) {
      const seeds = [seed++, seed++, seed++];
      test(`loopback, capacity ${capacity}, ended by ${end}`, async () => {
        for (const s of seeds) {
          for (const localCapacity of [0, 3]) {
            await run(s * 31 + localCapacity, capacity, localCapacity, end, 100, 'loop');
          }
        }
      }, 60_000);
    }
  }
});
