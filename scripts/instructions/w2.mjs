// W2 as `npm run bench` runs it: w1.mjs with capacity 128.
process.argv[4] = '128';
await import('./w1.mjs');
