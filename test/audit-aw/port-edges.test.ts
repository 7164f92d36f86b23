/**
 * Auditor AW — port: falsy close reasons, duplex streams of one name over one port.
 */
import { Channel, ChannelClosedError } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';
import { paired } from '../helpers/ports.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function endOf(ch: Channel<unknown>) {
  const got: unknown[] = [];
  try {
    for await (const v of ch) got.push(v);
    return { got, normal: true as const };
  } catch (e) {
    return { got, thrown: e };
  }
}

describe('falsy close reasons cross the port as reasons', () => {
  for (const reason of [null, 0, false, '']) {
    it(`close(${JSON.stringify(reason)}): the remote for-await throws ${JSON.stringify(reason)} (a reason other than undefined)`, async () => {
      // local baseline
      const base = new Channel<number>(1);
      base.close(reason);
      const localEnd = await endOf(base as Channel<unknown>);
      expect(localEnd).toEqual({ got: [], thrown: reason });

      const { port1, port2 } = new MessageChannel();
      const local = new Channel<number>(Infinity);
      local.pushNowait(1);
      local.close(reason);
      const remote = fromPort<number>(port2, { capacity: 2 });
      const done = toPort(local, port1);
      const end = await endOf(remote as Channel<unknown>);
      expect(end).toEqual({ got: [1], thrown: reason });
      const e = await remote.pull().catch((x) => x);
      expect(e).toBeInstanceOf(ChannelClosedError);
      expect(e.cause).toBe(reason);
      await done;
      port1.close();
      port2.close();
    });
  }

  it('toPort aborted with a falsy signal reason (0) closes the remote with 0', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<number>(Infinity);
    const remote = fromPort<number>(port2, { capacity: 2 });
    const ac = new AbortController();
    const done = toPort(local, port1, { signal: ac.signal });
    await paired(port1);
    ac.abort(0);
    await done;
    const end = await endOf(remote as Channel<unknown>);
    expect(end).toEqual({ got: [], thrown: 0 });
    port1.close();
    port2.close();
  });
});

describe('duplex: one name in both directions over one port', () => {
  it('requests one way and responses the other, both named "" on the same MessageChannel', async () => {
    const { port1, port2 } = new MessageChannel();
    // "worker" side
    const requestsIn = fromPort<number>(port2, { capacity: 2 });
    const responsesOut = new Channel<string>(2);
    const workerSend = toPort(responsesOut, port2);
    const worker = (async () => {
      for await (const n of requestsIn) await responsesOut.push(`r${n}`);
      responsesOut.close();
    })();
    // "page" side
    const requestsOut = new Channel<number>(2);
    const pageSend = toPort(requestsOut, port1);
    const responsesIn = fromPort<string>(port1, { capacity: 2 });
    const producer = (async () => {
      for (let i = 0; i < 50; i++) await requestsOut.push(i);
      requestsOut.close();
    })();
    const got: string[] = [];
    const r = await Promise.race([
      (async () => {
        for await (const s of responsesIn) got.push(s);
        return 'ok';
      })(),
      sleep(5000).then(() => 'hang'),
    ]);
    expect(r).toBe('ok');
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => `r${i}`));
    await producer;
    await worker;
    expect((await pageSend).sent).toBe(50);
    expect((await workerSend).sent).toBe(50);
    port1.close();
    port2.close();
  });
});
