/**
 * No test is timed (a loaded CI machine must pass what an idle one passes): child processes that the tests start are
 * killed only by this net against a hung process, 25 minutes, so that the test fails with the output it got rather
 * than at jest's own net (testTimeout, 30 minutes, in .projenrc.ts). Neither is an assertion about speed; the
 * benchmark (`npm run bench`) measures speed.
 */
export const HANG_NET_MS = 25 * 60_000;
