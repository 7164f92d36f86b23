/**
 * Audit BP, mutant E02 (`poll`'s `closed ??= selectCase` → `closed = selectCase`: the error
 * names the last push case on a closed channel, not the first; it survived the select set).
 * The README says a push case on a closed channel rejects the select "deterministically"; the
 * code (and every release before audit BK-S1 moved the check after the loop) names the first
 * such case in list order. Its `channel` is what a caller reads to know which output is gone.
 */
import { Channel, ChannelClosedError, push, select, selectNowait } from 'chanasync';
import { describe, expect, it } from 'vitest';

function closedChannel(name: string): Channel<number> {
  const channel = new Channel<number>(1, { name });
  channel.close();
  return channel;
}

describe('select with several push cases on closed channels', () => {
  it('rejects with the ChannelClosedError of the first one in list order', async () => {
    const first = closedChannel('first');
    const second = closedChannel('second');
    const error = await select([push(first, 1), push(second, 2)]).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as ChannelClosedError).channel).toBe(first);
  });

  it('selectNowait throws the ChannelClosedError of the first one, a skipped null case before it', () => {
    const first = closedChannel('first');
    const second = closedChannel('second');
    const open = new Channel<number>(1);
    let error: unknown;
    try {
      selectNowait([null, push(open, 0), push(first, 1), push(second, 2)]);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as ChannelClosedError).channel).toBe(first);
    expect(open.size).toBe(0);
  });
});
