/**
 * Whether the test runs inside workerd (the vitest project `workerd-core`, or `workers`): the
 * runtime's own `navigator.userAgent`, as Cloudflare documents it. Tests of workerd's own
 * behaviour (its timer quota, its `pipeTo`) run only there; the others run everywhere.
 */
export const inWorkerd = globalThis.navigator?.userAgent === 'Cloudflare-Workers';
