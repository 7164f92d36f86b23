/**
 * Sixth audit: the docs' claims about leaked operations that need the collector (the `gc`
 * project, `--expose-gc`) — the `console.warn` text of each kind of leak, ids that never repeat,
 * and what a connected inspector is told when debug mode is turned off after a leak. The other
 * debug claims are in claims-debug.test.ts.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { disableDebug, enableDebug, snapshot } from '../src/debug/index.js';
import { Channel, pull, select } from '../src/index.js';
import { INSPECTOR_SOURCE, type SnapshotMessage } from '../src/protocol.js';
import { collectAll, quiet } from './helpers/gc.js';

let warn: ReturnType<typeof vi.spyOn> | undefined;
afterEach(() => {
  disableDebug();
  warn?.mockRestore();
});

/** Console warnings from now on, kept quiet. */
function warnings(): () => string[] {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  return () => (warn?.mock.calls ?? []).map((args: unknown[]) => String(args[0]));
}

/** Parks `park(channel)` on a new channel and drops the channel; its WeakRef. */
function abandoned<T>(make: () => Channel<T>, park: (channel: Channel<T>) => Promise<unknown>): WeakRef<Channel<T>> {
  const channel = make();
  quiet(park(channel));
  return new WeakRef(channel);
}

const REST =
  ' and can never complete: the channel was garbage-collected while the operation was parked on it ' +
  '(nothing committed, aborted or closed it).';

// README "Leaked operations": "… and as one `console.warn` per leak", in the form of the
// example: chanasync: leaked push — a push into channel "reply" (#12, capacity 0) waited 4.2 s …
describe('the console warning of a leak', () => {
  test('a leaked pull on an unnamed unbounded channel reads “a pull from an unnamed channel (#id, unbounded)”', async () => {
    const read = warnings();
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const ref = abandoned(
      () => new Channel<number>(Infinity),
      (channel) => channel.pull(),
    );
    await collectAll([ref]);
    const [leak] = snapshot().leaked ?? [];
    const lines = read();
    expect(lines).toHaveLength(1);
    const [first] = (lines[0] ?? '').split('\n');
    expect(first).toMatch(
      new RegExp(
        `^chanasync: leaked pull — a pull from an unnamed channel \\(#${leak?.channel.id}, unbounded\\) waited \\d+ ms${REST.replace(/[().]/g, '\\$&')}$`,
      ),
    );
  });

  test('a leaked select reads “a select on” the channel of its first case, with its capacity', async () => {
    const read = warnings();
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const refs = (() => {
      const replies = new Channel<string>(2, { name: 'replies' });
      const cancel = new Channel<void>(0, { name: 'cancel' });
      quiet(select([pull(replies), pull(cancel)]));
      return [new WeakRef(replies), new WeakRef(cancel)];
    })();
    await collectAll(refs);
    const lines = read();
    expect(lines).toHaveLength(1); // one select, one leak
    expect(lines[0]).toMatch(/^chanasync: leaked select — a select on channel "replies" \(#\d+, capacity 2\) waited /);
  });

  test('with stacks, the warning ends with where the operation parked and where the channel was created', async () => {
    const read = warnings();
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    const ref = abandoned(
      () => new Channel<number>(0, { name: 'reply' }),
      (channel) => channel.push(1),
    );
    await collectAll([ref]);
    const [warning = ''] = read();
    expect(warning).toMatch(/^chanasync: leaked push — a push into channel "reply" \(#\d+, capacity 0\) waited /);
    expect(warning).toMatch(/\nParked at:\n {4}at .*claims-debug\.gc\.test\.ts:\d+:\d+/);
    expect(warning).toMatch(/\nChannel created at:\n {4}at .*claims-debug\.gc\.test\.ts:\d+:\d+/);
    expect(warning.indexOf('Parked at:')).toBeLessThan(warning.indexOf('Channel created at:'));
    expect(warning).not.toContain('stacks: true'); // the hint is for sessions without stacks
  });
});

// Semantic details, "One leak per operation": "Leak ids, channel ids and `seq` never repeat
// within a page, even across `enableDebug` calls".
test('leak ids never repeat across enableDebug calls', async () => {
  warnings();
  const ids: number[] = [];
  for (let session = 0; session < 3; session++) {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), warnLeaks: false });
    const ref = abandoned(
      () => new Channel<number>(0, { name: `session ${session}` }),
      (channel) => channel.pull(),
    );
    await collectAll([ref]);
    ids.push(...(snapshot().leaked ?? []).map((leak) => leak.id));
  }
  expect(ids).toHaveLength(3);
  expect(new Set(ids).size).toBe(3);
});

// README Reference, `disableDebug()`: the last snapshot a connected inspector gets.
test('the last snapshot after a leak lists no channels, and no leak the inspector had not been shown', async () => {
  warnings();
  const posted: SnapshotMessage[] = [];
  const listen = new EventTarget();
  enableDebug({ target: { postMessage: (m) => void posted.push(m as SnapshotMessage) }, listen, intervalMs: 10 });
  const alive = new Channel<number>(0, { name: 'alive' });
  quiet(alive.pull());
  listen.dispatchEvent(new MessageEvent('message', { data: { source: INSPECTOR_SOURCE, version: 1, type: 'hello' } }));
  const ref = abandoned(
    () => new Channel<number>(0, { name: 'gone' }),
    (channel) => channel.push(1),
  );
  await collectAll([ref]);
  await vi.waitFor(() => expect(posted.at(-1)?.leaked).toHaveLength(1));
  const shown = posted.at(-1)?.leaked;
  disableDebug();
  const last = posted.at(-1);
  expect(last?.channels).toEqual([]);
  expect(last?.leaked).toEqual(shown); // the inspector keeps listing them until its Clear
  alive.close();
});
