/**
 * A leaked select names all its cases (audit BQ-inspector-1). Until 2026-12-06 a leak report of
 * a multi-case select carried only its first tracked case's channel, so the panel labelled the
 * leaked row by that channel alone and a filter by another case's channel — which found the
 * select while it was stuck — found nothing once it leaked. `LeakSnapshot.cases` lists its
 * tracked cases in the order of the select's array (the first `LIMITS.leakCases`), each with its
 * direction; the console warning names them too. Runs in the `gc` project (`--expose-gc`).
 */
import { beforeEach, expect, test } from 'vitest';
import { disableDebug, enableDebug, snapshot } from '../src/debug/index.js';
import { Channel, pull, push, select } from '../src/index.js';
import { isPageToInspectorMessage, LIMITS, type SnapshotMessage } from '../src/protocol.js';
import { collectAll, quiet, tick } from './helpers/gc.js';
import { useQuietDebug } from './helpers/quiet-debug.js';

const warn = useQuietDebug(disableDebug);
beforeEach(() => {
  enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
});

/** Parks a select over `count` function-local channels (odd ones pushed into, full), then drops them. */
function abandonSelect(count: number): WeakRef<object>[] {
  const channels = Array.from({ length: count }, (_, i) => {
    const channel = new Channel<number>(1, { name: `case-${i}` });
    if (i % 2 === 1) channel.tryPush(0);
    return channel;
  });
  // A select parks its cases in a random order: the report must still follow the array.
  quiet(select(channels.map((channel, i) => (i % 2 === 1 ? push(channel, i) : pull(channel)))));
  return channels.map((channel) => new WeakRef(channel));
}

test('a leaked two-case select lists both cases, in order, with their directions; its warning names them', async () => {
  const refs = abandonSelect(2);
  await tick();
  const ids = snapshot().channels.map(({ id, name }) => ({ id, name }));
  await collectAll(refs);
  const [leak] = snapshot().leaked ?? [];
  expect(leak).toMatchObject({ kind: 'select', channel: { name: 'case-0' } });
  expect(leak?.cases).toEqual([
    { kind: 'pull', channel: ids.find(({ name }) => name === 'case-0') },
    { kind: 'push', channel: ids.find(({ name }) => name === 'case-1') },
  ]);
  const message = String(warn().mock.calls.at(-1)?.[0]);
  expect(message).toContain('leaked select');
  expect(message).toContain('Its cases: pull "case-0" (#');
  expect(message).toContain('push "case-1" (#');
});

test(`a leaked select of ${LIMITS.leakCases + 4} cases lists its first ${LIMITS.leakCases}, and the snapshot passes the protocol guard`, async () => {
  const refs = abandonSelect(LIMITS.leakCases + 4);
  await tick();
  await collectAll(refs);
  const message: SnapshotMessage = snapshot();
  const [leak] = message.leaked ?? [];
  expect(leak?.cases?.map(({ channel }) => channel.name)).toEqual(
    Array.from({ length: LIMITS.leakCases }, (_, i) => `case-${i}`),
  );
  expect(isPageToInspectorMessage(message)).toBe(true);
});

test('a leaked plain pull has no cases', async () => {
  const refs = (() => {
    const channel = new Channel<number>(0, { name: 'lonely' });
    quiet(channel.pull());
    return [new WeakRef(channel)];
  })();
  await tick();
  await collectAll(refs);
  const [leak] = snapshot().leaked ?? [];
  expect(leak).toMatchObject({ kind: 'pull', channel: { name: 'lonely' } });
  expect(leak).not.toHaveProperty('cases');
});

test('the protocol guard refuses cases on a push or pull leak, more than LIMITS.leakCases, and malformed ones', () => {
  const base = { source: 'chanasync', version: 1, type: 'snapshot', time: 1, channels: [] };
  const leakOf = (kind: string, cases: unknown) => ({
    ...base,
    leaked: [{ id: 1, kind, since: 1, detectedAt: 2, channel: { id: 1, name: 'a', capacity: 0 }, cases }],
  });
  const one = { kind: 'pull', channel: { id: 1, name: 'a' } };
  expect(isPageToInspectorMessage(leakOf('select', [one, { kind: 'push', channel: { id: 2, name: '' } }]))).toBe(true);
  expect(isPageToInspectorMessage(leakOf('pull', [one]))).toBe(false);
  expect(isPageToInspectorMessage(leakOf('select', Array(LIMITS.leakCases + 1).fill(one)))).toBe(false);
  expect(isPageToInspectorMessage(leakOf('select', [{ kind: 'select', channel: { id: 1, name: 'a' } }]))).toBe(false);
  expect(isPageToInspectorMessage(leakOf('select', [{ kind: 'pull', channel: { id: -1, name: 'a' } }]))).toBe(false);
  expect(isPageToInspectorMessage(leakOf('select', [{ kind: 'pull', channel: { id: 1 } }]))).toBe(false);
  expect(isPageToInspectorMessage(leakOf('select', 'a, b'))).toBe(false);
});
