/**
 * Runs once in vitest's main process before any test worker starts: builds dist/ when it is missing or
 * older than src/ (the CLI tests spawn the built CLI; with one worker per core, two test files building it
 * at the same moment would race each other).
 */
import { ensureBuilt } from './helpers/cli.js';

/** vitest's global set-up hook. */
export default function setup(): void {
  ensureBuilt();
}
