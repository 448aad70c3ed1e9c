// A full garbage collection on demand: the training worker makes one between a fit's validation and its own
// training (recommenderFit.ts, FitHooks.collect), and the bench before each measurement. Never on the extension host.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Collects this thread's garbage now. V8 exposes `gc` only behind --expose-gc; set here (V8's flags are the process's),
 * it takes effect in the new context the function is read from, and nowhere else.
 */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
