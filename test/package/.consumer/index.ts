/**
 * A consumer program for the `chanasync` entry, compiled by test/package.test.ts against the
 * installed tarball (strict, `skipLibCheck: false`) and then run with Node. It imports every
 * export of the entry — the test checks that against the entry's declarations — and uses each
 * one the way the README does, so a broken declaration or a broken runtime export fails here.
 */
import {
  after,
  type Broadcast,
  broadcast,
  type CaseResult,
  Channel,
  ChannelClosedError,
  ChannelEmptyError,
  ChannelError,
  ChannelFullError,
  type ChannelOptions,
  type ChannelStats,
  type ChannelValue,
  type EventOf,
  type FromEventOptions,
  type FromFunction,
  type FromOptions,
  from,
  fromEvent,
  merge,
  type OperationOptions,
  type Overflow,
  type PullCase,
  type PullChannel,
  type PushCase,
  type PushChannel,
  type PushValue,
  pull,
  push,
  type SelectCase,
  type SelectCases,
  type SelectResult,
  type Source,
  type SubscribeOptions,
  select,
  selectNowait,
  type ToReadableStreamOptions,
  ticker,
  toReadableStream,
} from 'chanasync';

/** Throws unless `actual` equals `expected` (compared as JSON). */
function check(what: string, actual: unknown, expected: unknown): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
}

/** The error `run` rejects or throws with. */
async function failure(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

// Channel, its options and stats; the directional views as parameters.
const overflow: Overflow = 'drop-oldest';
const options: ChannelOptions = { name: 'latest', overflow };
const latest = new Channel<number>(1, options);
latest.pushNowait(1);
latest.pushNowait(2);
const stats: ChannelStats = latest.stats();
check('stats', [stats.name, stats.size, stats.overflow], ['latest', 1, 'drop-oldest']);

async function produce(out: PushChannel<number>, values: readonly number[]): Promise<void> {
  for (const value of values) await out.push(value);
  out.close();
}
async function collect<T>(input: PullChannel<T>): Promise<T[]> {
  const seen: T[] = [];
  for await (const value of input) seen.push(value);
  return seen;
}
const pipe = new Channel<number>();
const [, piped] = await Promise.all([produce(pipe, [1, 2, 3]), collect(pipe)]);
check('a producer and a consumer through the directional views', piped, [1, 2, 3]);

// The non-blocking and batch operations, through the views that have them.
async function batches(out: PushChannel<number>, input: PullChannel<number>): Promise<number[][]> {
  const pushed = out.tryPush(0);
  await out.pushAll([1, 2, 3]);
  const first = await input.pullMany(2);
  return [[pushed ? 1 : 0], first, [input.tryPull() ?? -1, input.tryPull() ?? -1, input.tryPull() ?? -1]];
}
const both = new Channel<number>(8);
check('tryPush, pushAll, pullMany, tryPull on one channel', await batches(both, both), [[1], [0, 1], [2, 3, -1]]);

// The error classes.
const full = new Channel<string>(1, { name: 'full' });
full.pushNowait('a');
const fullError = await failure(() => full.pushNowait('b'));
check('ChannelFullError', [fullError instanceof ChannelFullError, fullError instanceof ChannelError], [true, true]);
const emptyError = await failure(() => new Channel<string>(1).pullNowait());
check('ChannelEmptyError', emptyError instanceof ChannelEmptyError, true);
full.close(new Error('done'));
const closedError = await failure(() => full.push('c'));
if (!(closedError instanceof ChannelClosedError)) throw new Error('push on a closed channel: not a ChannelClosedError');
check(
  'ChannelClosedError names the channel',
  [closedError.message, closedError.channel.name],
  ['push: channel "full" is closed', 'full'],
);

// select, selectNowait and their case and result types.
const orders = new Channel<{ id: number }>(4);
const audit = new Channel<string>();
await orders.push({ id: 7 });
const pullOrder: PullCase<{ id: number }> = pull(orders);
const heartbeat: PushValue<string> = ['heartbeat'];
const pushAudit: PushCase<string> = push(audit, ...heartbeat);
const cases = [pullOrder, pushAudit] as const;
const result: SelectResult<typeof cases> = await select(cases);
if (result.index === 0 && result.ok) check('select narrows value by index', result.value.id, 7);
else throw new Error(`select committed case ${result.index}`);
const first: CaseResult<typeof pullOrder, 0> | undefined = selectNowait([pullOrder]);
check('selectNowait on an empty channel', first, undefined);
const anyCases: SelectCases = [null, pull(orders) satisfies SelectCase];
check('a select with a null case keeps indexes', (await Promise.race([select(anyCases), 'parked'])) === 'parked', true);

// after: a timeout case.
const replies = new Channel<string>();
const timedOut = await select([pull(replies), pull(after(5))]);
check('after(ms) fires as a select case', timedOut.index, 1);
const operation: OperationOptions = { signal: AbortSignal.abort(new Error('stop')) };
check(
  'an aborted pull rejects with the reason',
  ((await failure(() => replies.pull(operation))) as Error).message,
  'stop',
);

// Interop: from, toReadableStream, fromEvent, merge.
const source: Source<number> = [1, 2, 3];
const fromOptions: FromOptions = { capacity: 2, name: 'numbers' };
// The type of `from` and `Channel.from`, exported so that a library can re-export them.
const fromFunction: FromFunction = Channel.from;
check('Channel.from is from', fromFunction === from, true);
const streamOptions: ToReadableStreamOptions = { highWaterMark: 0 };
const stream = toReadableStream(from(source, fromOptions), streamOptions);
check('from → toReadableStream → from', await collect(from(stream)), [1, 2, 3]);
const target = new EventTarget();
const controller = new AbortController();
const eventOptions: FromEventOptions = { capacity: 4, overflow: 'block', signal: controller.signal };
const events = fromEvent(target, 'tick', eventOptions);
target.dispatchEvent(new Event('tick'));
target.dispatchEvent(new Event('tick'));
controller.abort();
check(
  'fromEvent',
  (await collect(events)).map((event) => event.type),
  ['tick', 'tick'],
);
const mixed = merge(from(['a', 'b']), from([1]));
const mixedValues: ChannelValue<typeof mixed>[] = await collect(mixed);
check('merge of different element types keeps every value', mixedValues.map(String).sort(), ['1', 'a', 'b']);
const tickEvent: EventOf<EventTarget, 'tick'> = new Event('tick');
check('EventOf an event without a typed handler is Event', tickEvent.type, 'tick');

// broadcast and ticker.
const prices = new Channel<number>(4);
const hub: Broadcast<number> = broadcast(prices);
const subscription: SubscribeOptions = { capacity: 2 };
const chart = hub.subscribe(subscription);
const latestPrice = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
await prices.pushAll([100, 101]);
check(
  'every subscriber gets every value',
  [await chart.pull(), await chart.pull(), await latestPrice.pull()],
  [100, 101, 101],
);
hub.close();
check('closing a broadcast closes its subscribers', [chart.closed, latestPrice.closed], [true, true]);
const ticks = ticker(5);
const [firstTick, secondTick] = [await ticks.pull(), await ticks.pull()];
ticks.close();
check('a ticker ticks forward in time', secondTick > firstTick, true);
