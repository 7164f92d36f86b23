// "Free when off" once debug mode has been turned off again: channels created after
// disableDebug() cost what they cost before enableDebug() — no clock read, no stack taken.
import { Channel, pull, select } from 'chanasync';
import { disableDebug, enableDebug } from 'chanasync/debug';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeTarget, sleep } from './helpers.js';

afterEach(() => {
  disableDebug();
});

async function workload(): Promise<void> {
  for (let round = 0; round < 10; round++) {
    const rv = new Channel<number>(0);
    const p = rv.pull();
    await rv.push(1);
    await p;
    const a = new Channel<number>(0);
    const sel = select([pull(a), pull(rv)]);
    await a.push(2);
    await sel;
  }
}

describe('free again after disableDebug', () => {
  it('parking on channels created after disableDebug reads no clock and takes no stack', async () => {
    enableDebug({ target: fakeTarget(), stacks: true });
    await workload(); // debug mode busy for a while
    disableDebug();
    await sleep(5); // let any end-of-task work of the session finish
    const realNow = Date.now;
    const RealError = globalThis.Error;
    const realCapture = RealError.captureStackTrace;
    let clock = 0;
    let stacks = 0;
    Date.now = () => {
      clock++;
      return realNow();
    };
    RealError.captureStackTrace = (...args: Parameters<typeof realCapture>) => {
      stacks++;
      return realCapture(...args);
    };
    globalThis.Error = new Proxy(RealError, {
      construct(target, args) {
        stacks++;
        return Reflect.construct(target, args);
      },
    });
    try {
      await workload();
    } finally {
      Date.now = realNow;
      globalThis.Error = RealError;
      RealError.captureStackTrace = realCapture;
    }
    expect({ clock, stacks }).toEqual({ clock: 0, stacks: 0 });
  });
});
