// @vitest-environment happy-dom
/**
 * Fifth audit, web platform: whole programs the way users write them — a search box, drag
 * handling, a click-or-timeout race, a save button, a fetch handler that streams a channel, a
 * line reader over a fetch body, web streams in both directions, `merge` of event channels,
 * `AbortSignal.timeout`/`AbortSignal.any` with every operation, generators with cleanup — each
 * against the public API (`'chanasync'`, i.e. dist/), in happy-dom. Each test checks the exact
 * result, that the program finishes, and what it leaves behind: event listeners (counted on
 * the target), abort listeners (counted on the signal), timers (counted through
 * `setTimeout`/`clearTimeout`) and parked operations (`stats()`).
 */
import { after, broadcast, Channel, ChannelClosedError, fromEvent, merge, pull, select, ticker } from 'chanasync';
import { afterEach, expect, test, vi } from 'vitest';
import { pendingTimers } from './helpers/timers.js';

/** `ReadableStream.from` (Node 20.6+, Firefox; not Chromium 150), which this TypeScript's DOM lib does not declare. */
const streamFrom = <T>(source: AsyncIterable<T>): ReadableStream<T> =>
  (ReadableStream as unknown as { from<U>(source: AsyncIterable<U>): ReadableStream<U> }).from(source);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A macrotask: every microtask queued so far has run. */
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Counts the live listeners of `target`, by type, by wrapping its own add/removeEventListener. */
function countListeners<T extends EventTarget>(target: T): T & { live(type: string): number } {
  const live = new Map<string, Set<unknown>>();
  const add = target.addEventListener.bind(target);
  const remove = target.removeEventListener.bind(target);
  const set = (type: string) => live.get(type) ?? live.set(type, new Set()).get(type)!;
  Object.assign(target, {
    addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: unknown) {
      if (listener) set(type).add(listener);
      add(type, listener, options as AddEventListenerOptions);
    },
    removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: unknown) {
      set(type).delete(listener);
      remove(type, listener, options as EventListenerOptions);
    },
    live: (type: string) => set(type).size,
  });
  return target as T & { live(type: string): number };
}

/** A promise with its resolve and reject. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Waits (real time, 2 s at most) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await sleep(5);
  expect(condition()).toBe(true);
}

afterEach(() => {
  vi.useRealTimers();
  document.body.replaceChildren();
});

// ---------------------------------------------------------------------------------------------
// Components that mount and unmount under one page-wide signal.

test('a component mounted and unmounted 100 times under one page signal leaves no listener behind, on its element or on the signal', async () => {
  const page = countListeners(new AbortController().signal);
  const button = countListeners(document.body.appendChild(document.createElement('button')));
  for (let mount = 0; mount < 100; mount++) {
    // mount: listen for clicks until unmount or until the page leaves
    const clicks = fromEvent(button, 'click', { signal: page });
    const seen = clicks.pull();
    button.click();
    expect((await seen).type).toBe('click');
    clicks.close(); // unmount
  }
  expect(button.live('click')).toBe(0);
  expect(page.live('abort')).toBeLessThanOrEqual(1);
});

test("fromEvent for 'message' on a duck-typed target without a prototype works (no string conversion of the target)", () => {
  const listeners = new Set<unknown>();
  const bare = Object.assign(Object.create(null) as object, {
    addEventListener: (_: string, listener: unknown) => listeners.add(listener),
    removeEventListener: (_: string, listener: unknown) => listeners.delete(listener),
  }) as unknown as EventTarget;
  const messages = fromEvent(bare, 'message');
  expect(listeners.size).toBe(1);
  messages.close();
  expect(listeners.size).toBe(0);
});

test('three event channels on one signal share its abort listener, and aborting it closes all three', () => {
  const controller = new AbortController();
  const signal = countListeners(controller.signal);
  const targets = [0, 1, 2].map(() => countListeners(new EventTarget()));
  const channels = targets.map((target) => fromEvent(target, 'tick', { signal }));
  expect(signal.live('abort')).toBe(1);
  controller.abort();
  expect(channels.map((channel) => channel.closed)).toEqual([true, true, true]);
  expect(targets.map((target) => target.live('tick'))).toEqual([0, 0, 0]);
});

test('fromEvent starts a MessagePort (as onmessage would), whose messages wait until start() in a browser', async () => {
  // A stand-in with a browser port's rule: messages are delivered only once start() was called.
  class Port extends EventTarget {
    get [Symbol.toStringTag]() {
      return 'MessagePort';
    }
    started = false;
    queue: unknown[] = [];
    start() {
      this.started = true;
      for (const data of this.queue.splice(0)) this.dispatchEvent(new MessageEvent('message', { data }));
    }
    deliver(data: unknown) {
      if (this.started) this.dispatchEvent(new MessageEvent('message', { data }));
      else this.queue.push(data);
    }
  }
  const port = new Port();
  port.deliver('early');
  const messages = fromEvent(port, 'message', { capacity: 4, overflow: 'block' });
  port.deliver('late');
  expect(port.started).toBe(true);
  const data = async () => ((await messages.pull()) as MessageEvent).data;
  expect([await data(), await data()]).toEqual(['early', 'late']);
  messages.close();
  const other = new Port();
  fromEvent(other, 'messageerror').close();
  expect(other.started).toBe(false); // only 'message' starts it, as only onmessage does
});

test('a stream teed into two readers gives both every value; cancelling one branch leaves the other whole', async () => {
  const channel = new Channel<number>(Infinity);
  for (let i = 1; i <= 6; i++) channel.pushNowait(i);
  channel.close();
  const [left, right] = channel.toReadableStream().tee();
  const leftReader = left.getReader();
  const fromLeft = [(await leftReader.read()).value, (await leftReader.read()).value];
  // (A branch's cancel settles only once both branches are cancelled, as the Streams spec says.)
  const leftCancelled = leftReader.cancel('left is done');
  const fromRight: number[] = [];
  for await (const value of right) fromRight.push(value);
  expect(fromLeft).toEqual([1, 2]);
  expect(fromRight).toEqual([1, 2, 3, 4, 5, 6]);
  await leftCancelled; // the right branch ended: the source is done
});

test('fromEvent with capacity 0 and the default drop policy fails at once, naming fromEvent and the fix', () => {
  const target = countListeners(new EventTarget());
  expect(() => fromEvent(target, 'click', { capacity: 0 })).toThrow(RangeError);
  expect(() => fromEvent(target, 'click', { capacity: 0 })).toThrow(/^fromEvent\(target, type, options\)/);
  expect(target.live('click')).toBe(0);
  const unbuffered = fromEvent(target, 'click', { capacity: 0, overflow: 'block' });
  expect(unbuffered.capacity).toBe(0);
  unbuffered.close();
});

// ---------------------------------------------------------------------------------------------
// A search box: debounce keystrokes with select + after, cancel the stale request.

/**
 * The search box of a blog post: wait for a pause of `quietMs` in the typing, then search for
 * the field's value, aborting the previous search if it is still running. Ends when `signal`
 * aborts (which closes the keystroke channel).
 */
