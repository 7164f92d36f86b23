/**
 * Audit N: the README's Semantic details on `null` options, read literally: "The channel's own
 * methods, `select` and `broadcast.subscribe` read `options = null` as no options; the helpers
 * (…) refuse it with a `TypeError` naming the call. Inside the options, `capacity: null` and
 * `name: null` are a `TypeError` in `new Channel`, `toPort` and `fromPort`, while `from`,
 * `fromEvent` and `subscribe` read them as absent (their own defaults …); `overflow: null`
 * means the default everywhere."
 */
import { describe, expect, test } from 'vitest';
import { enableDebug, relayDebug } from '../../src/debug/index.js';
import {
  after,
  broadcast,
  Channel,
  from,
  fromEvent,
  pull,
  select,
  selectNowait,
  ticker,
  toReadableStream,
} from '../../src/index.js';
import { fromPort, toPort } from '../../src/port/index.js';

// null is what the types refuse: the calls are made as plain JavaScript would make them.
const NULL = null as any;

describe('options = null', () => {
  test("the channel's own methods, select and subscribe read it as no options", async () => {
    const channel = new Channel<number>(4);
    await channel.push(1, NULL);
    expect(channel.tryPush(2)).toBe(true);
    await channel.pushAll([3], NULL);
    expect(await channel.pull(NULL)).toBe(1);
    expect(await channel.pullMany(1, NULL)).toEqual([2]);
    expect(await select([pull(channel)], NULL)).toMatchObject({ index: 0, value: 3, ok: true });
    expect(selectNowait([pull(channel)])).toBeUndefined();
    const source = new Channel<number>();
    const subscriber = broadcast(source).subscribe(NULL);
    expect(subscriber.capacity).toBe(1);
    source.close();
  });

  test.each([
    ['after', /^after\(ms, options\): options must be an object/, () => after(10, NULL)],
    ['ticker', /^ticker\(ms, options\): options must be an object/, () => ticker(10, NULL)],
    ['from', /^from\(source, options\): options must be an object/, () => from([1], NULL)],
    ['fromEvent', /^fromEvent\(.*\): options must be an object/, () => fromEvent(new EventTarget(), 'x', NULL)],
    ['toReadableStream', /^toReadableStream\(channel, options\)/, () => toReadableStream(new Channel(), NULL)],
    ['fromPort', /fromPort/, () => fromPort(new MessageChannel().port1, NULL)],
    ['enableDebug', /^enableDebug\(options\)/, () => enableDebug(NULL)],
    ['relayDebug', /relayDebug/, () => relayDebug(new MessageChannel().port1, NULL)],
  ])('%s refuses it with a TypeError naming the call', (_name, message, call) => {
    expect(call).toThrow(TypeError);
    expect(call).toThrow(message);
  });

  test('toPort refuses it with a TypeError naming the call (a rejection, as it returns a promise)', async () => {
    const { port1, port2 } = new MessageChannel();
    try {
      const error = await Promise.resolve()
        .then(() => toPort(new Channel(), port1, NULL))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(/toPort/);
    } finally {
      port1.close();
      port2.close();
    }
  });
});

describe('null inside the options', () => {
  test('new Channel: capacity null and name null are TypeErrors; overflow null is the default', () => {
    expect(() => new Channel(NULL)).toThrow(TypeError);
    expect(() => new Channel(1, { name: NULL })).toThrow(TypeError);
    expect(new Channel(1, { overflow: NULL }).stats().overflow).toBe('block');
  });

  test('fromPort: capacity null and name null are TypeErrors', () => {
    const { port1, port2 } = new MessageChannel();
    try {
      expect(() => fromPort(port1, { capacity: NULL })).toThrow(TypeError);
      expect(() => fromPort(port1, { name: NULL })).toThrow(TypeError);
    } finally {
      port1.close();
      port2.close();
    }
  });

  test('from, fromEvent and subscribe read capacity, name and overflow null as absent: their own defaults', () => {
    const fromChannel = from([1], { capacity: NULL, name: NULL });
    expect(fromChannel.capacity).toBe(0);
    expect(fromChannel.name).toBe('from');
    fromChannel.close();
    const events = fromEvent(new EventTarget(), 'x', { capacity: NULL, overflow: NULL });
    expect(events.capacity).toBe(1);
    expect(events.stats().overflow).toBe('drop-oldest');
    events.close();
    const source = new Channel<number>();
    const subscriber = broadcast(source).subscribe({ capacity: NULL, overflow: NULL });
    expect(subscriber.capacity).toBe(1);
    expect(subscriber.stats().overflow).toBe('block');
    source.close();
  });
});
