/**
 * Audit D: debug mode's snapshots as an outsider reads them (SPEC.md "Debug mode": snapshots
 * bounded, channels that wait listed before idle ones), through the public entries.
 */
import { Channel } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { LIMITS } from 'chanasync/protocol';
import { afterEach, describe, expect, test } from 'vitest';

afterEach(() => disableDebug());

describe('a page with many more channels than a snapshot lists', () => {
  test('the channels that wait come first whenever they were made, then the oldest idle ones in creation order', () => {
    enableDebug({ target: { postMessage() {} }, listen: new EventTarget() });
    const idle = Array.from({ length: LIMITS.channels + 500 }, (_, i) => new Channel<number>(1, { name: `idle-${i}` }));
    const late = Array.from({ length: 3 }, (_, i) => new Channel<number>(0, { name: `late-${i}` }));
    const pulls = late.map((channel) => channel.pull().catch(() => {}));
    idle[7]?.pushNowait(1); // holds a value, waits for nothing: still idle
    const result = snapshot();
    expect(result.channels.map((channel) => channel.name)).toEqual([
      'late-0',
      'late-1',
      'late-2',
      ...Array.from({ length: LIMITS.channels - 3 }, (_, i) => `idle-${i}`),
    ]);
    expect(result.channels.find((channel) => channel.name === 'idle-7')?.size).toBe(1);
    expect(result.truncated).toEqual({ channels: 503, waiters: 0 });
    for (const channel of late) channel.close();
    return Promise.all(pulls);
  });
});