async function searchBox(
  field: HTMLInputElement,
  search: (query: string, signal: AbortSignal) => Promise<string[]>,
  show: (results: string[]) => void,
  quietMs: number,
  signal: AbortSignal,
): Promise<void> {
  const edits = fromEvent(field, 'input', { signal });
  let running: AbortController | undefined;
  try {
    for await (const _ of edits) {
      // Debounce: every new keystroke restarts the quiet period.
      for (;;) {
        const quiet = new AbortController();
        const { index, ok } = await select([pull(edits), pull(after(quietMs, { signal: quiet.signal }))]);
        quiet.abort(); // clears the timer of a quiet period that lost
        if (index === 1) break;
        if (!ok) return; // the keystroke channel closed: the page is leaving
      }
      running?.abort();
      const request = new AbortController();
      running = request;
      search(field.value, AbortSignal.any([request.signal, signal])).then(show, (error: Error) => {
        if (error.name !== 'AbortError') throw error;
      });
    }
  } finally {
    running?.abort();
  }
}

test('a debounced search box searches once per pause in the typing, for what the field holds then', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  const field = countListeners(document.body.appendChild(document.createElement('input')));
  const queries: string[] = [];
  const page = new AbortController();
  const program = searchBox(
    field,
    async (query) => {
      queries.push(query);
      return [];
    },
    () => {},
    50,
    page.signal,
  );
  const type = (value: string) => {
    field.value = value;
    field.dispatchEvent(new Event('input'));
  };
  for (const value of ['c', 'ch', 'cha']) {
    type(value);
    await vi.advanceTimersByTimeAsync(10);
  }
  await vi.advanceTimersByTimeAsync(39); // 49 ms after the last keystroke
  expect(queries).toEqual([]);
  await vi.advanceTimersByTimeAsync(1);
  expect(queries).toEqual(['cha']);
  type('chan');
  await vi.advanceTimersByTimeAsync(50);
  expect(queries).toEqual(['cha', 'chan']);
  page.abort();
  await program;
  expect(field.live('input')).toBe(0);
  expect(vi.getTimerCount()).toBe(0);
});

test('a search box aborts the stale request when the user types again, and shows only the fresh results', async () => {
  const timers = pendingTimers();
  try {
    const field = countListeners(document.body.appendChild(document.createElement('input')));
    const requests = new Map<string, { signal: AbortSignal; answer: (results: string[]) => void }>();
    const aborted: string[] = [];
    const shown: string[][] = [];
    const page = new AbortController();
    const program = searchBox(
      field,
      (query, signal) =>
        new Promise<string[]>((resolve, reject) => {
          requests.set(query, { signal, answer: resolve });
          signal.addEventListener('abort', () => {
            aborted.push(query);
            reject(signal.reason);
          });
        }),
      (results) => shown.push(results),
      5,
      page.signal,
    );
    const type = (value: string) => {
      field.value = value;
      field.dispatchEvent(new Event('input'));
    };
    type('c');
    type('ch');
    type('cha'); // one burst: one search
    await until(() => requests.has('cha'));
    type('chan');
    await until(() => requests.has('chan'));
    expect(aborted).toEqual(['cha']);
    requests.get('chan')?.answer(['chanasync', 'chan (surname)']);
    await tick();
    expect(shown).toEqual([['chanasync', 'chan (surname)']]);
    expect([...requests.keys()]).toEqual(['cha', 'chan']);
    page.abort();
    await program;
    expect(field.live('input')).toBe(0);
    expect(timers.pending()).toBe(0);
  } finally {
    timers.restore();
  }
});

// ---------------------------------------------------------------------------------------------
// Drag handling: pointerdown/move/up, moves conflated.

interface Point {
  x: number;
  y: number;
}

/**
 * Drag handling: each pointerdown on `handle` starts a drag that listens to the document's
 * pointermove (conflated: a slow consumer sees the latest position) and pointerup, and stops
 * listening to them when the drag ends. Calls `dragged` with each drag's path. Ends when
 * `signal` aborts.
 */
async function dragging(handle: HTMLElement, dragged: (path: Point[]) => void, signal: AbortSignal): Promise<void> {
  const at = (event: PointerEvent): Point => ({ x: event.clientX, y: event.clientY });
  for await (const down of fromEvent(handle, 'pointerdown', { signal })) {
    const drag = new AbortController();
    const during = AbortSignal.any([drag.signal, signal]);
    const moves = fromEvent(document, 'pointermove', { signal: during });
    const ups = fromEvent(document, 'pointerup', { signal: during });
    const path = [at(down)];
    try {
      for (;;) {
        const result = await select([pull(moves), pull(ups)] as const);
        if (!result.ok) return; // the page is leaving
        path.push(at(result.value));
        if (result.index === 1) break;
      }
    } finally {
      drag.abort();
    }
    dragged(path);
  }
}

test('a drag sees the latest pointer position, ends at pointerup, and stops listening to moves between drags', async () => {
  const handle = countListeners(document.body.appendChild(document.createElement('div')));
  const doc = countListeners(document);
  const paths: Point[][] = [];
  const page = new AbortController();
  const program = dragging(handle, (path) => paths.push(path), page.signal);
  const pointer = (target: EventTarget, type: string, x: number, y: number) =>
    target.dispatchEvent(new PointerEvent(type, { clientX: x, clientY: y, bubbles: true }));

  pointer(handle, 'pointerdown', 0, 0);
  await tick();
  expect(doc.live('pointermove')).toBe(1);
  // A burst of moves in one task: the first goes to the waiting select, the latest of the
  // rest waits in the conflated channel, the ones between are dropped.
  for (let x = 1; x <= 5; x++) pointer(document, 'pointermove', x, x);
  await tick();
  pointer(document, 'pointermove', 6, 8);
  await tick();
  pointer(document, 'pointerup', 7, 9);
  await tick();
  expect(paths).toEqual([
    [
      { x: 0, y: 0 },
      { x: 1, y: 1 },
      { x: 5, y: 5 },
      { x: 6, y: 8 },
      { x: 7, y: 9 },
    ],
  ]);
  expect(doc.live('pointermove')).toBe(0);
  expect(doc.live('pointerup')).toBe(0);
  pointer(document, 'pointermove', 50, 50); // between drags: nobody listens, nothing is kept

  pointer(handle, 'pointerdown', 10, 10);
  await tick();
  pointer(document, 'pointerup', 11, 11);
  await tick();
  expect(paths[1]).toEqual([
    { x: 10, y: 10 },
    { x: 11, y: 11 },
  ]);
  page.abort();
  await program;
  expect(handle.live('pointerdown')).toBe(0);
});

