/**
 * Audit BD (mutation testing): a `fromPort` channel is watched by its signal's shared listener
 * (`src/signals.ts`) through an object of its own, held strongly. Held weakly (mutant P07: the
 * `true` of its `watch` dropped), that object — reachable from nothing else — was collected at
 * the first garbage collection, and the abort then left the channel open for ever. No earlier
 * test ran a collection between `fromPort` and the abort.
 */

import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';
import { heapUsed } from '../helpers/gc.js';

describe('a port stream given a signal, after garbage collections', () => {
  it('a fromPort channel still closes when its signal aborts after collections ran', async () => {
    const { port1, port2 } = new MessageChannel();
    const controller = new AbortController();
    try {
      const remote = fromPort<number>(port2, { name: 'jobs', capacity: 1, signal: controller.signal });
      await heapUsed();
      controller.abort(new Error('shutdown'));
      expect(remote.closed).toBe(true);
    } finally {
      port1.close();
      port2.close();
    }
  });

  it('(holds) a toPort stream still ends when its signal aborts after collections ran', async () => {
    const { port1, port2 } = new MessageChannel();
    const controller = new AbortController();
    try {
      const local = new Channel<number>(1);
      const done = toPort(local, port1, { name: 'jobs', signal: controller.signal });
      await heapUsed();
      controller.abort(new Error('shutdown'));
      const result = await done;
      expect(result.sent).toBe(0);
    } finally {
      port1.close();
      port2.close();
    }
  });
});
