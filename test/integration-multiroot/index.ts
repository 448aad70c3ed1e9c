/**
 * Mocha root for the tests that need a multi-root workspace: scripts/run-integration.mjs opens a `.code-workspace`
 * with two folders, `api` and `web` (in that order), each holding a different `src/app.ts`, and loads this file as
 * the extensionTestsPath. Same runner as test/integration (runTestsIn); only the tests in this folder run here.
 */
import { runTestsIn } from '../integration/index';

export function run(): Promise<void> {
  return runTestsIn(__dirname);
}
