// Audit BT (debug mode): waits on a merge are waits for input only while an input fed from
// outside is left somewhere below it — also when that input sits in a merge, or in a merge behind
// a broadcast, that is itself an input (SPEC: "Stuck marking is for waits that nothing explains").
import { broadcast, Channel, after as fireAfter, merge } from 'chanasync';
import { disableDebug, enableDebug, snapshot } from 'chanasync/debug';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../helpers/poll.js';

afterEach(() => disableDebug());

/** A wait the test ends by closing its channels. */
const quiet = (promise: Promise<unknown>): void => void promise.catch(() => {});

/** The snapshot of the merge made `nth` (0: first) and whether it and its first puller are `input`. */
function mergeInput(nth: number) {
  const merges = snapshot()
    .channels.filter((c) => c.name === 'merge')
    .sort((a, b) => a.id - b.id);
  const found = merges[nth];
  return { channel: found?.input === true, puller: found?.pullers[0]?.input === true };
}

describe('a merge whose input is a merge', () => {
  it('waits for input while the inner merge’s timer is pending, and no more once it fired', async () => {
    enableDebug({ target: { postMessage() {} } });
    const app1 = new Channel<string>(0, { name: 'app1' });
    const app2 = new Channel<string>(0, { name: 'app2' });
    const outer = merge(merge(fireAfter(5), app1), app2);
    quiet(outer.pull());
    await until(() => mergeInput(1).puller);
    expect(mergeInput(1)).toEqual({ channel: true, puller: true }); // the timer explains the wait
    await until(() => !mergeInput(0).channel); // it fired: the inner merge is judged as any
    quiet(outer.pull());
    await until(() => snapshot().channels.some((c) => c.name === 'merge' && c.pullers.length === 1));
    expect(mergeInput(1)).toEqual({ channel: false, puller: false }); // nothing explains it now
    app1.close();
    app2.close();
  });

  it('through a broadcast: a subscriber of a merge whose timer fired feeds nothing from outside', async () => {
    enableDebug({ target: { postMessage() {} } });
    const app1 = new Channel<string>(0, { name: 'app1' });
    const app2 = new Channel<string>(0, { name: 'app2' });
    const outer = merge(broadcast(merge(fireAfter(5), app1)).subscribe(), app2);
    expect(typeof (await outer.pull())).toBe('number');
    quiet(outer.pull());
    await until(() => mergeInput(1).channel === false && snapshot().channels.some((c) => c.pullers.length > 0));
    expect(mergeInput(1)).toEqual({ channel: false, puller: false });
    app1.close();
    app2.close();
  });

  it('keeps waiting for input while one input below is still fed from outside', async () => {
    enableDebug({ target: { postMessage() {} } });
    const events = new EventTarget();
    const { fromEvent } = await import('chanasync');
    const app = new Channel<Event>(0, { name: 'app' });
    const outer = merge(merge(fromEvent(events, 'tick'), app), new Channel<Event>(0));
    quiet(outer.pull());
    await until(() => mergeInput(1).puller);
    expect(mergeInput(1)).toEqual({ channel: true, puller: true });
    app.close();
  });
});
