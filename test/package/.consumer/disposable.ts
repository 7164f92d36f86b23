/**
 * A consumer program that closes a channel with `await using` (see index.ts). It needs the
 * `esnext.disposable` lib (or `esnext`) in the consumer's own configuration, so the test
 * compiles it only in the configurations that have it.
 */
import { Channel } from 'chanasync';

let escaped: Channel<string> | undefined;
{
  await using events = new Channel<string>(4);
  events.pushNowait('opened');
  escaped = events;
}
if (!escaped.closed || escaped.pullNowait() !== 'opened') throw new Error('await using did not close the channel');
