/**
 * Audit AF: ts-chan's tests (a Go-channel library for TypeScript), translated to chanasync.
 * Sources: https://github.com/joeycumines/ts-chan/blob/main/test/chan.test.ts and
 * https://github.com/joeycumines/ts-chan/blob/main/test/select.test.ts
 *
 * Mapping: `Chan` ≈ `Channel`; `send`/`recv` ≈ `push`/`pull`; `trySend` ≈ `tryPush`,
 * `tryRecv` ≈ `tryPull`; `concurrency` ≈ `stats().waitingPushers + waitingPullers`;
 * `new Select([...]).wait()` ≈ `select([...])`, `poll()` ≈ `selectNowait`; `recv(ch)`/`send(ch)`
 * ≈ `pull(ch)`/`push(ch, v)` (ts-chan computes a send's value in a callback at commit; here the
 * value is given with the case). ts-chan's callback-level API (`addSender`, `addReceiver`,
 * `removeSender`) has no public counterpart and is not ported.
 */

import { Channel, ChannelClosedError, fromEvent, pull, push, select, selectNowait } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { bump, settle, track } from './util.js';

const waiting = (ch: { stats(): { waitingPushers: number; waitingPullers: number } }) =>
  ch.stats().waitingPushers + ch.stats().waitingPullers;

/** A duck-typed signal (README: any object with `aborted`, `addEventListener`, `removeEventListener`). */
function dodgySignal(removeThrows: unknown) {
  const listeners = new Set<() => void>();
  let removes = 0;
  const signal = {
    aborted: false,
    reason: undefined as unknown,
    addEventListener(_type: string, listener: () => void) {
      listeners.add(listener);
    },
    removeEventListener(_type: string, listener: () => void) {
      removes++;
      if (removes === 1) throw removeThrows;
      listeners.delete(listener);
    },
    abort(reason: unknown) {
      signal.aborted = true;
      signal.reason = reason;
      for (const l of [...listeners]) l();
    },
    get removes() {
      return removes;
    },
  };
  return signal;
}