test('a drag in progress when the page leaves ends the program and removes all three listeners', async () => {
  const handle = countListeners(document.body.appendChild(document.createElement('div')));
  const doc = countListeners(document);
  const page = new AbortController();
  const paths: Point[][] = [];
  const program = dragging(handle, (path) => paths.push(path), page.signal);
  handle.dispatchEvent(new PointerEvent('pointerdown', { clientX: 1, clientY: 1 }));
  await tick();
  page.abort();
  await program;
  expect(paths).toEqual([]);
  expect([handle.live('pointerdown'), doc.live('pointermove'), doc.live('pointerup')]).toEqual([0, 0, 0]);
});

// ---------------------------------------------------------------------------------------------
// A click-or-timeout race.

/** "Undo" toast: resolves 'undone' if the button is clicked within `ms`, else 'kept'. */
async function undoWithin(button: HTMLButtonElement, ms: number): Promise<'undone' | 'kept'> {
  using clicks = fromEvent(button, 'click');
  const timeout = new AbortController();
  try {
    const { index } = await select([pull(clicks), pull(after(ms, { signal: timeout.signal }))]);
    return index === 0 ? 'undone' : 'kept';
  } finally {
    timeout.abort();
  }
}

test('a click before the timeout wins the race, and neither the listener nor the timer is left behind', async () => {
  const timers = pendingTimers();
  try {
    const button = countListeners(document.body.appendChild(document.createElement('button')));
    const race = undoWithin(button, 10_000);
    await tick();
    button.click();
    expect(await race).toBe('undone');
    expect(button.live('click')).toBe(0);
    expect(timers.pending()).toBe(0);
  } finally {
    timers.restore();
  }
});

test('without a click the timeout wins the race, after the delay, and the listener is removed', async () => {
  const button = countListeners(document.body.appendChild(document.createElement('button')));
  const started = Date.now();
  expect(await undoWithin(button, 30)).toBe('kept');
  expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  expect(button.live('click')).toBe(0);
  button.click(); // late: nobody listens, no error
});

// ---------------------------------------------------------------------------------------------
// A form whose submit events are processed one at a time.

function saveForm() {
  const form = countListeners(document.body.appendChild(document.createElement('form')));
  const buttons = ['draft', 'publish', 'archive'].map((action) => {
    const button = form.appendChild(document.createElement('button'));
    button.type = 'submit';
    button.name = 'action';
    button.value = action;
    return button;
  });
  form.addEventListener('submit', (event) => event.preventDefault()); // must be synchronous: see the test below
  return { form, buttons };
}

/** Saves each submit in turn: one request at a time, none lost ('block' keeps every submit). */
async function saveEach(form: HTMLFormElement, save: (action: string) => Promise<void>, signal: AbortSignal) {
  for await (const event of fromEvent(form, 'submit', { overflow: 'block', signal })) {
    await save(event.submitter?.getAttribute('value') ?? '');
  }
}

test("a form with overflow 'block' processes every submit, in order, never two at once", async () => {
  const { form, buttons } = saveForm();
  const saved: string[] = [];
  let running = 0;
  let most = 0;
  const page = new AbortController();
  const program = saveEach(
    form,
    async (action) => {
      most = Math.max(most, ++running);
      await sleep(2);
      saved.push(action);
      running--;
    },
    page.signal,
  );
  for (const button of [buttons[0], buttons[1], buttons[0], buttons[2]]) button?.click();
  await until(() => saved.length === 4);
  expect(saved).toEqual(['draft', 'publish', 'draft', 'archive']);
  expect(most).toBe(1);
  page.abort();
  await program;
  expect(form.live('submit')).toBe(1); // only the page's own preventDefault listener
});

test('a save button with the default conflated channel saves the first click and the latest one made while saving', async () => {
  const button = countListeners(document.body.appendChild(document.createElement('button')));
  const saving = deferred<void>();
  const saves: number[] = [];
  const page = new AbortController();
  const program = (async () => {
    for await (const click of fromEvent(button, 'click', { signal: page.signal })) {
      saves.push(click.detail);
      if (saves.length === 1) await saving.promise;
    }
  })();
  // The first click goes straight to the waiting loop; of the four made while it saves, the
  // conflated channel keeps the latest.
  for (let i = 1; i <= 5; i++) button.dispatchEvent(new MouseEvent('click', { detail: i }));
  await tick();
  expect(saves).toEqual([1]);
  saving.resolve();
  await tick();
  expect(saves).toEqual([1, 5]);
  page.abort();
  await program;
  expect(button.live('click')).toBe(0);
});

test('preventDefault on an event pulled from fromEvent comes too late: the dispatch is over (call it in a listener of your own)', async () => {
  const form = document.body.appendChild(document.createElement('form'));
  const submits = fromEvent(form, 'submit');
  const event = new Event('submit', { cancelable: true });
  const notPrevented = form.dispatchEvent(event);
  (await submits.pull()).preventDefault();
  expect(notPrevented).toBe(true);
  submits.close();
});

// ---------------------------------------------------------------------------------------------
// A fetch handler that streams a channel as the response body, and the reverse.

/**
 * A fetch handler (a Worker's, or a service worker's) that streams lines as they are produced:
 * the producer pushes into a channel, the response body is the channel as a stream. The
 * producer pushes with the request's signal, so it stops when the client goes away.
 */
function handler(
  produce: (push: (line: string) => Promise<void>) => Promise<void>,
  signal: AbortSignal,
): { response: Response; lines: Channel<string>; done: Promise<void> } {
  const lines = new Channel<string>(2);
  const done = produce((line) => lines.push(`${line}\n`, { signal })).then(
    () => lines.close(),
    (error: unknown) => lines.close(error),
  );
  const body = lines.toReadableStream().pipeThrough(new TextEncoderStream());
  return { response: new Response(body, { headers: { 'content-type': 'text/plain' } }), lines, done };
}

