#!/usr/bin/env node
/**
 * The `meshgate` command's entry. It answers `--version` and `--help` by itself, with nothing else loaded
 * (the version is inlined at build time), and hands every other invocation to the command runner
 * (`run.cjs`, one bundled file compiled with its V8 code cache). Exit codes: 0 passed, 1 policy failure, 2 usage or input error. With
 * MESHGATE_REPORT_MAXRSS set, prints the peak resident set size on stderr at exit.
 */
import { createRequire } from 'node:module';
import { MAIN_HELP } from './help.js';
import { writeStdout } from './stdout.js';

/** meshgate's version, replaced by the build (tsup `define`); absent when this module runs from source. */
declare const __MESHGATE_VERSION__: string | undefined;

/**
 * Runs a command through the runner: built, `run.cjs` compiled with its V8 code cache (src/code-cache.ts);
 * from source, `run.ts` imported. With MESHGATE_DEBUG_CODE_CACHE set, what became of the cache is printed
 * on stderr.
 */
async function runCommand(args: string[]): Promise<number> {
  if (typeof __MESHGATE_VERSION__ !== 'string') {
    // a computed specifier: the bundler leaves the runner out of this file
    const runner = new URL('./run.js', import.meta.url).href;
    return ((await import(runner)) as typeof import('./run.js')).runProcess(args);
  }
  // the loader is bundled into this file but initialised only here (it loads node:fs, node:vm, node:zlib)
  const { loadCachedCommonJs } = await import('../code-cache.js');
  const file = (createRequire(import.meta.url)('node:url') as typeof import('node:url')).fileURLToPath(new URL('./run.cjs', import.meta.url));
  const loaded = loadCachedCommonJs(file, `${file}.cache`);
  if (process.env['MESHGATE_DEBUG_CODE_CACHE']) process.stderr.write(`meshgate: code cache ${loaded.status}\n`);
  return (loaded.exports as typeof import('./run.js')).runProcess(args);
}

/** The exit code of `meshgate --version` / `--help` (undefined: not one of those; run the command runner). */
function answerAlone(command: string | undefined): number | undefined {
  switch (command) {
    case '-v':
    case '--version':
    case 'version':
      if (typeof __MESHGATE_VERSION__ !== 'string') return undefined;
      writeStdout(`${__MESHGATE_VERSION__}\n`);
      return 0;
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      writeStdout(MAIN_HELP);
      return command === undefined ? 2 : 0;
    default:
      return undefined;
  }
}

/**
 * This process's peak resident set size in bytes. On Linux, the high-water mark of its own memory
 * (`VmHWM` in /proc/self/status): getrusage's maxrss, which `resourceUsage()` reads, survives exec and so
 * also holds the memory of the process that spawned this one (a test runner's, say). Elsewhere that maxrss.
 */
function peakRss(): number {
  try {
    const status = (createRequire(import.meta.url)('node:fs') as typeof import('node:fs')).readFileSync('/proc/self/status', 'utf8');
    const kb = /^VmHWM:\s*(\d+)\s*kB/m.exec(status)?.[1];
    if (kb !== undefined) return Number(kb) * 1024;
  } catch {
    // no /proc (not Linux): the portable figure below
  }
  return process.resourceUsage().maxRSS * 1024; // maxRSS is in kilobytes
}

/** Sets the exit code (and reports the peak RSS when asked). */
function finish(code: number): void {
  if (process.env['MESHGATE_REPORT_MAXRSS']) process.stderr.write(`meshgate: peak rss ${peakRss()} bytes\n`);
  process.exitCode = code;
}

// No top-level await: the built entry is CommonJS (an ES module entry costs Node's module loader at start).
const argv = process.argv.slice(2);
const alone = answerAlone(argv[0]);
if (alone === undefined) {
  runCommand(argv).then(finish, (e: unknown) => {
    process.stderr.write(`meshgate: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    finish(2);
  });
} else finish(alone);
