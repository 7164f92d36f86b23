// Blind conformance pass (audit BO-spec): the Errors section of SPEC.md.

import {
  Channel,
  ChannelClosedError,
  ChannelEmptyError,
  ChannelError,
  ChannelFullError,
  push as pushCase,
  select,
  selectNowait,
} from 'chanasync';
import { describe, expect, it } from 'vitest';

async function errorOf(f: () => unknown): Promise<unknown> {
  try {
    await f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('error classes', () => {
  it('ChannelError extends Error; the three subclasses extend ChannelError', () => {
    expect(Object.getPrototypeOf(ChannelError.prototype)).toBe(Error.prototype);
    for (const C of [ChannelClosedError, ChannelFullError, ChannelEmptyError]) {
      expect(Object.getPrototypeOf(C.prototype)).toBe(ChannelError.prototype);
    }
  });

  it('the three subclasses are distinct (no instanceof crosstalk)', () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    let full: unknown;
    try {
      ch.pushNowait(2);
    } catch (e) {
      full = e;
    }
    expect(full).toBeInstanceOf(ChannelFullError);
    expect(full).not.toBeInstanceOf(ChannelClosedError);
    expect(full).not.toBeInstanceOf(ChannelEmptyError);
  });

  it.each([
    [
      'ChannelClosedError',
      ChannelClosedError,
      (ch: Channel<number>) => {
        ch.close();
        return ch.pushNowait(1);
      },
    ],
    ['ChannelFullError', ChannelFullError, (ch: Channel<number>) => ch.pushNowait(1)],
    ['ChannelEmptyError', ChannelEmptyError, (ch: Channel<number>) => ch.pullNowait()],
  ] as const)('%s has name equal to its class name', async (name, C, make) => {
    const ch = new Channel<number>(0, { name: 'n' });
    const e = await errorOf(() => make(ch));
    expect(e).toBeInstanceOf(C);
    expect(e).toBeInstanceOf(ChannelError);
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).name).toBe(name);
    expect(C.name).toBe(name);
    expect(String(e).startsWith(`${name}:`)).toBe(true);
    expect((e as Error).stack).toBeTypeOf('string');
  });

  it('ChannelError.name is "ChannelError"', () => {
    expect(ChannelError.name).toBe('ChannelError');
    expect(ChannelError.prototype.name).toBe('ChannelError');
  });

  it('Object.prototype.toString / JSON-ish inspection keeps working', () => {
    const ch = new Channel<number>(0, { name: 'jobs' });
    let e: unknown;
    try {
      ch.pullNowait();
    } catch (err) {
      e = err;
    }
    expect(Object.prototype.toString.call(e)).toBe('[object Error]');
  });
});

describe('messages name the channel and the operation; channel property', () => {
  const cases: [string, (ch: Channel<number>) => unknown, string, typeof ChannelError][] = [
    [
      'push on closed',
      (ch) => {
        ch.close();
        return ch.push(1);
      },
      'push',
      ChannelClosedError,
    ],
    [
      'pull on closed',
      (ch) => {
        ch.close();
        return ch.pull();
      },
      'pull',
      ChannelClosedError,
    ],
    ['pushNowait on full', (ch) => ch.pushNowait(1), 'pushNowait', ChannelFullError],
    [
      'pushNowait on closed',
      (ch) => {
        ch.close();
        return ch.pushNowait(1);
      },
      'pushNowait',
      ChannelClosedError,
    ],
    ['pullNowait on empty', (ch) => ch.pullNowait(), 'pullNowait', ChannelEmptyError],
    [
      'pullNowait on closed',
      (ch) => {
        ch.close();
        return ch.pullNowait();
      },
      'pullNowait',
      ChannelClosedError,
    ],
    [
      'pullMany on closed',
      (ch) => {
        ch.close();
        return ch.pullMany(3);
      },
      'pullMany',
      ChannelClosedError,
    ],
    [
      'pushAll on closed',
      (ch) => {
        ch.close();
        return ch.pushAll([1, 2]);
      },
      'pushAll',
      ChannelClosedError,
    ],
  ];

  it.each(cases)('%s', async (_, make, op, C) => {
    const ch = new Channel<number>(0, { name: 'jobs-42' });
    const e = (await errorOf(() => make(ch))) as ChannelError;
    expect(e).toBeInstanceOf(C);
    expect(e.message).toContain('jobs-42');
    expect(e.message).toMatch(new RegExp(`\\b${op}\\b`));
    expect(e.channel).toBe(ch);
  });

  it('a parked push rejected by close names push and the channel', async () => {
    const ch = new Channel<number>(0, { name: 'parked' });
    const p = ch.push(1).catch((e) => e);
    await new Promise((r) => setTimeout(r, 0));
    ch.close();
    const e = (await p) as ChannelError;
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.message).toMatch(/\bpush\b/);
    expect(e.message).toContain('parked');
    expect(e.channel).toBe(ch);
  });

  it('a parked pull rejected by close names pull and the channel', async () => {
    const ch = new Channel<number>(0, { name: 'parked' });
    const p = ch.pull().catch((e) => e);
    await new Promise((r) => setTimeout(r, 0));
    ch.close();
    const e = (await p) as ChannelError;
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.message).toMatch(/\bpull\b/);
    expect(e.message).toContain('parked');
  });

  it('an unnamed channel: message names the operation and does not say "undefined"', async () => {
    const ch = new Channel<number>(0);
    const e = (await errorOf(() => ch.pullNowait())) as ChannelError;
    expect(e.message).toMatch(/pullNowait/);
    expect(e.message).not.toContain('undefined');
    expect(e.channel).toBe(ch);
  });

  it('select with a closed push case: ChannelClosedError with the closed channel', async () => {
    const ch = new Channel<number>(0, { name: 'sel-closed' });
    ch.close();
    const e = (await errorOf(() => select([pushCase(ch, 1)]))) as ChannelError;
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.channel).toBe(ch);
    expect(e.message).toContain('sel-closed');
    const e2 = (await errorOf(() => selectNowait([pushCase(ch, 1)]))) as ChannelError;
    expect(e2).toBeInstanceOf(ChannelClosedError);
    expect(e2.channel).toBe(ch);
    expect(e2.message).toContain('sel-closed');
  });

  it('iteration after close(reason) throws the reason; pull gives a ChannelClosedError with cause', async () => {
    const ch = new Channel<number>(0, { name: 'c' });
    const reason = new TypeError('root');
    ch.close(reason);
    const e = (await errorOf(() => ch.pull())) as ChannelError;
    expect(e.cause).toBe(reason);
    expect(e.message).toContain('"c"');
  });
});

describe('parked batch operations failed by close name themselves', () => {
  it('pullMany and pushAll parked then closed: message names pullMany / pushAll', async () => {
    const a = new Channel<number>(0, { name: 'pm' });
    const pm = a.pullMany(3).catch((e) => e);
    const b = new Channel<number>(0, { name: 'pa' });
    const pa = b.pushAll([1, 2]).catch((e) => e);
    await new Promise((r) => setTimeout(r, 0));
    a.close();
    b.close();
    const e1 = (await pm) as ChannelError;
    const e2 = (await pa) as ChannelError;
    expect(e1).toBeInstanceOf(ChannelClosedError);
    expect(e1.message).toMatch(/\bpullMany\b/);
    expect(e1.message).toContain('pm');
    expect(e2).toBeInstanceOf(ChannelClosedError);
    expect(e2.message).toMatch(/\bpushAll\b/);
    expect(e2.pushed).toBe(0);
  });
});