test('a fetch handler streams every line the producer pushes, in order, as the response body', async () => {
  const { response, lines, done } = handler(async (push) => {
    for (let i = 1; i <= 100; i++) await push(`line ${i}`);
  }, new AbortController().signal);
  const text = await response.text();
  await done;
  expect(text).toBe(Array.from({ length: 100 }, (_, i) => `line ${i + 1}\n`).join(''));
  expect(lines.stats()).toMatchObject({ closed: true, size: 0, waitingPushers: 0, waitingPullers: 0 });
});

test('a producer that fails mid-way errors the response body after the lines it sent', async () => {
  const { response } = handler(async (push) => {
    await push('one');
    await push('two');
    throw new Error('database went away');
  }, new AbortController().signal);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  const error = await (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return 'ended without error';
      text += value;
    }
  })().catch((e: Error) => e.message);
  expect(text).toBe('one\ntwo\n');
  expect(error).toBe('database went away');
});

test('a client that cancels the body mid-way stops the producer through the request signal; the channel keeps what the pipe had not taken', async () => {
  const request = new AbortController();
  let produced = 0;
  const { response, lines, done } = handler(async (push) => {
    for (;;) {
      await push(`line ${produced + 1}`);
      produced++;
    }
  }, request.signal);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  expect((await reader.read()).value).toBe('line 1\n');
  await reader.cancel('client went away');
  await tick();
  // The channel stays open (cancelling a stream does not close it): the producer filled the
  // buffer and waits — only the request's signal stops it.
  expect(lines.closed).toBe(false);
  const buffered = lines.size;
  expect(lines.stats().waitingPushers).toBe(1);
  request.abort(new Error('client went away'));
  await done;
  expect(lines.closed).toBe(true);
  expect(lines.stats().waitingPushers).toBe(0);
  // Every line pushed is accounted for: line 1 read by the client; the last ones still in the
  // channel; between them at most one taken by pipeThrough into the TextEncoderStream's queue
  // (its writable side has a highWaterMark of 1), gone with the cancelled pipe as any stream's
  // queue is (Node's pipe takes one ahead here, Chromium's did not).
  expect(produced - buffered - 1).toBeLessThanOrEqual(1);
  // (closed with the abort's reason, so a for await would throw it after the buffered lines)
  const rest: string[] = [];
  for (let line = lines.tryPull(); line !== undefined; line = lines.tryPull()) rest.push(line);
  expect(rest).toEqual(Array.from({ length: buffered }, (_, i) => `line ${produced - buffered + i + 1}\n`));
});

test('a fetch handler whose body is toReadableStream(lines, { closeOnCancel: true }) stops its producer when the client cancels, with no signal', async () => {
  const lines = new Channel<string>(2);
  let produced = 0;
  const producer = (async () => {
    for (;;) {
      await lines.push(`line ${produced + 1}\n`);
      produced++;
    }
  })().catch((error: unknown) => error);
  const response = new Response(lines.toReadableStream({ closeOnCancel: true }).pipeThrough(new TextEncoderStream()));
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  expect((await reader.read()).value).toBe('line 1\n');
  await reader.cancel('client went away');
  expect(await producer).toBeInstanceOf(ChannelClosedError);
  expect(lines.stats()).toMatchObject({ closed: true, waitingPushers: 0, waitingPullers: 0 });
  // What was buffered when the client left stays readable (closing loses nothing).
  const rest: string[] = [];
  for await (const line of lines) rest.push(line);
  expect(rest).toEqual(Array.from({ length: rest.length }, (_, i) => `line ${produced - rest.length + i + 1}\n`));
});

/** Splits a stream of text chunks into lines (a chunk may end mid-line). */
async function* splitLines(chunks: Channel<string>): AsyncGenerator<string> {
  let rest = '';
  try {
    for await (const chunk of chunks) {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      yield* parts;
    }
    if (rest !== '') yield rest;
  } finally {
    chunks.close(); // stops the reader when the consumer stops early (break alone would not)
  }
}

/** A response whose body arrives in the given byte chunks; records whether it was cancelled. */
function chunkedResponse(chunks: Uint8Array[]) {
  const state = { pulled: 0, cancelled: false as boolean, reason: undefined as unknown };
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const chunk = chunks[state.pulled++];
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
      cancel(reason) {
        state.cancelled = true;
        state.reason = reason;
      },
    },
    { highWaterMark: 0 },
  );
  return { response: new Response(body), state };
}

test('lines read from a fetch body through TextDecoderStream come out whole, also when a chunk splits a line or a character', async () => {
  const bytes = new TextEncoder().encode('héllo\nwörld\n\nlast line without newline');
  // Split inside 'é' (two bytes) and inside 'wörld' and right after a newline.
  const cuts = [2, 9, 13, 20, bytes.length];
  const chunks = cuts.map((end, i) => bytes.slice(i === 0 ? 0 : cuts[i - 1], end));
  const { response } = chunkedResponse(chunks);
  const text = Channel.from(response.body!.pipeThrough(new TextDecoderStream()));
  const lines: string[] = [];
  for await (const line of Channel.from(splitLines(text))) lines.push(line);
  expect(lines).toEqual(['héllo', 'wörld', '', 'last line without newline']);
  expect(text.closed).toBe(true);
});

test('a reader that stops after two lines and closes its channel cancels the fetch body, and the generator cleans up', async () => {
  const enc = new TextEncoder();
  const chunks = Array.from({ length: 50 }, (_, i) => enc.encode(`row ${i}\n`));
  const { response, state } = chunkedResponse(chunks);
  const text = Channel.from(response.body!.pipeThrough(new TextDecoderStream()));
  const rows = Channel.from(splitLines(text));
  const first: string[] = [];
  for await (const row of rows) {
    first.push(row);
    if (first.length === 2) break;
  }
  rows.close(); // done with it: runs splitLines' finally, which closes `text`, which cancels the body
  await until(() => state.cancelled);
  expect(first).toEqual(['row 0', 'row 1']);
  expect(text.closed).toBe(true);
  expect(state.pulled).toBeLessThan(10); // read lazily: nowhere near the 50 chunks
});

// ---------------------------------------------------------------------------------------------
// Downloads with a cancel button, an idle timeout, a throttle.

