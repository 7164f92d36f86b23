/**
 * Audit BP (newcomer): the declarations as a TypeScript consumer gets them from the packed
 * tarball, compiled by TypeScript 7 with the settings careful projects use (`strict`,
 * `skipLibCheck: false`, `exactOptionalPropertyTypes`, `noUncheckedIndexedAccess`,
 * `verbatimModuleSyntax`, `isolatedModules`, `types: []`) under `moduleResolution` `bundler`,
 * `node16` and `nodenext`. Beyond test/package.test.ts (every export imported) and
 * test/audit-package.test.ts (the README's blocks type-checked), this reads the README's claims
 * about the types and checks each from the consumer's side with exact type equality:
 * `select`/`selectNowait` narrowing, the members of the directional views, `Channel<void>`,
 * `from` of promises, `merge`/`ChannelValue`, what the port and debug functions accept (a window,
 * a frame's window, a Worker, a worker's `self`), and the Semantic-details promise that
 * "`fromEvent`'s element type is the one `addEventListener` gives for the same target and type",
 * for every event target of lib.dom and lib.webworker that has an event map.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, must, type Packed, pack, root, strictOptions } from './consumer.js';

let packed: Packed | undefined;
let dir = '';

beforeAll(async () => {
  packed = await pack('types');
  dir = await packed.project('types');
}, 120_000);

afterAll(() => packed?.cleanup());

/** Exact type equality, and an assertion that fails to compile when it does not hold. */
const equality = `type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function assert<T extends true>(): void {}
`;

