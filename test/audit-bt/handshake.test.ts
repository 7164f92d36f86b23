// Audit BT (debug mode): a `message` event that is not exactly an inspector's `hello` or `bye`
// is ignored without error — also one whose `data` or `source` getter throws, or whose `type`
// reads `hello` once and throws after (SPEC: "Messages received that are not of this exact shape
// are ignored without error"). A relay forwards a message of its own making to the worker.
import { disableDebug, enableDebug, relayDebug } from 'chanasync/debug';
import { afterEach, describe, expect, it } from 'vitest';

afterEach(() => disableDebug());

const HELLO = { source: 'chanasync-inspector', version: 1, type: 'hello' } as const;

/**
 * Dispatches `event` on `on` and returns what its listeners threw: Node's `EventTarget` reports
 * a listener's exception as an uncaught exception (on the next tick), not to `dispatchEvent`.
 */
async function thrownBy(on: EventTarget, event: Event): Promise<unknown[]> {
  const errors: unknown[] = [];
  const record = (error: unknown) => void errors.push(error);
  process.on('uncaughtException', record);
  try {
    on.dispatchEvent(event);
    await new Promise((resolve) => setTimeout(resolve, 0));
  } finally {
    process.off('uncaughtException', record);
  }
  return errors;
}

/** A recording target: its messages, and its snapshots. */
function target() {
  const messages: { type?: string }[] = [];
  return { messages, postMessage: (message: { type?: string }) => void messages.push(message) };
}

/** An event whose `field` getter throws. */
function throwing(field: 'data' | 'source', data: unknown = HELLO): Event {
  const event = new MessageEvent('message', { data });
  Object.defineProperty(event, field, {
    get() {
      throw new Error(`${field} getter`);
    },
  });
  return event;
}

/** A hello whose `type` reads 'hello' once, then throws. */
function helloOnce(): object {
  let reads = 0;
  return Object.defineProperty({ source: HELLO.source, version: HELLO.version }, 'type', {
    enumerable: true,
    get() {
      if (++reads > 1) throw new Error('type read twice');
      return 'hello';
    },
  });
}

describe('enableDebug’s listener', () => {
  for (const [what, event] of [
    ['data getter throws', () => throwing('data')],
    ['source getter throws', () => throwing('source')],
    ['type getter throws on its second read', () => new MessageEvent('message', { data: helloOnce() })],
  ] as const) {
    it(`ignores an event whose ${what}, and still hears a real hello after`, async () => {
      const listen = new EventTarget();
      const posted = target();
      enableDebug({ target: posted, listen });
      expect(await thrownBy(listen, event())).toEqual([]);
      expect(posted.messages.map((m) => m.type)).toEqual(['announce']);
      listen.dispatchEvent(new MessageEvent('message', { data: HELLO }));
      expect(posted.messages.map((m) => m.type)).toEqual(['announce', 'snapshot']);
    });
  }
});

describe('relayDebug’s listeners', () => {
  it('ignore page events whose getters throw, and forward a hello of the relay’s own making', async () => {
    const listen = new EventTarget();
    const forwarded: unknown[] = [];
    const worker = Object.assign(new EventTarget(), {
      postMessage: (message: unknown) => void forwarded.push(message),
    });
    const stop = relayDebug(worker, { target: target(), listen });
    try {
      expect(await thrownBy(listen, throwing('data'))).toEqual([]);
      expect(await thrownBy(listen, throwing('source'))).toEqual([]);
      expect(forwarded).toEqual([]);
      const extra = { ...HELLO, extra: 'not forwarded' };
      listen.dispatchEvent(new MessageEvent('message', { data: extra }));
      expect(forwarded).toEqual([HELLO]);
      expect(forwarded[0]).not.toBe(extra);
    } finally {
      stop();
    }
  });

  it('ignore a worker event whose data getter throws', async () => {
    const worker = Object.assign(new EventTarget(), { postMessage() {} });
    const posted = target();
    const stop = relayDebug(worker, { target: posted, listen: new EventTarget() });
    try {
      const before = posted.messages.length;
      expect(await thrownBy(worker, throwing('data', { source: 'chanasync', version: 1, type: 'announce' }))).toEqual(
        [],
      );
      expect(posted.messages.length).toBe(before);
    } finally {
      stop();
    }
  });
});
