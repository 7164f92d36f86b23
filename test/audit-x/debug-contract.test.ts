/**
 * Audit X: debug mode's own contract (SPEC "Debug mode"), as an inspector sees it over a fake
 * transport: `announce` on enable, nothing posted before `hello`, at most one snapshot per
 * `intervalMs` and only when something changed, `bye` stops it, `version` on every message,
 * messages of another shape ignored, and snapshot fields as the SPEC spells them.
 */
import { Channel } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, test } from 'vitest';

const INTERVAL = 40;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Posted {
  at: number;
  message: Record<string, unknown>;
}

function inspector() {
  const posted: Posted[] = [];
  const listen = new EventTarget();
  const target = {
    postMessage(message: unknown) {
      posted.push({ at: performance.now(), message: message as Record<string, unknown> });
    },
  };
  const send = (data: unknown) => listen.dispatchEvent(new MessageEvent('message', { data }));
  const say = (type: 'hello' | 'bye') => send({ source: 'chanasync-inspector', version: 1, type });
  const snapshots = () => posted.filter((p) => p.message.type === 'snapshot');
  return { posted, listen, target, send, say, snapshots };
}

/** Waits until `check` holds, or fails after a generous deadline. */
async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const open: Channel<unknown>[] = [];
function channel<T>(capacity: number, name: string): Channel<T> {
  const made = new Channel<T>(capacity, { name });
  open.push(made as Channel<unknown>);
  return made;
}

afterEach(() => {
  disableDebug();
  for (const c of open.splice(0)) c.close();
});

