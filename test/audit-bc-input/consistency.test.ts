/**
 * Audit BC-input: the same mistake across sibling entry points gets the same kind of error.
 * Failing tests: BC-I2 (`isPortMessage` throws for a message whose fields throw, unlike its
 * sibling guards), BC-I3 (`new Channel(capacity, signal)` is the one call that accepts a signal
 * in place of its options), BC-I5 (a channel from another copy of chanasync is refused with a
 * message that contradicts itself). The rest are "(holds)" probes.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, broadcast, Channel, from, fromEvent, merge, pull, select, ticker, toReadableStream } from 'chanasync';
import { enableDebug } from 'chanasync/debug';
import { fromPort, isPortMessage, toPort } from 'chanasync/port';
import { isInspectorToPageMessage, isPageToInspectorMessage } from 'chanasync/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { outcome } from './helpers.js';

const signal = () => new AbortController().signal;

describe('an AbortSignal passed in place of the options', () => {
  const calls: [string, () => unknown][] = [
    ['push', () => new Channel(1).push(1, signal() as never)],
    ['pull', () => new Channel(1).pull(signal() as never)],
    ['pullMany', () => new Channel(1).pullMany(1, signal() as never)],
    ['pushAll', () => new Channel(1).pushAll([1], signal() as never)],
    ['select', () => select([pull(new Channel())], signal() as never)],
    ['after', () => after(5, signal() as never)],
    ['ticker', () => ticker(5, signal() as never)],
    ['from', () => from([1], signal() as never)],
    ['fromEvent', () => fromEvent(new EventTarget(), 'x', signal() as never)],
    ['broadcast.subscribe', () => broadcast(new Channel()).subscribe(signal() as never)],
    ['toReadableStream', () => toReadableStream(new Channel(), signal() as never)],
    ['toPort', () => toPort(new Channel(), new MessageChannel().port1, signal() as never)],
    ['fromPort', () => fromPort(new MessageChannel().port1, signal() as never)],
  ];
  it.each(calls)('(holds) %s refuses it with a TypeError that says to pass { signal }', async (_name, call) => {
    const got = await outcome(call);
    expect(got.how === 'throw' || got.how === 'reject').toBe(true);
    const error = (got as { error: Error }).error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/options is an AbortSignal: pass \{ signal \} instead/);
  });

  it('new Channel(capacity, signal) refuses it too, as every other call does (the channel would never close on abort)', () => {
    const ac = new AbortController();
    expect(() => new Channel(1, ac.signal as never)).toThrow(/options is an AbortSignal/);
  });
});

describe('a value that is not a number where a number is expected is a TypeError everywhere', () => {
  const calls: [string, () => unknown][] = [
    ['new Channel("3")', () => new Channel('3' as never)],
    ['pullMany("3")', () => new Channel(1).pullMany('3' as never)],
    ['after("3")', () => after('3' as never)],
    ['ticker("3")', () => ticker('3' as never)],
    ['from(s, { capacity: "3" })', () => from([1], { capacity: '3' as never })],
    ['fromEvent(t, x, { capacity: "3" })', () => fromEvent(new EventTarget(), 'x', { capacity: '3' as never })],
    ['subscribe({ capacity: "3" })', () => broadcast(new Channel()).subscribe({ capacity: '3' as never })],
    ['fromPort(p, { capacity: "3" })', () => fromPort(new MessageChannel().port1, { capacity: '3' as never })],
    ['enableDebug({ intervalMs: "3" })', () => enableDebug({ intervalMs: '3' as never, target: { postMessage() {} } })],
  ];
  it.each(calls)('(holds) %s', async (_name, call) => {
    const got = await outcome(call);
    expect(['throw', 'reject']).toContain(got.how);
    expect((got as { error: unknown }).error).toBeInstanceOf(TypeError);
  });
});

describe('message guards never throw', () => {
  const revoked = () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  };
  const throwingGetter = () => ({
    get source(): string {
      throw new Error('getter');
    },
  });

  it('(holds) isInspectorToPageMessage and isPageToInspectorMessage answer false for a revoked Proxy and a throwing getter', () => {
    for (const guard of [isInspectorToPageMessage, isPageToInspectorMessage]) {
      expect(guard(revoked())).toBe(false);
      expect(guard(throwingGetter())).toBe(false);
    }
  });

  it('isPortMessage answers false for a revoked Proxy, as its sibling guards do', () => {
    expect(() => isPortMessage(revoked())).not.toThrow();
    expect(isPortMessage(revoked())).toBe(false);
  });

  it('isPortMessage answers false for an object whose source getter throws', () => {
    expect(() => isPortMessage(throwingGetter())).not.toThrow();
  });
});

describe('a channel from another copy of chanasync (two bundles in one page)', () => {
  const copies: string[] = [];
  afterAll(() => {
    for (const dir of copies) rmSync(dir, { recursive: true, force: true });
  });

  async function otherCopy(): Promise<typeof import('chanasync')> {
    const dir = mkdtempSync(join(tmpdir(), 'bc-input-copy-'));
    copies.push(dir);
    cpSync(resolve(__dirname, '../../dist'), dir, { recursive: true });
    return import(/* @vite-ignore */ pathToFileURL(join(dir, 'index.js')).href);
  }

  it('(holds) select, merge, broadcast and toReadableStream all refuse it with a TypeError at the call', async () => {
    const { Channel: OtherChannel } = await otherCopy();
    const foreign = new OtherChannel<number>(1);
    expect(foreign instanceof Channel).toBe(false);
    for (const call of [
      () => pull(foreign as never),
      () => merge(foreign as never),
      () => broadcast(foreign as never),
      () => toReadableStream(foreign as never),
    ]) {
      expect(call).toThrow(TypeError);
    }
  });

  it('the refusal says the channel comes from another copy of chanasync, instead of "is not a chanasync Channel, got Channel"', async () => {
    const { Channel: OtherChannel } = await otherCopy();
    const foreign = new OtherChannel<number>(1);
    let message = '';
    try {
      merge(foreign as never);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/another copy|two copies|other copy/i);
  });
});
