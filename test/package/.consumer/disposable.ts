/**
 * A consumer program that closes a channel with `await using` (see index.ts). The consumer's
 * `lib` need not include `esnext.disposable`: the declarations reference it themselves.
 */
import { Channel } from 'chanasync';

let escaped: Channel<string> | undefined;
{
  await using events = new Channel<string>(4);
  events.pushNowait('opened');
  escaped = events;
}
if (!escaped.closed || escaped.pullNowait() !== 'opened') throw new Error('await using did not close the channel');
