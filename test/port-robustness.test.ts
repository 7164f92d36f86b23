/**
 * `chanasync/port` against what the twenty-fourth session's audit found: an emitter-style port
 * (whose `message` listener gets the data itself) took an application's own `{ type: 'close' }`
 * message for the port closing, and ended every stream on it.
 */
import { describe, expect, test } from 'vitest';
import { Channel } from '../src/channel.js';
import { fromPort, type PortLike, type PortResult, toPort } from '../src/port/index.js';
import { closePortsAfterEach, ports } from './helpers/ports.js';

closePortsAfterEach();

describe("an application's own messages on an emitter-style port", () => {
  /** A `PortLike` over a Node `MessagePort` through `on`/`off`: listeners get the data itself. */
  function emitterPort(port: MessagePort & NodeJS.EventEmitter): PortLike {
    return {
      postMessage: (message: unknown, transfer?: Transferable[]) =>
        transfer === undefined ? port.postMessage(message) : port.postMessage(message, transfer),
      addEventListener: (type: string, listener: (data: unknown) => void) => port.on(type, listener),
      removeEventListener: (type: string, listener: (data: unknown) => void) => port.off(type, listener),
    } as unknown as PortLike;
  }

  test.each([[{ type: 'close', reason: 'the dialog closed' }], [{ type: 'messageerror' }]])(
    '%o is a foreign message: ignored, the stream goes on',
    async (foreign) => {
      const [port1, port2] = ports() as unknown as [
        MessagePort & NodeJS.EventEmitter,
        MessagePort & NodeJS.EventEmitter,
      ];
      const local = new Channel<number>(4);
      const outcome: { result?: PortResult<number> } = {};
      const done = toPort(local, emitterPort(port1), { name: 'jobs' }).then((result) => {
        outcome.result = result;
        return result;
      });
      const remote = fromPort<number>(emitterPort(port2), { name: 'jobs', capacity: 4 });
      await local.push(1);
      expect(await remote.pull()).toBe(1);
      port1.postMessage(foreign); // to the receiver's side
      port2.postMessage(foreign); // to the sender's side
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(remote.closed).toBe(false);
      expect(outcome.result).toBeUndefined();
      await local.push(2);
      expect(await remote.pull()).toBe(2);
      local.close();
      await expect(remote.pull()).rejects.toThrow('is closed');
      expect(await done).toEqual({ sent: 2, undelivered: [] });
    },
  );
});