/** The README's claims about the types, in a page (lib DOM). Nothing here runs. */
const claims = `import {
  after, broadcast, Channel, ChannelClosedError, type ChannelValue, from, fromEvent, merge, pull, push,
  type PullChannel, type PushChannel, select, selectNowait, ticker, toReadableStream,
} from 'chanasync';
import { enableDebug, relayDebug, snapshot } from 'chanasync/debug';
import { fromPort, type PortResult, toPort } from 'chanasync/port';
${equality}
// "select … for a tuple of cases TypeScript narrows value by index" — an array literal is a tuple.
export async function narrowing(orders: Channel<{ id: number }>, audit: Channel<string>, ids: Channel<number>[]) {
  const result = await select([pull(orders), push(audit, 'heartbeat'), null, pull(after(20))]);
  if (result.index === 0 && result.ok) assert<Equal<typeof result.value, { id: number }>>();
  if (result.index === 0 && !result.ok) assert<Equal<typeof result.value, undefined>>();
  if (result.index === 1) assert<Equal<typeof result.value, undefined>>();
  if (result.index === 3 && result.ok) assert<Equal<typeof result.value, number>>();
  // @ts-expect-error the null entry keeps its index and can never win
  if (result.index === 2) void result;
  const now = selectNowait([pull(orders), pull(audit)] as const);
  if (now?.index === 1 && now.ok) assert<Equal<typeof now.value, string>>();
  // A list built at run time: one element type, the value may be undefined (a closed channel).
  const any = await select(ids.map((channel) => pull(channel)));
  assert<Equal<typeof any.value, number | undefined>>();
}

// "PushChannel<T>: push, pushNowait, tryPush, pushAll, close and the properties but empty";
// "PullChannel<T>: pull, pullNowait, tryPull, pullMany, async iteration and the properties but full".
export function views(out: PushChannel<number>, input: PullChannel<number>) {
  void [out.name, out.capacity, out.size, out.closed, out.full, out.push, out.pushNowait, out.tryPush, out.pushAll, out.close];
  void [input.name, input.capacity, input.size, input.closed, input.empty, input.pull, input.pullNowait, input.tryPull, input.pullMany];
  // @ts-expect-error no empty on the push end
  void out.empty;
  // @ts-expect-error no pull on the push end
  void out.pull;
  // @ts-expect-error no full on the pull end
  void input.full;
  // @ts-expect-error no push on the pull end
  void input.push;
  // @ts-expect-error no close on the pull end
  void input.close;
}

// Channel<void>: a signal channel is pushed without a value (README: new Channel<void>()).
export async function signals() {
  const stop = new Channel<void>(1);
  await stop.push();
  stop.tryPush();
  const result = await select([push(stop), pull(stop)]);
  if (result.index === 1 && result.ok) assert<Equal<typeof result.value, void>>();
}

// Interop: "A promise in a synchronous iterable is awaited"; merge's type is the union of its inputs'.
export function interop(words: Channel<string>, numbers: PullChannel<number>) {
  const awaited = from([Promise.resolve(1), 2]);
  assert<Equal<typeof awaited, Channel<number>>>();
  const letters = from(['a']);
  assert<Equal<typeof letters, Channel<string>>>();
  const all = merge(words, numbers);
  assert<Equal<typeof all, Channel<string | number>>>();
  assert<Equal<ChannelValue<typeof words | typeof numbers>, string | number>>();
  assert<Equal<ReturnType<typeof after>, Channel<number>>>();
  assert<Equal<ReturnType<typeof ticker>, Channel<number>>>();
  const stream = toReadableStream(words);
  assert<Equal<typeof stream, ReadableStream<string>>>();
  const subscriber = broadcast(words).subscribe();
  assert<Equal<typeof subscriber, Channel<string>>>();
}

// fromEvent: "fromEvent(input, 'keydown') is a Channel<KeyboardEvent>, fromEvent(socket, 'message')
// a Channel<MessageEvent>; other events are Event, or name the type yourself".
export function events(input: HTMLInputElement, socket: WebSocket, worker: Worker, bus: EventTarget) {
  const keys = fromEvent(input, 'keydown');
  assert<Equal<typeof keys, Channel<KeyboardEvent>>>();
  const messages = fromEvent(socket, 'message');
  assert<Equal<typeof messages, Channel<MessageEvent>>>();
  const failures = fromEvent(worker, 'error');
  assert<Equal<typeof failures, Channel<ErrorEvent>>>();
  const ticks = fromEvent(bus, 'tick');
  assert<Equal<typeof ticks, Channel<Event>>>();
  const notes = fromEvent<CustomEvent<string>>(bus, 'note');
  assert<Equal<typeof notes, Channel<CustomEvent<string>>>>();
}

// Errors: pushAll's error carries pushed; a ChannelClosedError has the close reason as cause.
export async function errors(channel: Channel<number>) {
  const error = await channel.pushAll([1, 2]).catch((e: unknown) => e);
  if (error instanceof ChannelClosedError) {
    assert<Equal<typeof error.pushed, number | undefined>>();
    void error.cause;
    void error.channel;
  }
}

// Ports: "A MessagePort, a Worker, a worker's self, a SharedWorker's port, or a Window — then the
// port is the other window: toPort(channel, iframe.contentWindow) in the page,
// fromPort(window.parent, { origin: 'https://app.example' }) in the frame."
export async function ports(numbers: Channel<number>, iframe: HTMLIFrameElement, worker: Worker) {
  const sent: PortResult<number> = await toPort(numbers, iframe.contentWindow!, { origin: 'https://app.example' });
  void sent;
  const inFrame: Channel<number> = fromPort<number>(window.parent, { origin: 'https://app.example' });
  void toPort(numbers, worker, { name: 'numbers' });
  void toPort(numbers, new SharedWorker('shared.js').port);
  void toPort(numbers, new MessageChannel().port1, { transfer: () => [] });
  void inFrame;
}

// Debug mode: "in a page: enableDebug() posts to window"; relayDebug(worker).
export function debug(worker: Worker) {
  enableDebug({ target: window, listen: window, stacks: true, intervalMs: 250, warnLeaks: false });
  enableDebug({ target: worker });
  const stop: () => void = relayDebug(worker);
  stop();
  const taken = snapshot();
  const first = taken.channels[0];
  assert<Equal<typeof taken.source, 'chanasync'>>();
  if (first !== undefined) {
    assert<Equal<typeof first.capacity, number | null>>();
    void first.pullers[0]?.kind;
  }
}
`;

/** A module Worker's code (lib WebWorker, no DOM): README's worker.js, typed. */
const workerProgram = `import { Channel, fromEvent } from 'chanasync';
import { enableDebug, snapshot } from 'chanasync/debug';
import { fromPort, toPort } from 'chanasync/port';
${equality}
enableDebug({ stacks: true });
enableDebug({ target: self, listen: self });
const numbers = fromPort<number>(self, { name: 'numbers', capacity: 64 });
const squares = new Channel<number>(64);
const sending = toPort(squares, self, { name: 'squares' });
for await (const n of numbers) await squares.push(n * n);
squares.close();
await sending;
const buffers = new Channel<ArrayBuffer>(1);
void toPort(buffers, self, { transfer: (buffer) => [buffer] });
const messages = fromEvent(self, 'message');
assert<Equal<typeof messages, Channel<MessageEvent>>>();
void snapshot();
`;

