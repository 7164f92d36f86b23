// Outside conformance tests: `chanasync/protocol` as README's Reference documents it.
import { Channel, pull, select } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { isInspectorToPageMessage, isInstanceId, isPageToInspectorMessage, LIMITS, MAX_TIME } from 'chanasync/protocol';
import { afterEach, describe, expect, it } from 'vitest';

afterEach(() => disableDebug());

const row = (o: Record<string, unknown> = {}) => ({
  id: 1,
  name: 'a',
  capacity: 2,
  size: 1,
  closed: false,
  overflow: 'block',
  pushers: [],
  pullers: [],
  ...o,
});
const snap = (channels: unknown[], o: Record<string, unknown> = {}) => ({
  source: 'chanasync',
  version: 1,
  type: 'snapshot',
  time: Date.now(),
  channels,
  ...o,
});

describe('isPageToInspectorMessage', () => {
  it('accepts announce, a real snapshot, and unknown optional fields (version 1 grows by optional fields)', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget(), stacks: true });
    const a = new Channel<number>(0, { name: 'real' });
    const b = new Channel<number>(Infinity, { name: 'inf' });
    b.pushNowait(1);
    const p = select([pull(a), pull(b as Channel<number>)]);
    expect(isPageToInspectorMessage(snapshot())).toBe(true);
    expect(isPageToInspectorMessage({ source: 'chanasync', version: 1, type: 'announce' })).toBe(true);
    expect(isPageToInspectorMessage(snap([row({ future: 1 })], { futureTop: 'x' }))).toBe(true);
    void p;
  });

  it.each([
    ['a size above the capacity', snap([row({ size: 3 })])],
    ['a negative size', snap([row({ size: -1 })])],
    ['a fractional size', snap([row({ size: 0.5 })])],
    ['duplicate channel ids', snap([row(), row()])],
    ['Infinity as capacity (must be null)', snap([row({ capacity: Infinity })])],
    ['a negative time', snap([row()], { time: -1 })],
    ['a time past MAX_TIME', snap([row()], { time: MAX_TIME + 1 })],
    ['a NaN since', snap([row({ size: 0, pullers: [{ kind: 'pull', since: Number.NaN }] })])],
    ['an unknown waiter kind', snap([row({ size: 0, pullers: [{ kind: 'wait', since: 1 }] })])],
    ['an unknown overflow', snap([row({ overflow: 'drop' })])],
    ['version 2', snap([], { version: 2 })],
    ['another source', snap([], { source: 'other' })],
    ['a name longer than LIMITS.name', snap([row({ name: 'x'.repeat(LIMITS.name + 1) })])],
    ['null', null],
    ['a string', 'snapshot'],
  ])('rejects %s', (_label, message) => {
    expect(isPageToInspectorMessage(message)).toBe(false);
  });

  it('never throws, even for a revoked Proxy or fields that throw', () => {
    const r = Proxy.revocable({}, {});
    r.revoke();
    const throwing = {
      get source(): string {
        throw new Error('x');
      },
    };
    expect(() => isPageToInspectorMessage(r.proxy)).not.toThrow();
    expect(isPageToInspectorMessage(r.proxy)).toBe(false);
    expect(isPageToInspectorMessage(throwing)).toBe(false);
    expect(isInspectorToPageMessage(r.proxy)).toBe(false);
    expect(isInspectorToPageMessage(throwing)).toBe(false);
  });
});

describe('isInstanceId', () => {
  it.each([
    ['abc', true],
    ['A-b_9', true],
    ['x'.repeat(64), true],
    ['x'.repeat(65), false],
    ['', false],
    ['a b', false],
    ['é', false],
    [42, false],
    [undefined, false],
  ])('isInstanceId(%j) is %s', (value, expected) => {
    expect(isInstanceId(value)).toBe(expected);
  });
});
