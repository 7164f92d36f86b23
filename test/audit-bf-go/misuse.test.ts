/**
 * Audit BF (Go lens): slips a Go programmer makes when porting, each refused by the call that
 * made it, with an error that names it.
 */
import { describe, expect, it } from 'vitest';
import { after as afterMs, Channel, merge, pull, push, select, selectNowait, ticker } from '../../dist/index.js';

type Loose = (...args: unknown[]) => unknown;

describe('misuse a Go programmer makes, refused by name', () => {
  it('select(pull(a), pull(b)) — Go-style variadic cases — rejects naming select and saying cases are an array', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    await expect((select as Loose)(pull(a), pull(b))).rejects.toThrow(/^select\(cases\): cases must be an array/);
    expect(() => (selectNowait as Loose)(pull(a), pull(b))).toThrow(/^selectNowait\(cases\)/);
    expect(a.stats().waitingPullers + b.stats().waitingPullers).toBe(0);
  });

  it('a channel in place of a case (Go: case <-ch written as ch) is a TypeError naming select and the case', async () => {
    const a = new Channel<number>();
    await expect((select as Loose)([a])).rejects.toThrow(/select\(cases\): case 0 is not a case/);
  });

  it('a nil channel given to the case builder (pull(null), Go nil-channel idiom) is refused naming pull; a null case is the idiom', async () => {
    expect(() => (pull as Loose)(null)).toThrow(/^pull\(channel\)/);
    expect(() => (push as Loose)(undefined, 1)).toThrow(/^push\(channel\)/);
    const c = new Channel<number>(1);
    c.pushNowait(1);
    expect(await select([null, pull(c)])).toMatchObject({ index: 1, value: 1 });
  });

  it('a context passed positionally (Go ctx first/last argument) is a TypeError naming select', async () => {
    const a = new Channel<number>();
    await expect((select as Loose)([pull(a)], new AbortController().signal)).rejects.toThrow(
      /select: options is an AbortSignal/,
    );
    expect(a.stats().waitingPullers).toBe(0);
  });

  it('merge of a nil channel or of an array is refused naming merge and the argument', () => {
    const a = new Channel<number>();
    expect(() => (merge as Loose)(a, null)).toThrow(/^merge\(\.\.\.channels\): argument 1/);
    expect(() => (merge as Loose)([a])).toThrow(/spread it/);
  });

  it('time.Duration habits: after("5ms") and ticker(0) are refused naming the call', () => {
    expect(() => (afterMs as Loose)('5ms')).toThrow(TypeError);
    expect(() => (afterMs as Loose)('5ms')).toThrow(/^after\(ms\)/);
    expect(() => ticker(0)).toThrow(RangeError);
    expect(() => ticker(0)).toThrow(/^ticker\(ms\)/);
  });
});
