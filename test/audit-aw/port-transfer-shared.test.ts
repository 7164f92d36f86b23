/**
 * Auditor AW — port: values of one batch whose transferables overlap (views of one buffer).
 */
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('transfer lists of one batch are merged', () => {
  // F4 (FINDINGS.md)
  it('two views of one ArrayBuffer pulled in the same turn both arrive (the batch transfer list should not repeat the buffer)', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = new Channel<Uint8Array>(Infinity);
    const remote = fromPort<Uint8Array>(port2, { capacity: 5 });
    await sleep(20);
    const buf = new Uint8Array([1, 2, 3, 4]);
    local.pushNowait(buf.subarray(0, 2));
    local.pushNowait(buf.subarray(2, 4));
    local.close();
    const outcome = await toPort(local, port1, { transfer: (v) => [v.buffer] }).then(
      (r) => r,
      (e) => e,
    );
    const got: number[][] = [];
    try {
      for await (const v of remote) got.push([...v]);
    } catch {}
    port1.close();
    port2.close();
    expect(outcome).toEqual({ sent: 2, undelivered: [] });
    expect(got).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });
});
