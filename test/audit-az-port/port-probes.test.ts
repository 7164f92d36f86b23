/**
 * Auditor AZ — probes that held (Node `MessageChannel`s): backpressure measured from the
 * receiving side under a slow, mixed consumer; two senders / two receivers of one name on one
 * port; several transferred buffers in one batch, one of them listed by two values.
 */
import { Channel, pull, select } from 'chanasync';
import { fromPort, type PortLike, toPort } from 'chanasync/port';
import { afterEach, describe, expect, it } from 'vitest';

const opened: { close(): void }[] = [];
afterEach(() => {
  for (const closable of opened.splice(0)) closable.close();
});

function channelPorts(): [PortLike & MessagePort, PortLike & MessagePort] {
  const { port1, port2 } = new MessageChannel();
  opened.push(port1, port2);
  return [port1 as PortLike & MessagePort, port2 as PortLike & MessagePort];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The receiving port seen by a spy: counts the values of every `values` message as it arrives,
 * before chanasync's listener runs, and calls `onValues` then.
 */
function spied(port: MessagePort) {
  const spy = { arrived: 0, onValues: (): void => {} };
  const wrapped: PortLike & { start(): void } = {
    postMessage: (message: unknown, transfer?: Transferable[]) => port.postMessage(message, transfer ?? []),
    addEventListener: (type: string, listener: any) => {
      if (type !== 'message') {
        port.addEventListener(type, listener);
        return;
      }
      port.addEventListener('message', (event: MessageEvent) => {
        if (event.data?.type === 'values') {
          spy.arrived += event.data.values.length;
          spy.onValues();
        }
        listener(event);
      });
    },
    start: () => port.start(),
  };
  return { spy, port: wrapped };
}

describe('backpressure, measured from the receiving side', () => {
  const cases = [0, 1, 3, 8, 200].flatMap((capacity) => [1, 2, 3].map((seed) => [capacity, seed] as const));
  it.each(cases)(
    'capacity %i, seed %i: values arrived and not yet taken by the consumer never exceed the capacity (at least 1)',
    async (capacity, seed) => {
      let state = seed;
      const random = () => {
        state = (state * 1103515245 + 12345) % 2147483648;
        return state / 2147483648;
      };
      const [here, there] = channelPorts();
      const { spy, port } = spied(there);
      const remote = fromPort<number>(port, { capacity });
      const local = new Channel<number>(Infinity);
      const count = 300;
      for (let i = 0; i < count; i++) local.pushNowait(i);
      local.close();
      const done = toPort(local, here);
      let taken = 0;
      let worst = 0;
      spy.onValues = () => {
        worst = Math.max(worst, spy.arrived - taken);
      };
      const other = new Channel<number>(1);
      const got: number[] = [];
      while (got.length < count) {
        const r = random();
        if (r < 0.3) got.push(await remote.pull());
        else if (r < 0.6) got.push(...(await remote.pullMany(1 + Math.floor(random() * 5))));
        else if (r < 0.8) {
          const value = remote.tryPull();
          if (value !== undefined) got.push(value);
        } else {
          // A select that gives up after 5 ms (capacity 0: its credit is taken back).
          const result = await select([pull(remote), pull(other)], { signal: AbortSignal.timeout(5) }).catch(
            () => null,
          );
          if (result?.ok) got.push(result.value as number);
        }
        taken = got.length;
        if (random() < 0.3) await sleep(1);
      }
      expect(got).toEqual([...Array(count).keys()]);
      expect(await done).toEqual({ sent: count, undelivered: [] });
      expect(worst).toBeLessThanOrEqual(Math.max(capacity, 1));
    },
    20_000,
  );
});

describe('two senders, two receivers of one name on one port', () => {
  it('a second toPort of the name on the port rejects with a TypeError that names it, and the first runs on unharmed', async () => {
    const [here, there] = channelPorts();
    const remote = fromPort<number>(there, { name: 'jobs', capacity: 4 });
    const first = new Channel<number>(Infinity);
    const second = new Channel<number>(Infinity);
    const done = toPort(first, here, { name: 'jobs' });
    await expect(toPort(second, here, { name: 'jobs' })).rejects.toThrow(
      /toPort stream named "jobs" is already open on this port/,
    );
    first.pushNowait(1);
    second.pushNowait(99);
    first.close();
    const got: number[] = [];
    for await (const value of remote) got.push(value);
    expect(got).toEqual([1]);
    expect(await done).toEqual({ sent: 1, undelivered: [] });
    expect(second.size).toBe(1); // the refused toPort pulled nothing
  });

  it('a second fromPort of the name on the port throws a TypeError that names it, and the first receives everything', async () => {
    const [here, there] = channelPorts();
    const remote = fromPort<number>(there, { name: 'jobs', capacity: 4 });
    expect(() => fromPort<number>(there, { name: 'jobs' })).toThrow(/fromPort stream named "jobs" is already open/);
    const local = new Channel<number>(Infinity);
    for (let i = 0; i < 20; i++) local.pushNowait(i);
    local.close();
    const done = toPort(local, here, { name: 'jobs' });
    const got: number[] = [];
    for await (const value of remote) got.push(value);
    expect(got).toEqual([...Array(20).keys()]);
    expect(await done).toEqual({ sent: 20, undelivered: [] });
  });
});

describe('transfer lists inside a batch', () => {
  it('several buffers in one batch, one listed by two values: each moves once, all arrive intact, in order', async () => {
    const [here, there] = channelPorts();
    const remote = fromPort<{ id: number; data: Uint8Array }>(there, { capacity: 16 });
    const local = new Channel<{ id: number; data: Uint8Array }>(Infinity);
    const shared = new Uint8Array([7, 7, 8, 8]);
    const values = [
      { id: 0, data: new Uint8Array([0]) },
      { id: 1, data: shared.subarray(0, 2) },
      { id: 2, data: new Uint8Array([2, 2]) },
      { id: 3, data: shared.subarray(2, 4) },
      { id: 4, data: new Uint8Array([4]) },
    ];
    for (const value of values) local.pushNowait(value);
    local.close();
    const result = await toPort(local, here, { transfer: (value) => [value.data.buffer] });
    expect(result).toEqual({ sent: 5, undelivered: [] });
    for (const value of values) expect(value.data.buffer.byteLength).toBe(0); // moved, not copied
    const got: [number, number[]][] = [];
    for await (const value of remote) got.push([value.id, [...value.data]]);
    expect(got).toEqual([
      [0, [0]],
      [1, [7, 7]],
      [2, [2, 2]],
      [3, [8, 8]],
      [4, [4]],
    ]);
  });
});
