// Audit BT (port): when `postMessage` refuses a turn's batch because of one value that cannot be
// cloned, the values before it still arrive — also those that share a transferred buffer, which
// one message must transfer once (README: "a buffer listed by two values of one batch … is
// transferred once and both values arrive sharing it").
import { Channel } from 'chanasync';
import { fromPort, type PortLike, toPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';

interface Item {
  id: string;
  view?: Uint8Array;
  fn?: () => number;
}

/** A pair of ports whose `postMessage` clones at once and throws as a browser's does. */
function browserLikePair(): [PortLike, PortLike] {
  const [a, b] = [new EventTarget(), new EventTarget()];
  const wire = (from: EventTarget, to: EventTarget) =>
    Object.assign(from, {
      postMessage(data: unknown, transfer?: Transferable[]) {
        const copy = structuredClone(data, { transfer: transfer ?? [] });
        setTimeout(() => to.dispatchEvent(Object.assign(new Event('message'), { data: copy })), 0);
      },
    }) as unknown as PortLike;
  return [wire(a, b), wire(b, a)];
}

async function send(port1: PortLike, port2: PortLike) {
  const local = new Channel<Item>(10);
  const remote = fromPort<Item>(port2, { capacity: 10 });
  const buffer = new ArrayBuffer(8);
  local.tryPush({ id: 'a', view: new Uint8Array(buffer, 0, 4) });
  local.tryPush({ id: 'b', view: new Uint8Array(buffer, 4, 4) }); // the same buffer as a's
  local.tryPush({ id: 'c', fn: () => 1 }); // cannot be cloned
  local.tryPush({ id: 'd' });
  const sending = toPort(local, port1, { transfer: (item) => (item.view ? [item.view.buffer as ArrayBuffer] : []) });
  const got: Item[] = [];
  const closed = await (async () => {
    for await (const item of remote) got.push(item);
  })().then(
    () => undefined,
    (error: unknown) => error,
  );
  const error = (await sending.then(
    () => undefined,
    (e: unknown) => e,
  )) as (Error & { sent: number; undelivered: Item[] }) | undefined;
  return { got, closed, error };
}

describe('a batch refused for one value that cannot be cloned', () => {
  for (const [name, pair] of [
    ['Node MessageChannel', () => new MessageChannel() as unknown as { port1: PortLike; port2: PortLike }],
    [
      'a port that clones as a browser does',
      () => Object.fromEntries(browserLikePair().map((p, i) => [`port${i + 1}`, p])),
    ],
  ] as const) {
    it(`${name}: the values before it arrive, sharing their buffer; it and the rest come back`, async () => {
      const { port1, port2 } = pair() as { port1: PortLike; port2: PortLike };
      const { got, closed, error } = await send(port1, port2);
      expect(got.map((item) => item.id)).toEqual(['a', 'b']);
      expect(got[0]!.view!.buffer).toBe(got[1]!.view!.buffer);
      expect(closed).toBeInstanceOf(Error);
      expect(error?.message).toMatch(/could not be posted/);
      expect(error?.sent).toBe(2);
      expect(error?.undelivered.map((item) => item.id)).toEqual(['c', 'd']);
      (port1 as unknown as { close?: () => void }).close?.();
    });
  }
});
