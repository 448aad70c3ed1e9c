// A full garbage collection on demand: the training worker makes one between a fit's validation and its own
// training (recommenderFit.ts, FitHooks.collect), and the bench before each measurement. Never on the extension host.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Collects this thread's garbage now. V8 exposes `gc` only behind --expose-gc, read when a context is made: set here,
 * it gives the new context `gc` to read it from (and any context made after it in the process, in whichever thread;
 * contexts that exist already, the extension host's among them, are left as they are).
 */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
