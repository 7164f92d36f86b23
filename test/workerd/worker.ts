/**
 * The Worker of the `workerd-core` vitest project: the test files import chanasync themselves;
 * the pool only needs a Worker to run them in.
 */
export default {
  fetch(): Response {
    return new Response(null, { status: 204 });
  },
};
