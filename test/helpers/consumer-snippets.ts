/**
 * Pieces of the consumer programs that several packaging tests run — in Node
 * (test/env-consumers.test.ts), in a page (test/audit-package.test.ts) and in Deno
 * (test/core-suites.deno.test.ts) — as JavaScript source for a module that has `Channel`,
 * `fromPort`, `toPort` and an `out` object in scope.
 */

/**
 * Streams 1, 2 and 3 through `chanasync/port` over a `MessageChannel`, from a channel of
 * capacity 4 to a `fromPort` of capacity 2; sets `out.port` (what arrived) and `out.sent` (what
 * `toPort` counted), then closes the port, which is the application's job (its other end closes
 * too), so that nothing keeps the program alive.
 */
export const PORT_ROUND_TRIP = `const { port1, port2 } = new MessageChannel();
const local = new Channel(4);
const remote = fromPort(port2, { capacity: 2 });
const sending = toPort(local, port1);
await local.pushAll([1, 2, 3]);
local.close();
out.port = [];
for await (const value of remote) out.port.push(value);
out.sent = (await sending).sent;
port1.close();`;
