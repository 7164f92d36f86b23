/** Helpers of audit AD's TSDoc tests: a polling wait, and a turn of the event loop. */
export { until } from '../helpers/poll.js';

/** Lets every pending microtask (and one macrotask) run. */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
