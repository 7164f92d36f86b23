/**
 * Auditor AW — port × select: a consumer that selects over two remote channels (capacity 0 and
 * 1), with a timeout case, and one with selectNowait polling — the usual event-loop shapes.
 */
import { after, Channel, pull, select, selectNowait } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

for (const capacity of [0, 1]) {
  describe(`select over two fromPort channels of capacity ${capacity}`, () => {
    it("every value of both streams arrives once, in each stream's order, and both toPorts finish", async () => {
      const ab = new MessageChannel();
      const cd = new MessageChannel();
      const la = new Channel<number>(0);
      const lb = new Channel<number>(0);
      const da = toPort(la, ab.port1);
      const db = toPort(lb, cd.port1);
      const ra = fromPort<number>(ab.port2, { capacity });
      const rb = fromPort<number>(cd.port2, { capacity });
      const N = 100;
      const pa = (async () => {
        for (let i = 0; i < N; i++) await la.push(i);
        la.close();
      })();
      const pb = (async () => {
        for (let i = 0; i < N; i++) await lb.push(1000 + i);
        lb.close();
      })();
      const gotA: number[] = [];
      const gotB: number[] = [];
      let openA = true;
      let openB = true;
      const deadline = Date.now() + 8000;
      while ((openA || openB) && Date.now() < deadline) {
        const r = await select([openA ? pull(ra) : null, openB ? pull(rb) : null, pull(after(300))]);
        if (r.index === 0) {
          if (r.ok) gotA.push(r.value as number);
          else openA = false;
        } else if (r.index === 1) {
          if (r.ok) gotB.push(r.value as number);
          else openB = false;
        }
      }
      expect(gotA).toEqual(Array.from({ length: N }, (_, i) => i));
      expect(gotB).toEqual(Array.from({ length: N }, (_, i) => 1000 + i));
      await pa;
      await pb;
      expect(await da).toEqual({ sent: N, undelivered: [] });
      expect(await db).toEqual({ sent: N, undelivered: [] });
      for (const p of [ab.port1, ab.port2, cd.port1, cd.port2]) p.close();
    }, 20_000);

    // capacity 0: README "a capacity-0 fromPort whose consumer only polls (tryPull, selectNowait)
    // grants nothing and receives nothing" — documented, so only capacity ≥ 1 here.
    it.skipIf(capacity === 0)(
      'a selectNowait poll loop (with a short sleep) still receives every value',
      async () => {
        const { port1, port2 } = new MessageChannel();
        const local = new Channel<number>(Infinity);
        for (let i = 0; i < 30; i++) local.pushNowait(i);
        local.close();
        const done = toPort(local, port1);
        const remote = fromPort<number>(port2, { capacity });
        const got: number[] = [];
        const deadline = Date.now() + 5000;
        let closed = false;
        while (!closed && Date.now() < deadline) {
          const r = selectNowait([pull(remote)]);
          if (r === undefined) {
            await sleep(2);
            continue;
          }
          if (!r.ok) closed = true;
          else got.push(r.value as number);
        }
        console.log(`selectNowait poll, capacity ${capacity}: got ${got.length} values, closed ${closed}`);
        expect(got).toEqual(Array.from({ length: 30 }, (_, i) => i));
        expect(closed).toBe(true);
        await done;
        port1.close();
        port2.close();
      },
      10_000,
    );
  });
}
