// The page's entry point. It turns debug mode on *before* any channel exists, then starts the
// four demos. The demo modules only export functions — creating a channel at a module's top
// level would run during the imports below, before enableDebug(), and debug mode tracks only
// the channels created after it is enabled.
import { enableDebug, snapshot } from '../../dist/debug.js';
import { INSPECTOR_SOURCE } from '../../dist/protocol.js';
import { startJobs } from './jobs.js';
import { startPointer } from './pointer.js';
import { startSearch } from './search.js';
import { startStuck } from './stuck.js';

// `stacks: true` records where each channel was created and where each operation parked
// (user frames only), so the inspector can point at the line that is stuck.
enableDebug({ stacks: true });

const $ = (id) => document.getElementById(id);
$('debug-status').textContent = 'debug mode: on, with stacks';
$('debug-status').classList.add('on');

// The inspector says `hello` over postMessage when its panel opens, and `bye` when it closes.
// Debug mode answers by itself; this listener only shows the connection on the page.
window.addEventListener('message', (event) => {
  const message = event.data;
  if (message?.source !== INSPECTOR_SOURCE) return;
  const badge = $('inspector-status');
  const connected = message.type === 'hello';
  badge.textContent = connected ? 'inspector: connected' : 'inspector: not connected';
  badge.classList.toggle('muted', !connected);
  badge.classList.toggle('on', connected);
});

// Each demo returns a live stats object; the end-to-end test (test/e2e.test.ts) reads them
// from window.demo, and so can you, from the console.
window.demo = {
  search: startSearch($),
  pointer: startPointer($),
  jobs: startJobs($),
  stuck: startStuck($, snapshot),
  snapshot,
};
