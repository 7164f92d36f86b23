/**
 * Audit BO-port — credit backpressure, batching and transfer.
 * SPEC: "Values posted but not yet committed plus values buffered remotely never exceed the
 * receiver's capacity (at least 1 in flight for capacity 0)"; "capacity 0: one credit per parked
 * pull, so push on the sending side resolves only once a remote pull took the value";
 * "'In flight' starts when toPort pulls from the local channel, so toPort never pulls ahead of
 * its credit"; "Values pulled in the same turn travel in one message"; "transfer lists the
 * transferables of a value so they move instead of being copied".
 */
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { afterEach, describe, expect, it } from 'vitest';
import { paired } from '../helpers/ports.js';
import { seededRandom } from '../helpers/random.js';
import { CountingPort, channelPair, closeAll, ctlPorts, macrotask, sleep, tracked, waitFor } from './helpers.js';

afterEach(closeAll);

describe('credit bound, with delivery under the test’s control', () => {
  for (const capacity of [1, 2, 3, 7, 16]) {
    it(`capacity ${capacity}: pulled-not-consumed and posted-not-consumed never exceed ${capacity}, random delivery`, async () => {
      const { a, b } = ctlPorts();
      a.setManual(true);
      b.setManual(true);
      const total = 80;
      const local = new Channel<number>(total);
      await local.pushAll(Array.from({ length: total }, (_, i) => i));
      local.close();
      const remote = fromPort<number>(b, { capacity });
      const sending = tracked(toPort(local, a));
      const random = seededRandom(1000 + capacity);
      const got: number[] = [];
      let steps = 0;
      while (!sending.done() && steps++ < 20_000) {
        const r = random();
        if (r < 0.3) a.deliver(1 + Math.floor(random() * 3));
        else if (r < 0.55) b.deliver(1 + Math.floor(random() * 3));
        else if (r < 0.75) {
          const v = remote.tryPull();
          if (v !== undefined) got.push(v);
        } else if (r < 0.85) {
          if (remote.size > 0) got.push(...(await remote.pullMany(1 + Math.floor(random() * 3))));
        } else await macrotask();
        if (random() < 0.5) await Promise.resolve();
        const pulled = total - local.size;
        expect(pulled - got.length).toBeLessThanOrEqual(capacity);
        expect(a.postedValues().length - got.length).toBeLessThanOrEqual(capacity);
        // receiving side never holds more than capacity in its buffer
        expect(remote.size).toBeLessThanOrEqual(capacity);
        if (random() < 0.02) await macrotask();
        if (!sending.done() && a.queue.length === 0 && b.queue.length === 0 && random() < 0.1) await macrotask();
      }
      // drain to the end
      a.setManual(false);
      b.setManual(false);
      for await (const v of remote) got.push(v);
      expect(got).toEqual(Array.from({ length: total }, (_, i) => i));
      expect(await sending.promise).toEqual({ sent: total, undelivered: [] });
    });
  }

  it('capacity 0: a buffered local channel is not pulled until a remote pull parks; one value per parked pull', async () => {
    const { a, b } = ctlPorts();
    const local = new Channel<number>(10);
    await local.pushAll([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const remote = fromPort<number>(b, { capacity: 0 });
    const sending = toPort(local, a);
    await sleep(60);
    expect(local.size).toBe(10); // paired, but no remote pull: no credit
    expect(a.postedValues()).toEqual([]);
    const p = remote.pull();
    expect(await p).toBe(0);
    await sleep(30);
    expect(local.size).toBe(9);
    expect(a.postedValues()).toEqual([0]);
    const [x, y] = await Promise.all([remote.pull(), remote.pull()]);
    expect([x, y]).toEqual([1, 2]);
    await sleep(30);
    expect(local.size).toBe(7);
    expect(a.postedValues().length).toBe(3);
    remote.close();
    const result = await sending;
    expect(result).toEqual({ sent: 3, undelivered: [] });
  });

  it('capacity 0 rendezvous: the sending push resolves only once a remote pull asked for the value', async () => {
    const [p1, p2] = channelPair();
    const local = new Channel<string>(0);
    const remote = fromPort<string>(p2, { capacity: 0 });
    const sending = toPort(local, p1);
    const push = tracked(local.push('v'));
    await sleep(150);
    expect(push.done()).toBe(false); // no remote pull yet
    const value = await remote.pull();
    expect(value).toBe('v');
    await waitFor(push.done, 1000, 'push to resolve');
    // a second push waits again
    const push2 = tracked(local.push('w'));
    await sleep(150);
    expect(push2.done()).toBe(false);
    expect(await remote.pull()).toBe('w');
    await push2.promise;
    local.close();
    expect(await sending).toEqual({ sent: 2, undelivered: [] });
  });

  it('capacity 0: an aborted remote pull takes its credit back; a later push waits for the next pull', async () => {
    const [p1, p2] = channelPair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(p2, { capacity: 0 });
    const sending = toPort(local, p1);
    const controller = new AbortController();
    const pulling = remote.pull({ signal: controller.signal }).catch((e) => e);
    await sleep(60); // the credit reached the sender
    controller.abort(new Error('gave up'));
    expect((await pulling).message).toBe('gave up');
    await sleep(60); // the revocation reached the sender
    const push = tracked(local.push(1));
    await sleep(150);
    expect(push.done()).toBe(false);
    expect(await remote.pull()).toBe(1);
    await push.promise;
    local.close();
    expect(await sending).toEqual({ sent: 1, undelivered: [] });
  });

  it('remote pushes on the receiving side count against the credit (documented): bound holds on the buffer', async () => {
    const [p1, p2] = channelPair();
    const local = new Channel<number>(10);
    await local.pushAll([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const remote = fromPort<number>(p2, { capacity: 4 });
    const sending = toPort(local, p1);
    await sleep(60);
    expect(remote.size).toBeLessThanOrEqual(4);
    expect(10 - local.size).toBeLessThanOrEqual(4);
    local.close();
    const got: number[] = [];
    for await (const v of remote) got.push(v);
    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await sending;
  });

  it('a producer is held to the remote capacity: with no consumer, pushes into an unbuffered local channel stop after capacity', async () => {
    const [p1, p2] = channelPair();
    const local = new Channel<number>(0);
    const remote = fromPort<number>(p2, { capacity: 5 });
    const sending = toPort(local, p1);
    let resolved = 0;
    const producer = (async () => {
      for (let i = 0; i < 20; i++) {
        await local.push(i);
        resolved++;
      }
    })().catch(() => undefined);
    await sleep(200);
    expect(resolved).toBe(5);
    expect(remote.size).toBe(5);
    remote.close();
    const result = await sending;
    local.close();
    await producer;
    expect(result.sent).toBe(5);
    expect(result.undelivered).toEqual([]);
  });
});

describe('batching', () => {
  it('values pulled in one turn travel in one message (counted on a wrapper port)', async () => {
    const [p1, p2] = channelPair();
    const wrapper = new CountingPort(p1);
    const local = new Channel<number>(100);
    const remote = fromPort<number>(p2, { capacity: 64 });
    const sending = toPort(local, wrapper);
    await paired(p1); // toPort is parked on the empty channel
    for (let i = 0; i < 10; i++) local.pushNowait(i); // one turn
    await waitFor(() => remote.size === 10, 1000, 'ten values to arrive');
    const batches = wrapper.sent('values');
    expect(batches.length).toBe(1);
    expect(batches[0]?.values).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // values pulled from an already full buffer when credit arrives: one message too
    remote.close();
    await sending;
  });

  it('values already buffered locally when credit arrives go in one message', async () => {
    const [p1, p2] = channelPair();
    const wrapper = new CountingPort(p1);
    const local = new Channel<number>(30);
    await local.pushAll(Array.from({ length: 30 }, (_, i) => i));
    const remote = fromPort<number>(p2, { capacity: 30 });
    const sending = toPort(local, wrapper);
    await waitFor(() => remote.size === 30, 1000);
    expect(wrapper.sent('values').length).toBe(1);
    local.close();
    const got: number[] = [];
    for await (const v of remote) got.push(v);
    expect(got.length).toBe(30);
    await sending;
  });

  it('a producer awaiting each push sends far fewer messages than values (capacity 256)', async () => {
    const [p1, p2] = channelPair();
    const wrapper = new CountingPort(p1);
    const local = new Channel<number>(64);
    const remote = fromPort<number>(p2, { capacity: 256 });
    const sending = toPort(local, wrapper);
    const producer = (async () => {
      for (let i = 0; i < 2000; i++) await local.push(i);
      local.close();
    })();
    let n = 0;
    for await (const v of remote) {
      expect(v).toBe(n);
      n++;
    }
    await producer;
    await sending;
    expect(n).toBe(2000);
    expect(wrapper.sent('values').length).toBeLessThan(200);
  });
});

describe('transfer', () => {
  it('ArrayBuffers listed by transfer move: detached here, intact there', async () => {
    const [p1, p2] = channelPair();
    const local = new Channel<ArrayBuffer>(4);
    const remote = fromPort<ArrayBuffer>(p2, { capacity: 4 });
    const sending = toPort(local, p1, { transfer: (buf) => [buf] });
    const buffers = [1, 2, 3].map((k) => new Uint8Array(1024).fill(k).buffer);
    await local.pushAll(buffers);
    local.close();
    const got: ArrayBuffer[] = [];
    for await (const v of remote) got.push(v);
    expect(got.map((b) => new Uint8Array(b)[1023])).toEqual([1, 2, 3]);
    expect(got.every((b) => b.byteLength === 1024)).toBe(true);
    expect(buffers.every((b) => b.byteLength === 0)).toBe(true);
    expect(await sending).toEqual({ sent: 3, undelivered: [] });
  });

  it('without transfer the buffers are copied (left intact here)', async () => {
    const [p1, p2] = channelPair();
    const local = new Channel<ArrayBuffer>(1);
    const remote = fromPort<ArrayBuffer>(p2, { capacity: 1 });
    const sending = toPort(local, p1);
    const buf = new Uint8Array(16).fill(9).buffer;
    await local.push(buf);
    local.close();
    const got = await remote.pull();
    expect(new Uint8Array(got)[0]).toBe(9);
    expect(buf.byteLength).toBe(16);
    await sending;
  });

  it('transfer of a value object holding a buffer; two values sharing one buffer are transferred once', async () => {
    const [p1, p2] = channelPair();
    const local = new Channel<{ view: Uint8Array }>(4);
    const remote = fromPort<{ view: Uint8Array }>(p2, { capacity: 4 });
    const sending = toPort(local, p1, { transfer: (v) => [v.view.buffer] });
    const shared = new ArrayBuffer(8);
    const v1 = { view: new Uint8Array(shared, 0, 4).fill(1) };
    const v2 = { view: new Uint8Array(shared, 4, 4).fill(2) };
    local.pushNowait(v1);
    local.pushNowait(v2);
    local.close();
    const a = await remote.pull();
    const b = await remote.pull();
    expect([...a.view]).toEqual([1, 1, 1, 1]);
    expect([...b.view]).toEqual([2, 2, 2, 2]);
    expect(shared.byteLength).toBe(0);
    expect((await sending).sent).toBe(2);
  });

  it('undelivered transferred buffers come back detached (documented); the count is right', async () => {
    const { a, b } = ctlPorts();
    const local = new Channel<ArrayBuffer>(4);
    const remote = fromPort<ArrayBuffer>(b, { capacity: 4 });
    const sending = toPort(local, a, { transfer: (buf) => [buf] });
    await sleep(30);
    b.dead = true; // the receiving context dies before it gets the batch
    await local.pushAll([new ArrayBuffer(4), new ArrayBuffer(4)]);
    const result = await sending; // the heartbeat gives it up
    expect(result.sent).toBe(0);
    expect(result.undelivered.length).toBe(2);
    expect(result.undelivered.every((x) => x.byteLength === 0)).toBe(true);
    remote.close();
    // The heartbeat's ~5 s on real timers: 15 s was once too little on a loaded 2-core machine.
  }, 30_000);
});