/** The event-map interfaces of a TypeScript lib file whose name is also a declared class: `WebSocket` ↔ `WebSocketEventMap`. */
function eventTargets(libFile: string): string[] {
  const text = readFileSync(libFile, 'utf8');
  return [...text.matchAll(/^interface (\w+)EventMap\b/gm)]
    .map(([, name]) => name!)
    .filter((name) => new RegExp(`^declare var ${name}: \\{`, 'm').test(text));
}

/** TypeScript 7's lib folder (a platform package next to the `typescript` launcher). */
function libFolder(): string {
  const scope = join(root, 'node_modules', '@typescript');
  for (const name of readdirSync(scope)) {
    const lib = join(scope, name, 'lib');
    if (existsSync(join(lib, 'lib.dom.d.ts'))) return lib;
  }
  throw new Error('no lib.dom.d.ts under node_modules/@typescript');
}

/**
 * A program that, for each `[target, map]`, computes the event types for which
 * `EventOf<Target, Type>` (what `fromEvent` returns a channel of) is not exactly `Map[Type]` (what
 * `addEventListener` gives), and makes tsc print them: the expected output is no error.
 */
function agreementProgram(pairs: readonly (readonly [string, string])[]): string {
  return `import type { EventOf } from 'chanasync';
${equality}
type Disagreeing<T, M> = { [K in keyof M & string]: Equal<EventOf<T, K>, M[K]> extends true ? never : K }[keyof M & string];
type Report = {
${pairs.map(([target, map]) => `  ${target}: Disagreeing<${target}, ${map}>;`).join('\n')}
};
type Failing = { [K in keyof Report as [Report[K]] extends [never] ? never : K]: Report[K] };
// With any disagreement, tsc prints the targets and (TS2322) the event types that disagree.
export const disagreeing: Failing = {} as { [K in keyof Failing]: '(the event types listed here disagree)' };
`;
}

/** Compiles `source` as `file` with the strict settings and `lib`; resolves with tsc's output. */
async function compileWith(file: string, source: string, lib: string[], module: 'bundler' | 'node16' | 'nodenext') {
  writeFileSync(join(dir, file), source);
  const moduleOptions =
    module === 'bundler' ? { module: 'esnext', moduleResolution: 'bundler' } : { module, moduleResolution: module };
  const name = `${file.replace(/\W+/g, '-')}-${module}-${lib.join('-')}`;
  return compile(dir, name, { ...strictOptions, lib, ...moduleOptions }, [file]);
}

describe("the README's claims about the types, from a strict consumer", () => {
  it.each(['bundler', 'node16', 'nodenext'] as const)(
    'select narrowing, the directional views, Channel<void>, interop, fromEvent, ports and debug mode hold as written (%s)',
    async (module) => {
      const result = await compileWith('claims.ts', claims, ['ES2022', 'DOM'], module);
      expect(result.output).toBe('');
      expect(result.code).toBe(0);
    },
    120_000,
  );

  it("a module Worker (lib ES2022 + WebWorker, no DOM) uses self as a port, a debug target and fromEvent's target", async () => {
    const result = await compileWith('worker.ts', workerProgram, ['ES2022', 'WebWorker'], 'bundler');
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  }, 120_000);

  it('chanasync/protocol needs neither DOM nor Node types: an inspector or a log tool on bare ES2022 compiles', async () => {
    const program = `import { isPageToInspectorMessage, PAGE_SOURCE, PROTOCOL_VERSION, type PageToInspectorMessage } from 'chanasync/protocol';
export function read(data: unknown): PageToInspectorMessage | undefined {
  return isPageToInspectorMessage(data) && data.source === PAGE_SOURCE && data.version === PROTOCOL_VERSION ? data : undefined;
}
`;
    const result = await compileWith('protocol.ts', program, ['ES2022'], 'nodenext');
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  }, 120_000);
});