describe('debug mode, as an inspector sees it', () => {
  test('enableDebug announces itself (with version) and posts nothing else until hello, whatever changes', async () => {
    const i = inspector();
    enableDebug({ target: i.target, listen: i.listen, intervalMs: INTERVAL });
    expect(i.posted.map((p) => p.message)).toEqual([{ source: 'chanasync', version: 1, type: 'announce' }]);
    const jobs = channel<number>(4, 'jobs');
    jobs.pushNowait(1);
    jobs.pushNowait(2);
    void jobs.pull();
    await sleep(INTERVAL * 4);
    expect(i.posted).toHaveLength(1);
    // snapshot() works all the same, without posting
    expect(snapshot().channels.map((c) => c.name)).toEqual(['jobs']);
    expect(i.posted).toHaveLength(1);
  });

  test('hello gets the current state at once; then at most one snapshot per interval, only on change; bye stops', async () => {
    const i = inspector();
    enableDebug({ target: i.target, listen: i.listen, intervalMs: INTERVAL });
    const jobs = channel<number>(Infinity, 'jobs');
    jobs.pushNowait(0);
    i.say('hello');
    expect(i.snapshots()).toHaveLength(1); // synchronously, in answer to hello
    const first = i.snapshots()[0]?.message as { channels: { capacity: unknown; size: number }[] };
    expect(first.channels[0]).toMatchObject({ name: 'jobs', capacity: null, size: 1 });

    // Churn for a while: every macrotask changes the size.
    const churnUntil = performance.now() + INTERVAL * 8;
    for (let n = 1; performance.now() < churnUntil; n++) {
      jobs.pushNowait(n);
      await sleep(1);
    }
    await sleep(INTERVAL * 2);
    const during = i.snapshots();
    expect(during.length).toBeGreaterThanOrEqual(3);
    for (let k = 1; k < during.length; k++) {
      // Timers never fire early by more than rounding: allow 2 ms.
      expect((during[k] as Posted).at - (during[k - 1] as Posted).at).toBeGreaterThanOrEqual(INTERVAL - 2);
    }
    // Nothing changes now: nothing more is posted.
    const quiet = i.snapshots().length;
    await sleep(INTERVAL * 5);
    expect(i.snapshots()).toHaveLength(quiet);
    // The last snapshot posted is the current state.
    const last = i.snapshots().at(-1)?.message as { channels: { size: number }[] };
    expect(last.channels[0]?.size).toBe(jobs.size);

    i.say('bye');
    const atBye = i.posted.length;
    jobs.pushNowait(-1);
    await sleep(INTERVAL * 4);
    expect(i.posted).toHaveLength(atBye);
    for (const p of i.posted) expect(p.message.version).toBe(1);
  });

  test('a parked operation shows with its kind and since; a stuck channel posts nothing more after the first snapshot', async () => {
    const i = inspector();
    enableDebug({ target: i.target, listen: i.listen, intervalMs: INTERVAL });
    const replies = channel<string>(0, 'replies');
    const before = Date.now();
    const pulled = replies.pull();
    i.say('hello');
    await until(() => i.snapshots().length >= 1, 'a snapshot');
    const message = i.snapshots().at(-1)?.message as {
      channels: { pullers: { kind: string; since: number; stack?: string }[]; pushers: unknown[] }[];
    };
    const [waiter] = message.channels[0]?.pullers ?? [];
    expect(waiter?.kind).toBe('pull');
    expect(waiter?.since).toBeGreaterThanOrEqual(before - 1);
    expect(waiter?.since).toBeLessThanOrEqual(Date.now());
    expect(waiter?.stack).toBeUndefined(); // stacks are off by default
    const count = i.snapshots().length;
    await sleep(INTERVAL * 5);
    expect(i.snapshots()).toHaveLength(count);
    replies.close();
    await expect(pulled).rejects.toThrow();
  });

  test('messages that are almost hello are ignored, without error, and never start the posting', async () => {
    const i = inspector();
    enableDebug({ target: i.target, listen: i.listen, intervalMs: INTERVAL });
    channel<number>(1, 'c').pushNowait(1);
    const almost: unknown[] = [
      null,
      'hello',
      { source: 'chanasync-inspector', version: 2, type: 'hello' },
      { source: 'chanasync-inspector', version: '1', type: 'hello' },
      { source: 'chanasync', version: 1, type: 'hello' },
      { source: 'chanasync-inspector', type: 'hello' },
      { source: 'chanasync-inspector', version: 1, type: 'HELLO' },
      JSON.parse('{"__proto__":{"source":"chanasync-inspector","version":1,"type":"hello"}}'),
      // (An object that only inherits hello's fields is read as hello: no postMessage can carry
      // one, structured clone copies own properties only; left out, see the audit report.)
      new Proxy(
        {},
        {
          get() {
            throw new Error('trap');
          },
          has() {
            throw new Error('trap');
          },
          getPrototypeOf() {
            throw new Error('trap');
          },
          ownKeys() {
            throw new Error('trap');
          },
        },
      ),
      {
        get source(): string {
          throw new Error('getter');
        },
      },
    ];
    for (const data of almost) expect(() => i.send(data)).not.toThrow();
    await sleep(INTERVAL * 3);
    expect(i.posted.map((p) => p.message.type)).toEqual(['announce']);
    expect(({} as Record<string, unknown>).source).toBeUndefined(); // nothing polluted
  });

  test('disableDebug then enableDebug: announce again, and the new session answers the next hello', async () => {
    const i = inspector();
    enableDebug({ target: i.target, listen: i.listen, intervalMs: INTERVAL });
    channel<number>(0, 'first');
    i.say('hello');
    disableDebug();
    const afterDisable = i.posted.length;
    i.say('hello'); // nobody listens any more
    await sleep(INTERVAL * 2);
    expect(i.posted).toHaveLength(afterDisable);
    enableDebug({ target: i.target, listen: i.listen, intervalMs: INTERVAL });
    expect(i.posted.at(-1)?.message.type).toBe('announce');
    channel<number>(0, 'second');
    i.say('hello');
    const last = i.snapshots().at(-1)?.message as { channels: { name: string }[] } | undefined;
    const names = last?.channels.map((c) => c.name);
    expect(names).toEqual(['second']); // channels created before re-enabling are not tracked by the new session
  });
});
