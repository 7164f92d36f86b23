/**
 * Chains of merges thousands deep (audit BE-C4): a fold `all = merge(all, next)` over many
 * sources. Each merge hands a value or a close on at its input's commit point; past a few
 * hundred merges in one synchronous run the rest goes on from a microtask, so a push into the
 * head never overflows the stack, and nothing overtakes a value held there.
 */
import { Channel, ChannelClosedError, merge } from 'chanasync';
import { describe, expect, it } from 'vitest';

/** A chain of `length` merges over `head`: merge(merge(…merge(head))). */
function chain(head: Channel<number>, length: number): Channel<number> {
  let tail = head;
  for (let i = 0; i < length; i++) tail = merge(tail);
  return tail;
}

async function drain(channel: Channel<number>): Promise<{ values: number[]; error?: unknown }> {
  const values: number[] = [];
  try {
    for await (const value of channel) values.push(value);
    return { values };
  } catch (error) {
    return { values, error };
  }
}

describe('a chain of merges thousands deep', () => {
  it('a push into its head resolves, and every value reaches the end, in order, until the head closes', async () => {
    const head = new Channel<number>();
    const reading = drain(chain(head, 6000));
    for (let i = 0; i < 20; i++) await head.push(i);
    head.close();
    expect(await reading).toEqual({ values: Array.from({ length: 20 }, (_, i) => i) });
  });

  it('a fold of 3000 merges relays a value pushed into its first source, and the next one', async () => {
    const sources = Array.from({ length: 3000 }, () => new Channel<number>());
    let all = merge(sources[0] as Channel<number>);
    for (const source of sources.slice(1)) all = merge(all, source);
    const first = all.pull();
    await (sources[0] as Channel<number>).push(1);
    expect(await first).toBe(1);
    const second = all.pull();
    await (sources[0] as Channel<number>).push(2);
    expect(await second).toBe(2);
    for (const source of sources) source.close();
    await expect(all.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(all.closed).toBe(true);
  });

  it('a head closed right after a push: the value held on the way still comes before the end', async () => {
    const head = new Channel<number>(1);
    const reading = drain(chain(head, 1000));
    head.pushNowait(7); // goes down the chain at once, held past the first few hundred merges
    head.close();
    expect(await reading).toEqual({ values: [7] });
  });

  it('a head closed with a reason right after a push: the value comes first, then the reason', async () => {
    const head = new Channel<number>(1);
    const reason = new Error('head failed');
    const reading = drain(chain(head, 1000));
    head.pushNowait(7);
    head.close(reason);
    expect(await reading).toEqual({ values: [7], error: reason });
  });

  it('the tail closed while a value is held on the way: the value is not lost, it waits in the merge before the tail', async () => {
    const head = new Channel<number>(1);
    const beforeTail = chain(head, 999);
    const tail = merge(beforeTail);
    head.pushNowait(7); // held on the way, a few hundred merges down
    tail.close(); // stops the tail reading: the inputs keep their values
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(tail.closed).toBe(true);
    expect(tail.size).toBe(0);
    expect(beforeTail.pullNowait()).toBe(7);
  });

  it('a merge that hands its held value to a waiting pull sooner (a close noted meanwhile) still takes the next value ahead', async () => {
    const head = new Channel<number>(1);
    const inner = chain(head, 200);
    const other = new Channel<number>(1);
    const tail = merge(inner, other); // the 201st merge on the value's way: it holds the value
    const first = tail.pull();
    head.pushNowait(1);
    other.close();
    expect(tail.closed).toBe(false); // notes other's close, which hands the held value on first
    expect(await first).toBe(1);
    head.pushNowait(2);
    await new Promise((resolve) => setTimeout(resolve, 0));
    // Taken one ahead, as a merge with room does: a non-blocking pull sees it.
    expect(tail.size).toBe(1);
    expect(tail.tryPull()).toBe(2);
  });

  it('values pushed into the head faster than the tail reads keep their order', async () => {
    const head = new Channel<number>(64);
    const tail = chain(head, 2500);
    for (let i = 0; i < 64; i++) head.pushNowait(i);
    head.close();
    expect(await drain(tail)).toEqual({ values: Array.from({ length: 64 }, (_, i) => i) });
  });
});