describe("fromEvent's element type is the one addEventListener gives (Semantic details)", () => {
  const xhrTargets = ['XMLHttpRequest', 'XMLHttpRequestEventTarget', 'XMLHttpRequestUpload'];

  it('for every event target of lib.dom with an event map but the XMLHttpRequest family, on every event of its map', async () => {
    const targets = eventTargets(join(libFolder(), 'lib.dom.d.ts')).filter((name) => !xhrTargets.includes(name));
    expect(targets.length).toBeGreaterThan(60);
    const pairs = [
      ...targets.map((name) => [name, `${name}EventMap`] as const),
      ['HTMLInputElement', 'HTMLElementEventMap'],
      ['HTMLAudioElement', 'HTMLMediaElementEventMap'],
      ['SharedWorker', 'AbstractWorkerEventMap'],
    ] as const;
    const result = await compileWith('agree-dom.ts', agreementProgram(pairs), ['ES2022', 'DOM'], 'nodenext');
    expect(result.output).toBe('');
  }, 120_000);

  it('for every event target of lib.webworker with an event map (a Worker project: self, WebSocket, …)', async () => {
    const targets = eventTargets(join(libFolder(), 'lib.webworker.d.ts')).filter((name) => !xhrTargets.includes(name));
    expect(targets).toContain('DedicatedWorkerGlobalScope');
    const pairs = targets.map((name) => [name, `${name}EventMap`] as const);
    const result = await compileWith('agree-worker.ts', agreementProgram(pairs), ['ES2022', 'WebWorker'], 'nodenext');
    expect(result.output).toBe('');
  }, 120_000);

  // BP-newcomer-1. Observed: tsc prints every progress event (abort, error, load, loadend,
  // loadstart, progress, timeout) of the three targets: fromEvent gives
  // Channel<ProgressEvent<EventTarget>>, addEventListener a ProgressEvent<XMLHttpRequestEventTarget>
  // (lib.dom's onprogress handler is typed with a bare ProgressEvent, its event map is not).
  it('for XMLHttpRequest, its upload and XMLHttpRequestEventTarget: a progress channel has ProgressEvent<XMLHttpRequestEventTarget>', async () => {
    const pairs = [
      ['XMLHttpRequest', 'XMLHttpRequestEventMap'],
      ['XMLHttpRequestUpload', 'XMLHttpRequestEventTargetEventMap'],
      ['XMLHttpRequestEventTarget', 'XMLHttpRequestEventTargetEventMap'],
    ] as const;
    const result = await compileWith('agree-xhr.ts', agreementProgram(pairs), ['ES2022', 'DOM'], 'nodenext');
    expect(result.output).toBe('');
  }, 120_000);
});

describe('a CommonJS TypeScript consumer', () => {
  it('a .cts file that imports chanasync statically compiles under module nodenext and runs (Node 20.19+ loads ESM with require)', async () => {
    const cjs = await packed!.project('cjs-types', 'commonjs');
    writeFileSync(
      join(cjs, 'main.cts'),
      `import { Channel, ChannelClosedError } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';
async function main(): Promise<string> {
  const { port1, port2 } = new MessageChannel();
  const local = new Channel<number>(2);
  const remote = fromPort<number>(port2, { capacity: 2 });
  const sending = toPort(local, port1);
  await local.pushAll([1, 2, 3]);
  local.close();
  const got: number[] = [];
  for await (const n of remote) got.push(n);
  const { sent } = await sending;
  port1.close();
  const closed = await local.pull().catch((error: unknown) => error instanceof ChannelClosedError);
  return JSON.stringify({ got, sent, closed, sameClass: remote instanceof Channel });
}
main().then((line) => console.log(line));
`,
    );
    // verbatimModuleSyntax forbids import statements in a CommonJS file: a CJS project leaves it off.
    const { verbatimModuleSyntax: _, ...cjsOptions } = strictOptions;
    const options = { ...cjsOptions, noEmit: false, outDir: 'out', lib: ['ES2022', 'DOM'], module: 'nodenext' };
    const result = await compile(cjs, 'cts', options, ['main.cts']);
    expect(result.output).toBe('');
    const printed = await must(process.execPath, [join(cjs, 'out', 'main.cjs')], cjs);
    expect(JSON.parse(printed)).toEqual({ got: [1, 2, 3], sent: 3, closed: true, sameClass: true });
  }, 120_000);
});