/** An endless body: a chunk every `ms`; records how far it got and whether it was cancelled. */
function endlessBody(ms: number) {
  const state = { made: 0, cancelled: false };
  const stream = new ReadableStream<string>(
    {
      async pull(controller) {
        await sleep(ms);
        controller.enqueue(`chunk ${state.made++}`);
      },
      cancel() {
        state.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

test('a download with a cancel button: select over the chunks and the clicks stops at the click, cancels the body and removes the listener', async () => {
  const { stream, state } = endlessBody(2);
  const button = countListeners(document.body.appendChild(document.createElement('button')));
  const chunks = Channel.from(stream);
  const got: string[] = [];
  const download = (async () => {
    using cancel = fromEvent(button, 'click');
    for (;;) {
      const result = await select([pull(chunks), pull(cancel)]);
      if (result.index === 1) {
        chunks.close();
        return 'cancelled';
      }
      if (!result.ok) return 'complete';
      got.push(result.value as string);
    }
  })();
  await until(() => got.length >= 3);
  button.click();
  expect(await download).toBe('cancelled');
  await until(() => state.cancelled);
  expect(got).toEqual(Array.from({ length: got.length }, (_, i) => `chunk ${i}`));
  expect(state.made - got.length).toBeLessThanOrEqual(1); // read lazily: at most the chunk in hand when the click came
  expect(button.live('click')).toBe(0);
});

test('a reader with an idle timeout gives up when the body stalls, and the chunks before the stall all arrived', async () => {
  const timers = pendingTimers();
  try {
    let cancelled = false;
    const stall = deferred<void>();
    let made = 0;
    const body = new ReadableStream<string>({
      async pull(controller) {
        if (made === 3) await stall.promise; // the server stops sending
        controller.enqueue(`chunk ${made++}`);
      },
      cancel() {
        cancelled = true;
        stall.resolve();
      },
    });
    const chunks = Channel.from(body);
    const got: string[] = [];
    let outcome = '';
    for (;;) {
      const idle = new AbortController();
      const result = await select([pull(chunks), pull(after(30, { signal: idle.signal }))]);
      idle.abort();
      if (result.index === 1) {
        chunks.close();
        outcome = 'idle timeout';
        break;
      }
      if (!result.ok) break;
      got.push(result.value as string);
    }
    expect(outcome).toBe('idle timeout');
    expect(got).toEqual(['chunk 0', 'chunk 1', 'chunk 2']);
    await until(() => cancelled);
    expect(timers.pending()).toBe(0);
  } finally {
    timers.restore();
  }
});

test('a throttled autosave (a ticker and tryPull on the conflated input channel) saves the latest text once per tick, and nothing when nothing changed', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  const field = countListeners(document.body.appendChild(document.createElement('textarea')));
  const page = new AbortController();
  const saved: [number, string][] = [];
  const start = Date.now();
  const program = (async () => {
    const edits = fromEvent(field, 'input', { signal: page.signal });
    for await (const now of ticker(100, { signal: page.signal })) {
      const latest = edits.tryPull();
      if (latest) saved.push([now - start, (latest.target as HTMLTextAreaElement).value]);
    }
  })();
  const type = async (at: number, value: string) => {
    await vi.advanceTimersByTimeAsync(at - (Date.now() - start));
    field.value = value;
    field.dispatchEvent(new Event('input'));
  };
  await type(10, 'h');
  await type(20, 'he');
  await type(150, 'hello');
  await vi.advanceTimersByTimeAsync(400 - (Date.now() - start));
  expect(saved).toEqual([
    [100, 'he'],
    [200, 'hello'],
  ]);
  page.abort();
  await program;
  expect(field.live('input')).toBe(0);
  expect(vi.getTimerCount()).toBe(0);
});

test('a channel of log lines compressed through CompressionStream and back comes out exactly as pushed', async () => {
  const lines = new Channel<string>(4);
  const producer = (async () => {
    for (let i = 0; i < 500; i++) await lines.push(`${new Date(0).toISOString()} request ${i} ok\n`);
    lines.close();
  })();
  const gzipped = lines
    .toReadableStream()
    .pipeThrough(new TextEncoderStream())
    .pipeThrough(new CompressionStream('gzip'));
  const bytes = new Uint8Array(await new Response(gzipped).arrayBuffer());
  await producer;
  const text: string[] = [];
  const decoded = new Response(bytes)
    .body!.pipeThrough(new DecompressionStream('gzip'))
    .pipeThrough(new TextDecoderStream());
  for await (const chunk of Channel.from(decoded)) text.push(chunk);
  expect(text.join('')).toBe(
    Array.from({ length: 500 }, (_, i) => `1970-01-01T00:00:00.000Z request ${i} ok\n`).join(''),
  );
  expect(bytes.length).toBeLessThan(text.join('').length / 5);
});

test('a proxy that rewrites an upstream body line by line cancels the upstream fetch when its client cancels', async () => {
  const enc = new TextEncoder();
  const { response: upstream, state } = chunkedResponse(Array.from({ length: 100 }, (_, i) => enc.encode(`id=${i}\n`)));
  // The proxy: upstream body → lines → rewritten lines → the client's body.
  // Each stage closes its input when it stops, as splitLines does: leaving a for await over a
  // channel does not close it (the contract's rule), so a stage that did not would leave the
  // stages above it, and the upstream body, open.
  async function* rewrite(lines: Channel<string>) {
    try {
      for await (const line of lines) yield `${line.toUpperCase()}\n`;
    } finally {
      lines.close();
    }
  }
  const text = Channel.from(upstream.body!.pipeThrough(new TextDecoderStream()));
  const rewritten = Channel.from(rewrite(Channel.from(splitLines(text))));
  const client = new Response(rewritten.toReadableStream({ closeOnCancel: true }).pipeThrough(new TextEncoderStream()));
  const reader = client.body!.pipeThrough(new TextDecoderStream()).getReader();
  let received = '';
  while (!received.includes('ID=2\n')) received += (await reader.read()).value;
  await reader.cancel('client went away');
  // closeOnCancel closes `rewritten`, which returns rewrite(), whose finally closes the lines,
  // which returns splitLines(), whose finally closes `text`, which cancels the upstream body.
  await until(() => state.cancelled);
  expect(received.startsWith('ID=0\nID=1\nID=2\n')).toBe(true);
  expect(state.pulled).toBeLessThan(20);
  expect([rewritten.closed, text.closed]).toEqual([true, true]);
});

// ---------------------------------------------------------------------------------------------
// Web streams in both directions.

test('ReadableStream.from(channel) and for await over toReadableStream() both give every value in order', async () => {
  const make = () => {
    const channel = new Channel<number>();
    void (async () => {
      for (let i = 1; i <= 5; i++) await channel.push(i);
      channel.close();
    })();
    return channel;
  };
  const viaFrom: number[] = [];
  for await (const value of streamFrom(make())) viaFrom.push(value);
  const viaStream: number[] = [];
  for await (const value of make().toReadableStream()) viaStream.push(value);
  expect(viaFrom).toEqual([1, 2, 3, 4, 5]);
  expect(viaStream).toEqual([1, 2, 3, 4, 5]);
});

test('breaking out of for await over toReadableStream() cancels the stream but loses nothing: the rest stays in the channel', async () => {
  const channel = new Channel<number>(Infinity);
  for (let i = 1; i <= 5; i++) channel.pushNowait(i);
  const seen: number[] = [];
  for await (const value of channel.toReadableStream()) {
    seen.push(value);
    if (value === 2) break;
  }
  expect(channel.closed).toBe(false);
  expect(channel.stats().waitingPullers).toBe(0);
  channel.close();
  for await (const value of channel) seen.push(value);
  expect(seen).toEqual([1, 2, 3, 4, 5]);
});

test('pipeTo a slow WritableStream holds the producer back: it is never more than a few values ahead of the sink', async () => {
  const channel = new Channel<number>(2);
  let pushed = 0;
  let written = 0;
  let mostAhead = 0;
  const producer = (async () => {
    for (let i = 1; i <= 30; i++) {
      await channel.push(i);
      pushed++;
      mostAhead = Math.max(mostAhead, pushed - written);
    }
    channel.close();
  })();
  const sink: number[] = [];
  await channel.toReadableStream().pipeTo(
    new WritableStream<number>(
      {
        async write(value) {
          await sleep(1);
          sink.push(value);
          written++;
        },
      },
      { highWaterMark: 1 },
    ),
  );
  await producer;
  expect(sink).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  // The channel's 2 slots, one value in the writable's queue, one being written, one read.
  expect(mostAhead).toBeLessThanOrEqual(5);
});

test('aborting a pipeTo in the middle loses nothing: written, still buffered and never pushed add up to every value, in order', async () => {
  const channel = new Channel<number>(3);
  const controller = new AbortController();
  let next = 1;
  const producer = (async () => {
    for (; next <= 1000; next++) await channel.push(next, { signal: controller.signal });
  })().catch((error: unknown) => error);
  const sink: number[] = [];
  const piping = channel
    .toReadableStream()
    .pipeTo(
      new WritableStream<number>({
        async write(value) {
          sink.push(value);
          if (value === 10) controller.abort(new Error('user pressed stop'));
          await sleep(1);
        },
      }),
      { signal: controller.signal },
    )
    .catch((error: Error) => error.message);
  expect(await piping).toBe('user pressed stop');
  expect(((await producer) as Error).message).toBe('user pressed stop');
  expect(channel.closed).toBe(false);
  expect(channel.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  const left: number[] = [];
  for (let value = channel.tryPull(); value !== undefined; value = channel.tryPull()) left.push(value);
  const unpushed = Array.from({ length: 1000 - next + 1 }, (_, i) => next + i);
  expect([...sink, ...left, ...unpushed]).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  expect(sink.length).toBeGreaterThanOrEqual(10);
});

// ---------------------------------------------------------------------------------------------
// merge of event channels.

test('a toolbar merges the clicks of three buttons into one loop, in click order, until the page leaves', async () => {
  const buttons = ['bold', 'italic', 'underline'].map((name) => {
    const button = countListeners(document.body.appendChild(document.createElement('button')));
    button.dataset.command = name;
    return button;
  });
  const page = new AbortController();
  const commands: string[] = [];
  const program = (async () => {
    const clicks = buttons.map((button) => fromEvent(button, 'click', { signal: page.signal }));
    for await (const click of merge(...clicks)) {
      commands.push(
        (click.currentTarget as HTMLElement | null)?.dataset.command ?? (click.target as HTMLElement).dataset.command!,
      );
    }
  })();
  for (const index of [0, 2, 2, 1, 0]) {
    buttons[index]?.click();
    await tick();
  }
  expect(commands).toEqual(['bold', 'underline', 'underline', 'italic', 'bold']);
  page.abort();
  await program; // every input closed and drained: the merged channel closed, the loop ended
  expect(buttons.map((button) => button.live('click'))).toEqual([0, 0, 0]);
});

test('a resize feed broadcast to two components gives each the latest size, and leaving the page closes both', async () => {
  const win = countListeners(window);
  const page = new AbortController();
  const hub = broadcast(fromEvent(window, 'resize', { signal: page.signal }));
  const header = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
  const sidebar = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
  const resize = (width: number) => window.dispatchEvent(new UIEvent('resize', { detail: width }));
  for (const width of [800, 900, 1000]) resize(width);
  await tick();
  expect([(header.tryPull() as UIEvent).detail, (sidebar.tryPull() as UIEvent).detail]).toEqual([1000, 1000]);
  resize(1200);
  await tick();
  expect([(header.tryPull() as UIEvent).detail, (sidebar.tryPull() as UIEvent).detail]).toEqual([1200, 1200]);
  page.abort();
  await tick();
  expect([header.closed, sidebar.closed]).toEqual([true, true]);
  expect(win.live('resize')).toBe(0);
});

test('closing a merged channel leaves its fromEvent inputs listening: close or abort the inputs themselves', async () => {
  const a = countListeners(new EventTarget());
  const b = countListeners(new EventTarget());
  const inputs = [fromEvent(a, 'ping'), fromEvent(b, 'ping')];
  const merged = merge(...inputs);
  merged.close();
  expect([a.live('ping'), b.live('ping')]).toEqual([1, 1]);
  for (const input of inputs) input.close();
  expect([a.live('ping'), b.live('ping')]).toEqual([0, 0]);
});

// ---------------------------------------------------------------------------------------------
// AbortSignal.timeout and AbortSignal.any with every operation.

/** Counts the abort listeners a signal holds now. */
function watched(signal: AbortSignal) {
  return countListeners(signal);
}

const operations: [string, (signal: AbortSignal) => Promise<unknown>, (() => Channel<unknown>) | undefined][] = [];
{
  const full = new Channel<number>(1);
  full.pushNowait(0);
  const empty = new Channel<number>(1);
  operations.push(
    ['push on a full channel', (signal) => full.push(1, { signal }), () => full as Channel<unknown>],
    ['pull on an empty channel', (signal) => empty.pull({ signal }), () => empty as Channel<unknown>],
    ['pullMany on an empty channel', (signal) => empty.pullMany(5, { signal }), () => empty as Channel<unknown>],
    ['pushAll into a full channel', (signal) => full.pushAll([1, 2], { signal }), () => full as Channel<unknown>],
    [
      'select over an empty and a full channel',
      (signal) => select([pull(empty), pull(new Channel())], { signal }),
      () => empty as Channel<unknown>,
    ],
  );
}

test.each(operations)(
  '%s with AbortSignal.timeout rejects with a TimeoutError and leaves no waiter and no abort listener',
  async (_, run, channel) => {
    const signal = watched(AbortSignal.timeout(20));
    const error = await run(signal).catch((e: unknown) => e);
    expect((error as DOMException).name).toBe('TimeoutError');
    expect(signal.live('abort')).toBe(0);
    expect(channel?.().stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  },
);

test.each(operations)(
  '%s with AbortSignal.any rejects with the reason of the signal that fired first',
  async (_, run, channel) => {
    const user = new AbortController();
    const signal = watched(AbortSignal.any([user.signal, AbortSignal.timeout(10_000)]));
    const result = run(signal).catch((e: unknown) => e);
    await tick();
    user.abort(new Error('user cancelled'));
    expect(((await result) as Error).message).toBe('user cancelled');
    expect(signal.live('abort')).toBe(0);
    expect(channel?.().stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  },
);

test('after, ticker, fromEvent and Channel.from with AbortSignal.timeout close their channels when it fires, and let go of everything', async () => {
  const timers = pendingTimers();
  try {
    const signal = watched(AbortSignal.timeout(30));
    const target = countListeners(new EventTarget());
    let released = false;
    async function* endless() {
      try {
        // (A source that never waits for a macrotask would starve the timeout's timer, as any
        // for await over an endless synchronous source does.)
        for (let i = 0; ; i++) {
          await sleep(1);
          yield i;
        }
      } finally {
        released = true;
      }
    }
    const channels = [
      after(60_000, { signal }),
      ticker(60_000, { signal }),
      fromEvent(target, 'message', { signal }),
      Channel.from(endless(), { signal }),
    ] as Channel<unknown>[];
    const ends = channels.map(async (channel) => {
      const seen: unknown[] = [];
      for await (const value of channel) seen.push(value);
      return seen;
    });
    const results = await Promise.all(ends);
    expect(results.slice(0, 3)).toEqual([[], [], []]);
    expect(results[3]?.length).toBeGreaterThan(0); // the generator gave values until the timeout
    await until(() => released);
    expect(target.live('message')).toBe(0);
    expect(signal.live('abort')).toBe(0);
    expect(timers.pending()).toBe(0);
  } finally {
    timers.restore();
  }
});

test('a Channel.from whose own signal times out ends the loop normally: the program tells a cut from the end by signal.aborted', async () => {
  let cancelled: unknown = 'not cancelled';
  let row = 0;
  const endless = new ReadableStream<string>({
    async pull(controller) {
      await sleep(1);
      controller.enqueue(`row ${row++}`);
    },
    cancel(reason) {
      cancelled = reason;
    },
  });
  const signal = AbortSignal.timeout(30);
  const rows: string[] = [];
  for await (const line of Channel.from(endless, { signal })) rows.push(line);
  expect(rows.length).toBeGreaterThan(0);
  expect(rows.at(-1)).toBe(`row ${rows.length - 1}`); // none lost or out of order before the cut
  expect(signal.aborted).toBe(true);
  await until(() => cancelled !== 'not cancelled');
  expect((cancelled as DOMException).name).toBe('TimeoutError');
});

// ---------------------------------------------------------------------------------------------
// Channel.from of a generator with cleanup.

function generatorWithCleanup() {
  const log: string[] = [];
  function* numbers() {
    try {
      for (let i = 1; ; i++) {
        log.push(`yield ${i}`);
        yield i;
      }
    } finally {
      log.push('cleanup');
    }
  }
  return { log, numbers };
}

test("Channel.from of a generator runs the generator's finally once the consumer closes the channel, having read only what was pulled", async () => {
  const { log, numbers } = generatorWithCleanup();
  const channel = Channel.from(numbers());
  const got = [await channel.pull(), await channel.pull(), await channel.pull()];
  channel.close();
  await tick();
  expect(got).toEqual([1, 2, 3]);
  expect(log).toEqual(['yield 1', 'yield 2', 'yield 3', 'cleanup']);
});

test('await using a Channel.from channel runs the generator cleanup at the end of the block', async () => {
  const { log, numbers } = generatorWithCleanup();
  {
    await using channel = Channel.from(numbers(), { capacity: 2 });
    for await (const n of channel) if (n === 2) break;
  }
  await tick();
  expect(log.at(-1)).toBe('cleanup');
  expect(log.filter((line) => line.startsWith('yield')).length).toBeLessThanOrEqual(4); // 2 taken + at most 2 ahead
});

test('an async generator source is cleaned up by an abort even while it awaits inside', async () => {
  const cleaned = deferred<string>();
  const resume = deferred<void>();
  async function* slow() {
    try {
      yield 'first';
      await resume.promise; // e.g. waiting for the network
      yield 'second';
    } finally {
      cleaned.resolve('cleanup ran');
    }
  }
  const controller = new AbortController();
  const channel = Channel.from(slow(), { signal: controller.signal });
  expect(await channel.pull()).toBe('first');
  const second = channel.pull().catch((e: unknown) => e);
  await tick();
  controller.abort();
  expect(await second).toBeInstanceOf(ChannelClosedError);
  resume.resolve();
  expect(await cleaned.promise).toBe('cleanup ran');
  expect(channel.stats()).toMatchObject({ closed: true, size: 0, waitingPushers: 0, waitingPullers: 0 });
});

test('breaking out of for await over Channel.from does not run the generator cleanup until the channel is closed', async () => {
  const { log, numbers } = generatorWithCleanup();
  const channel = Channel.from(numbers());
  for await (const n of channel) if (n === 2) break;
  await tick();
  expect(log).toEqual(['yield 1', 'yield 2']);
  expect(await channel.pull()).toBe(3); // still usable: nothing was lost
  channel.close();
  await tick();
  expect(log.at(-1)).toBe('cleanup');
});

// ---------------------------------------------------------------------------------------------
// Slips users make in such programs.

test('passing the AbortController instead of its signal fails at once, naming the function', () => {
  const controller = new AbortController();
  const target = new EventTarget();
  const calls: [string, () => unknown][] = [
    ['fromEvent', () => fromEvent(target, 'x', { signal: controller as never })],
    ['from', () => Channel.from([1], { signal: controller as never })],
    ['after', () => after(10, { signal: controller as never })],
    ['ticker', () => ticker(10, { signal: controller as never })],
  ];
  for (const [name, call] of calls) {
    expect(call).toThrow(TypeError);
    expect(call).toThrow(new RegExp(`^${name}\\(.*signal must be an AbortSignal, got AbortController`));
  }
});

test('passing the signal itself as the options of fromEvent, Channel.from, after or ticker fails at once instead of never aborting', () => {
  const controller = new AbortController();
  const target = countListeners(new EventTarget());
  const calls: [string, () => unknown][] = [
    ['fromEvent', () => fromEvent(target, 'x', controller.signal as never)],
    ['from', () => Channel.from([1], controller.signal as never)],
    ['after', () => after(60_000, controller.signal as never)],
    ['ticker', () => ticker(60_000, controller.signal as never)],
  ];
  for (const [name, call] of calls) {
    expect(call).toThrow(TypeError);
    expect(call).toThrow(new RegExp(`^${name}\\(.*: options is an AbortSignal: pass \\{ signal \\} instead$`));
  }
  expect(target.live('x')).toBe(0);
});

test('closing an event channel twice — by hand and again by using at the end of the block — is harmless and removes the listener once', () => {
  const button = countListeners(document.body.appendChild(document.createElement('button')));
  const removed = vi.spyOn(button, 'removeEventListener');
  {
    using clicks = fromEvent(button, 'click');
    clicks.close();
    clicks.close();
  }
  expect(button.live('click')).toBe(0);
  expect(removed).toHaveBeenCalledTimes(1);
});

test("a producer that pushes an end marker after closing in its finally gets a ChannelClosedError naming the push, and the client's body still ends cleanly", async () => {
  const lines = new Channel<string>(4, { name: 'lines' });
  const producer = (async () => {
    try {
      await lines.push('only line\n');
    } finally {
      lines.close();
      await lines.push('END\n'); // the slip: too late
    }
  })();
  const body = new Response(lines.toReadableStream().pipeThrough(new TextEncoderStream()));
  const error = await producer.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ChannelClosedError);
  expect((error as Error).message).toMatch(/push/);
  expect((error as Error).message).toMatch(/"lines"/);
  expect(await body.text()).toBe('only line\n');
  expect(lines.tryPush('END\n')).toBe(false); // the non-throwing way to try
});

test("an event or merged channel's close passed detached (addEventListener('abort', events.close)) fails with the core's TypeError and changes nothing", () => {
  const target = countListeners(new EventTarget());
  const events = fromEvent(target, 'ping');
  const merged = merge(events);
  const signal = new AbortController().signal;
  for (const channel of [events, merged]) {
    const detached = channel.close;
    expect(() => detached.call(signal)).toThrow(/^close: called without its channel/);
    expect(() => detached.call(globalThis)).toThrow(TypeError);
    expect(channel.closed).toBe(false);
  }
  expect(target.live('ping')).toBe(1);
  events.close();
  expect(target.live('ping')).toBe(0);
});

test('passing the AbortController to push, pull and select rejects at once with a TypeError and parks nothing', async () => {
  const controller = new AbortController();
  const channel = new Channel<number>();
  const errors = await Promise.all([
    channel.push(1, { signal: controller as never }).catch((e: unknown) => e),
    channel.pull({ signal: controller as never }).catch((e: unknown) => e),
    select([pull(channel)], { signal: controller as never }).catch((e: unknown) => e),
  ]);
  for (const error of errors) {
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/signal/);
  }
  expect(channel.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
});

test('fromEvent on something that is not an EventTarget (a jQuery-like wrapper, a selector string) fails at once', () => {
  expect(() => fromEvent({ on() {} } as never, 'click')).toThrow(
    /^fromEvent\(target, type, options\): target is not an EventTarget, got Object/,
  );
  expect(() => fromEvent('#search' as never, 'input')).toThrow(/target is not an EventTarget, got string/);
});

test('Channel.from of a response body already being read fails at once instead of stealing half the chunks', async () => {
  const response = new Response('abc');
  const reader = response.body!.getReader();
  expect(() => Channel.from(response.body!)).toThrow(/^from\(source, options\): the stream is locked/);
  reader.releaseLock();
  const text: string[] = [];
  for await (const chunk of Channel.from(response.body!.pipeThrough(new TextDecoderStream()))) text.push(chunk);
  expect(text.join('')).toBe('abc');
});

test('Channel.from of a Response (not its body) fails at once with a clear TypeError', () => {
  expect(() => Channel.from(new Response('abc') as never)).toThrow(
    /^from\(source, options\): source must be an iterable, an async iterable or a ReadableStream, got Response/,
  );
});

test('two loops draining one event channel share its events: each event is handled once', async () => {
  const target = new EventTarget();
  const events = fromEvent(target, 'job', { capacity: Infinity, overflow: 'block' });
  const handled: [string, number][] = [];
  const loop = async (name: string) => {
    for await (const event of events) {
      handled.push([name, (event as CustomEvent<number>).detail]);
      await tick();
    }
  };
  const loops = [loop('a'), loop('b')];
  for (let i = 0; i < 10; i++) target.dispatchEvent(new CustomEvent('job', { detail: i }));
  await until(() => handled.length === 10);
  events.close();
  await Promise.all(loops);
  expect(handled.map(([, n]) => n).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  expect(new Set(handled.map(([name]) => name))).toEqual(new Set(['a', 'b']));
});

test('toReadableStream of something that is not a channel (an array, an async generator) fails at once', async () => {
  const { toReadableStream } = await import('chanasync');
  expect(() => toReadableStream([1, 2] as never)).toThrow(
    /^toReadableStream\(channel, options\): channel is not a chanasync Channel, got Array/,
  );
  async function* gen() {
    yield 1;
  }
  expect(() => toReadableStream(gen() as never)).toThrow(
    /channel is not a chanasync Channel, got (AsyncGenerator|Object|object)/,
  );
});

test('merge of an event channel and a plain array fails at once, naming the argument', () => {
  const target = new EventTarget();
  const events = fromEvent(target, 'x');
  expect(() => merge(events, [1, 2] as never)).toThrow(
    /^merge\(\.\.\.channels\): argument 1 is not a chanasync Channel/,
  );
  events.close();
});
