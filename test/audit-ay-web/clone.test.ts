/**
 * Audit AY-web, AY-2 in Node: a channel refuses structured cloning at the call — every kind of
 * channel the package makes — so neither `structuredClone` nor a `MessagePort` sends a dead copy
 * of its fields and buffered values. (clone.chromium.test.ts posts one to a real Worker.)
 */
import { MessageChannel } from 'node:worker_threads';
import { after as afterMs, broadcast, Channel, from, fromEvent, merge, ticker } from 'chanasync';
import { expect, it } from 'vitest';

it('structuredClone of a channel throws a DataCloneError that says to use chanasync/port', () => {
  const jobs = new Channel<string>(4, { name: 'jobs' });
  jobs.pushNowait('secret-token');
  expect(() => structuredClone({ jobs })).toThrow(/chanasync Channel: send it with chanasync\/port/);
  let error: unknown;
  try {
    structuredClone(jobs);
  } catch (caught) {
    error = caught;
  }
  expect((error as Error).name).toBe('DataCloneError');
  expect(jobs.pullNowait()).toBe('secret-token'); // the channel itself is untouched
});

it('posting a channel on a MessagePort throws at the call and sends nothing', async () => {
  const { port1, port2 } = new MessageChannel();
  const received: unknown[] = [];
  port2.on('message', (message) => received.push(message));
  const jobs = new Channel<string>(1);
  jobs.pushNowait('secret-token');
  expect(() => port1.postMessage({ jobs })).toThrow(/with chanasync\/port/);
  port1.postMessage('after');
  await new Promise((resolve) => port2.once('message', resolve));
  expect(received).toEqual(['after']);
  port1.close();
});

it('the channels the helpers make refuse cloning too', () => {
  const source = new Channel<number>(1);
  const stop = new AbortController();
  const hub = broadcast(source);
  const made = [
    merge(source),
    hub.subscribe(),
    afterMs(60_000),
    ticker(60_000),
    fromEvent(new EventTarget(), 'x', { signal: stop.signal }),
    from([1, 2]),
  ];
  for (const channel of made) expect(() => structuredClone(channel)).toThrow(/with chanasync\/port/);
  for (const channel of made) channel.close();
  hub.close();
  stop.abort();
});
