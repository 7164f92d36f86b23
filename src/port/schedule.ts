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
 * be cut per microtask (one value each for a producer that awaits each push). So the first
 * call posts a probe message and queues a microtask right after it: if the message arrives
 * first, it is no task, and `setTimeout` is used from then on (workerd does not clamp timers),
 * one timer per task. Where `MessageChannel` is missing, tasks use `setTimeout` too. The tasks
 * queued while the probe is on its way run when it arrives, if it arrived as a task; else, or
 * should it never arrive, from one `setTimeout` set with the first of them. So under fake
 * timers (installed before the first stream) no batch waits for fake time, and no timer of
 * this module is left pending once the probe ran them.
 *
 * In Node, a `MessagePort` with a `message` listener keeps the program running: the listener is
 * added for each hop (and the probe) and removed when it arrives, so nothing is held once the
 * tasks ran.
 */

/** How tasks reach their later task: not known yet, being found out, or known. */
let mode: 'unknown' | 'probing' | 'hop' | 'timer' = typeof MessageChannel === 'function' ? 'unknown' : 'timer';
/** The tasks waiting for the hop on its way, in the order they were queued. */
let tasks: (() => void)[] = [];
/** The hop channel, created once hops are known to be tasks. */
let hop: MessageChannel | undefined;
/** The tasks queued while the probe is on its way, and the timer set for them. */
let probing: (() => void)[] = [];
let probingTimer: ReturnType<typeof setTimeout> | undefined;

/** The hop's `message` listener: runs the tasks queued for it. */
function onHop(): void {
  (hop as MessageChannel).port2.removeEventListener('message', onHop);
  const due = tasks;
  tasks = []; // a task queued by these ones waits for the next hop
  run(due);
}

/** Runs the tasks queued while probing (once: by the probe, or else by their timer). */
function onProbed(): void {
  const due = probing;
  probing = [];
  probingTimer = undefined;
  run(due);
}

/** Runs `due` in order; one that throws is reported as an uncaught error, and the others run. */
function run(due: (() => void)[]): void {
  for (const task of due) {
    try {
      task();
    } catch (error) {
      // A bug in one stream must not stall the others of this hop: report it, go on.
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}

/**
 * Finds out whether a `MessageChannel` message is a task here: posts one, and queues a
 * microtask right after; if the message arrives first, it was delivered inside the microtask
 * checkpoint (workerd). The tasks queued meanwhile wait for it (see the module comment).
 */
function probe(): void {
  mode = 'probing';
  const { port1, port2 } = new MessageChannel();
  let after = false;
  const listener = (): void => {
    port2.removeEventListener('message', listener);
    port1.close();
    mode = after ? 'hop' : 'timer';
    if (after && probing.length > 0) {
      // A task of its own: the tasks queued meanwhile are due (their timer is not needed).
      clearTimeout(probingTimer);
      onProbed();
    }
  };
  port2.addEventListener('message', listener);
  port2.start();
  port1.postMessage(null);
  queueMicrotask(() => {
    after = true;
  });
}

/**
 * Runs `task` once, in a task after the current one (after its microtasks), unclamped where
 * the platform allows (see the module comment). Tasks queued in the same turn run in order;
 * one that throws (it should not) is reported as an uncaught error, and the others still run.
 */
export function atEndOfTurn(task: () => void): void {
  if (mode === 'timer') {
    // One timer per task, set from the task's own code: in workerd, code of one request must
    // not run another request's task (nor use its port), so tasks are not queued together there.
    setTimeout(task, 0);
    return;
  }
  if (mode !== 'hop') {
    // The probe is sent by the first call and arrives before any other request can run (in
    // workerd, inside this very microtask checkpoint): the tasks queued meanwhile are this
    // request's.
    probing.push(task);
    probingTimer ??= setTimeout(onProbed, 0);
    if (mode === 'unknown') probe();
    return;
  }
  tasks.push(task);
  if (tasks.length > 1) return; // a hop is on its way already
  hop ??= new MessageChannel();
  hop.port2.addEventListener('message', onHop);
  hop.port2.start();
  hop.port1.postMessage(null);
}