describe('ts-chan test/chan.test.ts', () => {
  it('constructor: should initialize a channel with correct capacity and open state', () => {
    const chan = new Channel(5);
    expect(chan.capacity).toBe(5);
    expect(chan.size).toBe(0);
    expect(chan.closed).toBe(false);
  });

  it('constructor: should initialize a buffer-less channel if capacity is zero', () => {
    const chan = new Channel(0);
    expect(chan.capacity).toBe(0);
    expect(chan.size).toBe(0);
  });

  it('addReceiver: should handle buffer data before senders', async () => {
    const chan = new Channel<string>(1);
    const sent = chan.push('test-data');
    const second = track(chan.push('second'));
    expect(await chan.pull()).toBe('test-data');
    await sent;
    expect(await chan.pull()).toBe('second');
    await settle();
    expect(second.state).toBe('fulfilled');
  });

  it('addReceiver: should handle closed channel', async () => {
    const chan = new Channel(0);
    chan.close();
    expect(await select([pull(chan)])).toMatchObject({ value: undefined, ok: false });
  });

  it('addReceiver: should receive in fifo order', async () => {
    const chan = new Channel<number>();
    const sends = [0, 1, 2].map((i) => chan.push(i));
    for (let i = 0; i < 3; i++) expect(chan.tryPull()).toBe(i);
    expect(chan.tryPull()).toBeUndefined();
    await Promise.all(sends);
  });

  it('addSender: should add data to the buffer if a receiver is not waiting', () => {
    const chan = new Channel<string>(1);
    chan.pushNowait('test-data');
    expect(chan.size).toBe(1);
  });

  // ts-chan's trySend throws SendOnClosedChannelError; chanasync's tryPush answers false and
  // pushNowait throws (SPEC).
  it('addSender: should throw error when adding to a closed channel', async () => {
    const chan = new Channel<number>(0);
    chan.close();
    expect(() => chan.pushNowait(1)).toThrow(ChannelClosedError);
    expect(chan.tryPush(1)).toBe(false);
    await expect(chan.push(1)).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('addSender: should send in fifo order', async () => {
    const chan = new Channel<number>();
    const recvs = [0, 1, 2].map(() => chan.pull());
    for (let i = 0; i < 3; i++) expect(chan.tryPush(i)).toBe(true);
    expect(chan.tryPush(3)).toBe(false);
    expect(await Promise.all(recvs)).toEqual([0, 1, 2]);
  });

  it('close: should close the channel and notify receivers', async () => {
    const chan = new Channel(0);
    const r = chan.pull();
    chan.close();
    await expect(r).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('close: should close the channel and notify senders', async () => {
    const chan = new Channel(0);
    const s = chan.push(1);
    chan.close();
    await expect(s).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // ts-chan throws CloseOfClosedChannelError (Go's panic); chanasync's close is idempotent.
  it('close: should throw CloseOfClosedChannelError when closing a closed channel (contract: idempotent)', () => {
    const chan = new Channel(0);
    chan.close();
    expect(() => chan.close()).not.toThrow();
  });

  // "complete buffer filling on close": the buffer keeps what was committed; parked sends are
  // failed, in order, and none of their values appears.
  it('close: complete buffer filling on close', async () => {
    const chan = new Channel<number>(4);
    const sends = Array.from({ length: 10 }, (_, i) => track(chan.push(i)));
    await settle();
    expect(chan.size).toBe(4);
    expect(chan.pullNowait()).toBe(0);
    expect(chan.pullNowait()).toBe(1);
    expect(chan.size).toBe(4); // parked 4 and 5 moved up into the freed slots
    chan.close();
    await settle();
    for (let i = 0; i < 10; i++) expect(sends[i]?.state).toBe(i < 6 ? 'fulfilled' : 'rejected');
    expect(await chan.pullMany(10)).toEqual([2, 3, 4, 5]);
  });

  it('Multiple senders and receivers: should handle multiple senders and receivers correctly', async () => {
    const chan = new Channel<string>(5);
    const sendData = ['a', 'b', 'c', 'd', 'e'];
    for (const d of sendData) chan.pushNowait(d);
    const recvData: string[] = [];
    for (let i = 0; i < 5; i++) recvData.push(await chan.pull());
    expect(recvData).toEqual(sendData);
  });

  it('Different capacities and edge cases: should handle edge case where channel is full', async () => {
    const chan = new Channel<string>(1);
    chan.pushNowait('test1');
    const second = chan.push('test2');
    expect(chan.size).toBe(1);
    expect(await chan.pull()).toBe('test1');
    await second;
  });

  it('Concurrency behavior: should handle concurrent senders and receivers', async () => {
    const chan = new Channel<number>(1000);
    let sent = 0;
    let received = 0;
    const ops: Promise<void>[] = [];
    for (let i = 0; i < 1000; i++) {
      ops.push(
        new Promise<void>((resolve) => setTimeout(resolve)).then(async () => {
          const s = chan.push(i).then(() => void sent++);
          await chan.pull();
          received++;
          await s;
        }),
      );
    }
    await Promise.all(ops);
    expect({ sent, received }).toEqual({ sent: 1000, received: 1000 });
  });

  it('trySend: should send a value successfully / should not send when channel is full', () => {
    const chan = new Channel<number>(1);
    expect(chan.tryPush(1)).toBe(true);
    expect(chan.tryPush(2)).toBe(false);
  });

  it('send: should return a promise that resolves / rejects when closed', async () => {
    const chan = new Channel<number>(1);
    const p = chan.push(1);
    expect(p).toBeInstanceOf(Promise);
    await expect(p).resolves.toBeUndefined();
    const closed = new Channel<number>();
    closed.close();
    await expect(closed.push(1)).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('send: bulk sends abort signal', async () => {
    const chan = new Channel<number>();
    const logs: [number, unknown][] = [];
    const abort = new AbortController();
    const all = [0, 1, 2, 3, 4].map((j) => chan.push(j, { signal: abort.signal }).catch((e) => logs.push([j, e])));
    await settle();
    expect(waiting(chan)).toBe(5);
    expect(chan.tryPull()).toBe(0);
    expect(waiting(chan)).toBe(4);
    expect(chan.tryPull()).toBe(1);
    expect(waiting(chan)).toBe(3);
    expect(chan.tryPush(55)).toBe(false);
    expect(logs).toEqual([]);
    abort.abort('some abort reason');
    expect(waiting(chan)).toBe(0);
    await Promise.all(all);
    expect(logs).toEqual([
      [2, 'some abort reason'],
      [3, 'some abort reason'],
      [4, 'some abort reason'],
    ]);
  });

  it('send: bulk sends close channel', async () => {
    const chan = new Channel<number>();
    const logs: [number, string][] = [];
    const all = [0, 1, 2].map((j) => chan.push(j).catch((e: Error) => logs.push([j, e.message])));
    await settle();
    expect(waiting(chan)).toBe(3);
    chan.close();
    expect(waiting(chan)).toBe(0);
    await Promise.all(all);
    expect(logs).toEqual([
      [0, 'push: channel is closed'],
      [1, 'push: channel is closed'],
      [2, 'push: channel is closed'],
    ]);
  });

  // 'dodgy abort signal remove listener impl case 1': a signal whose removeEventListener throws
  // when the receive commits. ts-chan fails both sides with the error. chanasync's contract is
  // that a committed value is delivered and nothing is lost: the receive gets the value and the
  // send resolves.
  // Defect fixed (src/signals.ts `forget`): the throw escaped from the commit half-way — the
  // parked push was already unlinked, `tryPull()` threw, the value 123 went to nobody and the
  // push's promise never settled.
  it('dodgy abort signal remove listener impl case 1: a throwing removeEventListener loses nothing', async () => {
    const chan = new Channel<unknown>();
    const signal = dodgySignal(new Error('some error'));
    const sent = track(chan.push(123, { signal: signal as unknown as AbortSignal }));
    await settle();
    expect(waiting(chan)).toBe(1);
    expect(chan.tryPull()).toBe(123);
    expect(waiting(chan)).toBe(0);
    await settle();
    expect(sent.state).toBe('fulfilled');
    // An abort later (the listener could not be removed) changes nothing and rejects nothing.
    signal.abort('late');
    await settle();
    expect(sent.state).toBe('fulfilled');
  });

  it('dodgy abort signal remove listener impl case 2: on the pull side, through select and pullMany', async () => {
    // a parked pull, committed by a push
    const a = new Channel<number>();
    const s1 = dodgySignal('thrown primitive');
    const pulled = a.pull({ signal: s1 as unknown as AbortSignal });
    await settle();
    expect(a.tryPush(1)).toBe(true);
    expect(await pulled).toBe(1);

    // a parked select, committed by a push into one of its channels
    const b = new Channel<number>();
    const c = new Channel<number>();
    const s2 = dodgySignal(new Error('x'));
    const sel = select([pull(b), pull(c)], { signal: s2 as unknown as AbortSignal });
    await settle();
    expect(c.tryPush(2)).toBe(true);
    expect(await sel).toMatchObject({ index: 1, value: 2 });
    expect(waiting(b) + waiting(c)).toBe(0);

    // a parked pullMany
    const d = new Channel<number>(4);
    const s3 = dodgySignal(new Error('y'));
    const many = d.pullMany(4, { signal: s3 as unknown as AbortSignal });
    await settle();
    d.pushNowait(3);
    expect(await many).toEqual([3]);

    // a parked pushAll, its last value taken
    const e = new Channel<number>(1);
    const s4 = dodgySignal(new Error('z'));
    const all = e.pushAll([4, 5], { signal: s4 as unknown as AbortSignal });
    await settle();
    expect(e.pullNowait()).toBe(4);
    await settle();
    expect(e.pullNowait()).toBe(5);
    await expect(all).resolves.toBeUndefined();
  });
});

// Beyond the ported cases: the sibling of ts-chan's "dodgy abort signal" tests, on the other
// listener call. A duck-typed signal whose `addEventListener` throws made the operation throw
// (or, for `select`, reject) *after* its waiter was queued: the next push or pull committed to
// that waiter, so a value went to a caller who had been given an error — lost. Found here
// independently; fixed on main by audit AC (src/signals.ts `watch` listens before it records
// the signal; src/waiters.ts `park` and src/select.ts watch before queueing; src/interop/event.ts
// cleans up): these tests fail on 57b20c1 and pass since.
describe('ts-chan-style dodgy signals: addEventListener that throws', () => {
  const throwingAdd = () =>
    ({
      aborted: false,
      reason: undefined,
      addEventListener() {
        throw new Error('add boom');
      },
      removeEventListener() {},
    }) as unknown as AbortSignal;

  it('a pull whose signal cannot be listened to parks nothing and loses no value', async () => {
    const ch = new Channel<number>(0);
    const signal = throwingAdd();
    expect(() => ch.pull({ signal })).toThrow('add boom');
    expect(waiting(ch)).toBe(0);
    expect(ch.tryPush(1)).toBe(false); // nobody is waiting: the value is not handed to the failed pull
    // and the signal is not remembered as watched: a second operation with it fails the same way
    expect(() => ch.pull({ signal })).toThrow('add boom');
    expect(waiting(ch)).toBe(0);
  });

  it('a push whose signal cannot be listened to delivers nothing', async () => {
    const ch = new Channel<number>(0);
    expect(() => ch.push(1, { signal: throwingAdd() })).toThrow('add boom');
    expect(waiting(ch)).toBe(0);
    expect(ch.tryPull()).toBeUndefined();
  });

  it('fromEvent with a signal that cannot be listened to leaves no listener on its target', () => {
    const target = new EventTarget();
    let added = 0;
    let removed = 0;
    const add = target.addEventListener.bind(target);
    const remove = target.removeEventListener.bind(target);
    target.addEventListener = (...args: Parameters<EventTarget['addEventListener']>) => {
      added++;
      add(...args);
    };
    target.removeEventListener = (...args: Parameters<EventTarget['removeEventListener']>) => {
      removed++;
      remove(...args);
    };
    expect(() => fromEvent(target, 'x', { signal: throwingAdd() })).toThrow('add boom');
    expect(added - removed).toBe(0);
  });

  it('a select whose signal cannot be listened to rejects with no case left queued', async () => {
    const a = new Channel<number>(0);
    const b = new Channel<number>(0);
    await expect(select([pull(a), pull(b)], { signal: throwingAdd() })).rejects.toThrow('add boom');
    expect(waiting(a) + waiting(b)).toBe(0);
    expect(a.tryPush(1)).toBe(false);
    expect(b.tryPush(2)).toBe(false);
  });
});

describe('ts-chan test/select.test.ts', () => {
  // Go's fairness over send and receive cases (go.dev/play/p/ktfcf1R7Tsv): four cases kept
  // ready by four workers; each wins close to a quarter of the time.
  it('should fairly select both send and recv', async () => {
    const iterations = 5000;
    const chRecv1 = new Channel<number>(1);
    const chRecv2 = new Channel<number>(1);
    const chSend1 = new Channel<number>(1);
    const chSend2 = new Channel<number>(1);
    const stop = new AbortController();
    const loop = async (f: () => Promise<unknown>) => {
      try {
        for (;;) await f();
      } catch (e) {
        if (e !== 'stop') throw e;
      }
    };
    const workers = Promise.all([
      loop(() => chRecv1.push(1, { signal: stop.signal })),
      loop(() => chRecv2.push(1, { signal: stop.signal })),
      loop(() => chSend1.pull({ signal: stop.signal })),
      loop(() => chSend2.pull({ signal: stop.signal })),
    ]);
    const cases = [pull(chRecv1), push(chSend1, 1), pull(chRecv2), push(chSend2, 1)] as const;
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4 * iterations; i++) bump(counts, (await select(cases)).index);
    stop.abort('stop');
    await workers;
    for (const c of counts) expect(Math.abs((c - iterations) / iterations) * 100).toBeLessThan(6);
  });

  it('examples: documented example on Select.cases - Accessing a (typed) received value', async () => {
    const ch1Values = [4.6, 8.2, 104.523, -451.2, 2.01, 24.88, 99];
    const run = async (ch1Cap: number, ch2Cap: number, delay: number | undefined) => {
      const abort = new AbortController();
      const ch1 = new Channel<number>(ch1Cap);
      const ch2 = new Channel<string>(ch2Cap);
      const pause = () =>
        delay === undefined ? Promise.resolve() : new Promise((r) => setTimeout(r, delay * Math.random()));
      const bg = Promise.all([
        (async () => {
          for (const v of ch1Values) {
            await pause();
            await ch1.push(v, { signal: abort.signal });
          }
          ch1.close();
        })(),
        (async () => {
          for (let i = 0; ; i++) {
            await pause();
            await ch2.push(`ch2:${i}`, { signal: abort.signal });
          }
        })().catch((e) => {
          if (e !== 'sentinel') throw e;
        }),
      ]);
      for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, delay ?? 0));
      const log: [string, unknown][] = [];
      const cases = [pull(ch1), pull(ch2)] as const;
      for (let running = true; running; ) {
        const r = await select(cases);
        if (r.index === 0) {
          if (!r.ok) running = false;
          else log.push(['ch1', Math.round(r.value)]);
        } else {
          if (!r.ok) throw new Error('ch2 unexpectedly closed');
          log.push(['ch2', r.value.toUpperCase()]);
        }
      }
      abort.abort('sentinel');
      await bg;
      return log;
    };
    const runs: ReturnType<typeof run>[] = [];
    for (let a = 0; a < 4; a++)
      for (let b = 0; b < 4; b++) for (const delay of [undefined, 0, 5]) runs.push(run(a, b, delay));
    for (const log of await Promise.all(runs)) {
      expect(log.filter((l) => l[0] === 'ch1')).toEqual(ch1Values.map((v) => ['ch1', Math.round(v)]));
      const ch2 = log.filter((l) => l[0] === 'ch2');
      expect(ch2).toEqual(ch2.map((_, i) => ['ch2', `CH2:${i}`]));
    }
  });

  it('examples: send example - handle input and output with abort support', async () => {
    const runTest = async () => {
      const abort = new AbortController();
      const input = new Channel<string>();
      const output = new Channel<number>();
      let outputCount = 0;
      const inputValues: string[] = [];
      const outputValues: number[] = [];
      const reason = Symbol('some abort reason');
      await Promise.all([
        expect(
          (async () => {
            let outputValue = 0;
            for (;;) {
              const r = await select([pull(input), push(output, outputValue)], { signal: abort.signal });
              if (r.index === 0) inputValues.push(r.value as string);
              else {
                outputCount++;
                outputValue++;
              }
            }
          })(),
        ).rejects.toBe(reason),
        (async () => {
          for (const v of ['a', 'b', 'c']) {
            await input.push(v);
            outputValues.push(await output.pull());
          }
          abort.abort(reason);
        })(),
      ]);
      expect(outputCount).toBe(3);
      expect(inputValues).toEqual(['a', 'b', 'c']);
      expect(outputValues).toEqual([0, 1, 2]);
    };
    await Promise.all(Array.from({ length: 9 }, runTest));
  });

  it('recv: should facilitate handling multiple return types', async () => {
    const chanNumber = new Channel<number>(1);
    const chanString = new Channel<string>(1);
    const cases = [pull(chanNumber), pull(chanString)] as const;
    expect(selectNowait(cases)).toBeUndefined();
    expect(chanNumber.tryPush(1235)).toBe(true);
    const r = selectNowait(cases);
    expect(r).toMatchObject({ index: 0, value: 1235, ok: true });
    if (r?.index === 0) {
      const n: number | undefined = r.value;
      expect(n).toBe(1235);
    }
  });
});
