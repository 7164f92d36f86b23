// A worker_threads context for the blind port tests: it runs one end of a chanasync/port stream
// over the MessagePort it is given in workerData, and obeys commands from its parent.
import { parentPort, workerData } from 'node:worker_threads';
import { Channel } from 'chanasync';
import { fromPort, toPort } from 'chanasync/port';

const { port, role, name, capacity } = workerData;

function block(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

if (role === 'receiver') {
  const remote = fromPort(port, { name, capacity });
  parentPort.on('message', async (command) => {
    if (command.type === 'pull') {
      for (let i = 0; i < command.count; i++) {
        const value = await remote.pull();
        parentPort.postMessage({ type: 'got', value });
      }
    } else if (command.type === 'drain') {
      for await (const value of remote) {
        parentPort.postMessage({ type: 'got', value });
        if (command.pauseMs) await new Promise((resolve) => setTimeout(resolve, command.pauseMs));
      }
      parentPort.postMessage({ type: 'done' });
    } else if (command.type === 'block') {
      parentPort.postMessage({ type: 'blocking' });
      block(command.ms);
    }
  });
  parentPort.postMessage({ type: 'started' });
} else {
  const local = new Channel(capacity);
  const sending = toPort(local, port, { name });
  sending.then(
    (result) => parentPort.postMessage({ type: 'result', sent: result.sent, undelivered: result.undelivered.length }),
    () => {},
  );
  parentPort.on('message', async (command) => {
    if (command.type === 'push') {
      for (const value of command.values) await local.push(value);
      parentPort.postMessage({ type: 'pushed' });
    } else if (command.type === 'block') {
      parentPort.postMessage({ type: 'blocking' });
      block(command.ms);
    }
  });
  parentPort.postMessage({ type: 'started' });
}
