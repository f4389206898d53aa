/**
 * The CLI's command runner: dispatches to check, authorize, diff, build, init, test, report and audit
 * verify (each command's module loaded only when it runs), prints usage and input errors as
 * `file:line:col: message [CODE]` (escaped for CI logs), and resolves to the exit code: 0 (passed), 1
 * (policy failure) or 2 (usage or input error). Loaded by the tiny entry `main.ts` for every invocation
 * that is not `--version` or `--help`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeThrown, isMeshgateError } from '../errors.js';
import { AUDIT_HELP, MAIN_HELP } from './help.js';
import { EXIT, processIo, type CliIo } from './io.js';
import { closest } from './suggest.js';
import { logSafe, logSafeLines } from '../report/escape.js';
import { packageVersion } from './version.js';

/** The command names, for "did you mean". */
const COMMANDS = ['check', 'authorize', 'diff', 'build', 'init', 'test', 'report', 'audit', 'help', 'version'] as const;

/** The worker script next to this module, when it exists (the built CLI); otherwise checks run inline. */
function workerUrl(): URL | undefined {
  const url = new URL('./worker.js', import.meta.url);
  return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? url : undefined;
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.stdout(MAIN_HELP);
        return command === undefined ? EXIT.usage : EXIT.ok;
      case '-v':
      case '--version':
      case 'version':
        io.stdout(`${packageVersion()}\n`);
        return EXIT.ok;
      case 'check':
        return await (await import('./check.js')).runCheck(rest, io, workerUrl());
      case 'authorize':
        return await (await import('./authorize.js')).runAuthorize(rest, io);
      case 'diff':
        return await (await import('./diff.js')).runDiff(rest, io);
      case 'build':
        return await (await import('./build.js')).runBuild(rest, io);
      case 'init':
        return await (await import('./init.js')).runInit(rest, io);
      case 'test':
        return await (await import('./policy-test.js')).runPolicyTest(rest, io);
      case 'report':
        return await (await import('./report.js')).runReport(rest, io);
      case 'audit': {
        const [sub, ...args] = rest;
        if (sub === 'verify') return await (await import('./audit-verify.js')).runAuditVerify(args, io);
        if (sub === undefined || sub === '-h' || sub === '--help') {
          io.stdout(AUDIT_HELP);
          return sub === undefined ? EXIT.usage : EXIT.ok;
        }
        io.stderr(`meshgate audit: unknown subcommand ${logSafe(JSON.stringify(sub))}${closest(sub, ['verify']) ? ' — did you mean verify?' : ''}\n${AUDIT_HELP}`);
        return EXIT.usage;
      }
      default: {
        const guess = closest(command, COMMANDS);
        io.stderr(`meshgate: unknown command ${logSafe(JSON.stringify(command))}${guess ? ` — did you mean ${guess}?` : ''}\n\n${MAIN_HELP}`);
        return EXIT.usage;
      }
    }
  } catch (e) {
    if (isMeshgateError(e)) {
      io.stderr(`meshgate: ${logSafeLines(e.toString(), '  ')}\n`);
      if (e.code === 'MG_CLI_USAGE') io.stderr(`run \`meshgate ${command ?? ''} --help\` for usage\n`);
    } else {
      io.stderr(`meshgate: internal error: ${logSafeLines(describeThrown(e), '  ')}\n`);
      if (e instanceof Error && e.stack && io.env['MESHGATE_DEBUG']) io.stderr(`${e.stack}\n`);
    }
    return EXIT.usage;
  }
}

/** Runs the CLI on the real process's streams and environment; resolves to the exit code. */
export function runProcess(argv: string[]): Promise<number> {
  return runCli(argv, processIo());
}

/** Runs a check worker thread (worker.ts starts it through this runner, compiled from its code cache). */
export async function runWorker(): Promise<void> {
  return (await import('./worker-main.js')).runWorker();
}

/**
 * Writes the code cache of each CommonJS file this process loaded through src/code-cache.ts (yaml.cjs, the
 * standard validators): the build's representative run (scripts/gen-code-cache.mjs) calls it.
 */
export { writeLoadedCodeCaches } from '../code-cache.js';
