/**
 * End-of-turn scheduling for the sender's batches: {@link atEndOfTurn} runs a task in a later
 * task of the event loop, after the current one and all of its microtasks — so every value a
 * sender pulls in one turn joins one batch — and as early as possible after that.
 *
 * Why not `setTimeout(task, 0)`: browsers clamp a timer set from a timer task nested five deep
 * (or from `setInterval`) to at least 4 ms, so a producer that is itself resumed from timers
 * would wait 4 ms per batch. A message through a `MessageChannel` is a task that is never
 * clamped. One channel serves every sender of this context: one message per turn, whatever
 * the number of streams with a batch.
 *
 * Where the hop is not a task: workerd delivers a `MessageChannel` message inside the
 * sender's microtask checkpoint, before microtasks queued after the post — batches would then
 * be cut per microtask (one value each for a producer that awaits each push). The first hop
 * tells: if it arrives before a microtask queued right after its post, `setTimeout` is used
 * from then on (workerd does not clamp timers), one timer per task, and while the first hop is
 * on its way. The same where `MessageChannel` is missing.
 *
 * In Node, a `MessagePort` with a `message` listener keeps the process alive: the listener is
 * added for each hop and removed when it arrives, so nothing is held once the tasks ran.
 */

/** The tasks waiting for the hop on its way, in the order they were queued. */
let tasks: (() => void)[] = [];
/** The hop channel, created on first use. */
let hop: MessageChannel | undefined;
/** Whether hops are timers: no `MessageChannel`, or its messages are not tasks. */
let useTimer = typeof MessageChannel !== 'function';
/** While the first hop is on its way: whether a microtask queued right after its post ran. */
let probe: { after: boolean } | undefined;
/** Whether the first hop was checked. */
let checked = false;

/** The hop's `message` listener. */
function onHop(): void {
  (hop as MessageChannel).port2.removeEventListener('message', onHop);
  if (probe !== undefined) {
    if (!probe.after) useTimer = true; // delivered inside the microtask checkpoint: not a task
    probe = undefined;
  }
  const due = tasks;
  tasks = []; // a task queued by these ones waits for the next hop
  for (const task of due) task();
}

/**
 * Runs `task` once, in a task after the current one (after its microtasks), unclamped where
 * the platform allows (see the module comment). Tasks queued in the same turn run in order,
 * in the same later task. `task` must not throw.
 */
export function atEndOfTurn(task: () => void): void {
  if (useTimer || probe !== undefined) {
    // One timer per task, set from the task's own code: in workerd, code of one request must
    // not run another request's task (nor use its port), so tasks are not queued together there.
    setTimeout(task, 0);
    return;
  }
  tasks.push(task);
  if (tasks.length > 1) return; // a hop is on its way already
  hop ??= new MessageChannel();
  hop.port2.addEventListener('message', onHop);
  hop.port2.start();
  hop.port1.postMessage(null);
  if (!checked) {
    checked = true;
    const seen = { after: false };
    probe = seen;
    queueMicrotask(() => {
      seen.after = true;
    });
  }
}
