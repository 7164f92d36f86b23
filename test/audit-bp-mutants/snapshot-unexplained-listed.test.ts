/**
 * Audit BP, mutant G05 (`Registry.waiters` no longer puts a wait nothing explains, found past
 * the per-queue limit of 100, in place of the last listed wait: it survived the debug sets; the
 * panel test of audit BN in happy-dom catches it through the rendering). The snapshot itself
 * must list that wait: a channel ranked as maybe stuck must show the wait that makes it so, or an
 * inspector reading the snapshot sees 100 waits for input and no reason for the rank.
 */
import { Channel, pull, select } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, it } from 'vitest';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const open: Channel<number>[] = [];

afterEach(() => {
  disableDebug();
  for (const channel of open.splice(0)) channel.close();
});

describe('a wait nothing explains behind 100 waits for input on one channel', () => {
  it('is listed in the snapshot, as the last of the 100 listed, and the rest counted as omitted', async () => {
    enableDebug({ target: { postMessage() {} } });
    const clicks = new Channel<number>(1, { name: 'clicks', input: true });
    const shutdown = new Channel<number>(0, { name: 'shutdown' });
    open.push(clicks, shutdown);
    for (let i = 0; i < 100; i++) select([pull(clicks), pull(shutdown)]).catch(() => {});
    await sleep(5);
    shutdown.pull().catch(() => {}); // nothing explains this one
    await sleep(5);
    const row = snapshot().channels.find((channel) => channel.name === 'shutdown');
    expect(row?.waiting).toEqual({ pushers: 0, pullers: 101 });
    const pullers = row?.pullers ?? [];
    expect(pullers).toHaveLength(100);
    expect(pullers.filter((waiter) => waiter.input !== true).map((waiter) => waiter.kind)).toEqual(['pull']);
    expect(pullers.at(-1)?.input).not.toBe(true);
    expect(pullers.slice(0, 99).every((waiter) => waiter.input === true)).toBe(true);
  });

  it('(holds) with 100 waits for input only, the 100 oldest are listed, all for input', async () => {
    enableDebug({ target: { postMessage() {} } });
    const clicks = new Channel<number>(1, { name: 'clicks', input: true });
    const shutdown = new Channel<number>(0, { name: 'shutdown' });
    open.push(clicks, shutdown);
    for (let i = 0; i < 101; i++) select([pull(clicks), pull(shutdown)]).catch(() => {});
    await sleep(5);
    const row = snapshot().channels.find((channel) => channel.name === 'shutdown');
    expect(row?.waiting).toEqual({ pushers: 0, pullers: 101 });
    expect(row?.pullers).toHaveLength(100);
    expect(row?.pullers.every((waiter) => waiter.input === true)).toBe(true);
  });
});
