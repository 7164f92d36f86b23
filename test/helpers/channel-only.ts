/**
 * Text that a bundle importing only `Channel` must not contain: the helpers, select, port and
 * debug code that tree-shaking leaves out. Shared by the tests that bundle a consumer of the
 * package (esbuild, Vite) and check what was shaken off.
 */
export const ABSENT_FROM_CHANNEL_ONLY = [
  'function select',
  'function after',
  'function ticker',
  'function broadcast',
  'function fromEvent',
  'function merge',
  'function toReadableStream',
  'function toPort',
  'function fromPort',
  'function enableDebug',
  'chanasync-inspector',
  'chanasync-port',
] as const;
