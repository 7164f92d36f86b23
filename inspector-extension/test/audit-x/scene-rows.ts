/** fixtures/scene.js's rows as `name:state`, in the panel's order, after its leaked channel's row (threshold 1 s). */
export const SCENE_ROWS = [
  'older-producer:stuck',
  'newer-producer:stuck',
  'lonely-consumer:stuck',
  'fromEvent(keydown):waiting for input',
  'after(3600000):waiting for input',
  'ticker(3600000):waiting for input',
  'select: pull control | pull fromEvent(click):waiting for input',
  'control:in a select',
  'fromEvent(click):in a select',
  'unbounded:idle',
];
