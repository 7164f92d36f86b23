import {
  after,
  broadcast,
  Channel,
  ChannelClosedError,
  ChannelError,
  from,
  fromEvent,
  merge,
  pull,
  push,
  select,
  selectNowait,
  ticker,
  toReadableStream,
} from 'chanasync';
import { describe, expect, it } from 'vitest';

describe('errors name the call and the channel', () => {
  it('select push case on a closed named channel: ChannelClosedError naming the channel and select', async () => {
    const jobs = new Channel<number>(1, { name: 'jobs' });
    jobs.close();
    const e = await select([push(jobs, 1)]).catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e).toBeInstanceOf(ChannelError);
    expect(e.name).toBe('ChannelClosedError');
    expect(e.channel).toBe(jobs);
    expect(e.message).toContain('jobs');
    expect(e.message).toMatch(/select/);
  });

  it('selectNowait push case on a closed channel: the error names selectNowait', () => {
    const jobs = new Channel<number>(1, { name: 'jobs' });
    jobs.close('why');
    let e: unknown;
    try {
      selectNowait([push(jobs, 1)]);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect((e as Error).message).toContain('jobs');
    expect((e as Error).message).toMatch(/selectNowait/);
    expect((e as ChannelClosedError).cause).toBe('why');
  });

  it('select push case closed while waiting: error carries the channel and the close reason', async () => {
    const out = new Channel<number>(0, { name: 'out' });
    const p = select([push(out, 1)]);
    await Promise.resolve();
    const reason = new Error('shutdown');
    out.close(reason);
    const e = await p.catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.channel).toBe(out);
    expect(e.cause).toBe(reason);
    expect(e.message).toContain('out');
  });

  it('select with no case: TypeError naming select', async () => {
    const e = await select([null]).catch((x) => x);
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toMatch(/select/);
  });

  it('bad arguments of the helpers name the function', () => {
    const cases: [() => unknown, RegExp, ErrorConstructor][] = [
      [() => after(Number.NaN), /after/, RangeError],
      [() => ticker(0), /ticker/, RangeError],
      [() => ticker(-5), /ticker/, RangeError],
      [() => merge({} as Channel<number>), /merge/, TypeError],
      [() => broadcast({} as Channel<number>), /broadcast/, TypeError],
      [() => broadcast(new Channel<number>()).subscribe({ capacity: 1.5 }), /subscribe/, RangeError],
      [() => fromEvent({} as EventTarget, 'x'), /fromEvent/, TypeError],
      [() => from(5 as unknown as number[]), /from/, TypeError],
      [() => toReadableStream(new Channel<number>(), { highWaterMark: -1 }), /toReadableStream/, RangeError],
    ];
    for (const [fn, re, type] of cases) {
      let e: unknown;
      try {
        fn();
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(type);
      expect((e as Error).message).toMatch(re);
    }
  });

  it('a pull case on a closed channel never rejects: it fires ok false', async () => {
    const c = new Channel<number>(0, { name: 'c' });
    c.close(new Error('r'));
    expect(await select([pull(c)])).toMatchObject({ ok: false, index: 0 });
  });
});
