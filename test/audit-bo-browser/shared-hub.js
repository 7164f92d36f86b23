// A module SharedWorker that two tabs connect to. Each tab says its role on its port:
// - 'producer': the hub receives stream 'up' from it (capacity 4) and relays that very channel
//   to the 'consumer' tab as stream 'down' (toPort reads any chanasync Channel);
// - 'consumer': receives 'down'; also gets the hub's reports ({ report }) on its port;
// - 'sink': the hub sends it 0..N-1 as stream 'feed' from a local channel, and reports the
//   toPort result (with timing) to the consumer once it settles.
import { Channel } from '/dist/index.js';
import { fromPort, toPort } from '/dist/port.js';

let up;
let consumerPort;
const pendingReports = [];
const report = (value) => {
  if (consumerPort) consumerPort.postMessage({ report: value });
  else pendingReports.push(value);
};
let downStarted = false;
const startDown = () => {
  if (downStarted || !up || !consumerPort) return;
  downStarted = true;
  toPort(up, consumerPort, { name: 'down' }).then(
    (r) => report({ kind: 'down-settled', sent: r.sent, undelivered: r.undelivered, at: Date.now() }),
    (e) => report({ kind: 'down-rejected', message: String(e) }),
  );
};

self.addEventListener('connect', (event) => {
  const port = event.ports[0];
  port.addEventListener('message', (e) => {
    const role = e.data?.role;
    if (role === 'producer') {
      up = fromPort(port, { name: 'up', capacity: 4 });
      startDown();
    } else if (role === 'consumer') {
      consumerPort = port;
      for (const r of pendingReports.splice(0)) port.postMessage({ report: r });
      startDown();
    } else if (role === 'sink') {
      const n = e.data.count;
      const feed = new Channel(Infinity);
      for (let i = 0; i < n; i++) feed.pushNowait(i);
      feed.close();
      toPort(feed, port, { name: 'feed' }).then(
        (r) =>
          report({
            kind: 'feed-settled',
            sent: r.sent,
            undelivered: r.undelivered,
            remaining: feed.size,
            at: Date.now(),
          }),
        (e) => report({ kind: 'feed-rejected', message: String(e) }),
      );
    }
  });
  port.start();
});
