/**
 * One writer per audit log: a lock file `.<name>.lock` next to the log (hidden, so `audit.log*` globs do
 * not pick it up), created with `O_EXCL` and holding the owner's pid, host and start time. A second writer
 * — another process or another sink in the same process — gets `MG_AUDIT_LOG_LOCKED` naming the holder. A
 * lock left by a process that died (same host, pid gone) is stale and taken over (moved aside atomically and
 * checked, so two processes cannot both take it over); a lock from another host is never taken over. Held locks are removed at close and when the process exits.
 */
import * as fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import * as nodePath from 'node:path';
import { MeshgateError, toMeshgateError } from '../../errors.js';

/** A held lock. */
export interface LogLock {
  /** The lock file. */
  readonly path: string;
  /** Removes the lock file (idempotent). */
  release(): void;
}

const held = new Set<string>();
let exitHook = false;

/** The lock file of a log. */
export function lockPathFor(logPath: string): string {
  return nodePath.join(nodePath.dirname(logPath), `.${nodePath.basename(logPath)}.lock`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the exclusive writer lock of `logPath`. Throws `MG_AUDIT_LOG_LOCKED` when another writer holds it. */
export function acquireLogLock(logPath: string): LogLock {
  const path = lockPathFor(logPath);
  const me = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(path, 'wx');
      try {
        fs.writeSync(fd, `${JSON.stringify(me)}\n`);
      } finally {
        fs.closeSync(fd);
      }
      held.add(path);
      if (!exitHook) {
        exitHook = true;
        process.once('exit', () => {
          for (const p of held) fs.rmSync(p, { force: true });
        });
      }
      let released = false;
      return {
        path,
        release(): void {
          if (released) return;
          released = true;
          held.delete(path);
          fs.rmSync(path, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw toMeshgateError(e, 'MG_AUDIT_SINK_FAILED', `audit log ${logPath}: cannot create the lock file ${path}`, { file: logPath });
    }
    let owner: { pid?: unknown; host?: unknown; since?: unknown } = {};
    try {
      owner = JSON.parse(fs.readFileSync(path, 'utf8')) as typeof owner;
    } catch {
      owner = {}; // unreadable or half-written: treated as held unless clearly stale below
    }
    const pid = typeof owner.pid === 'number' ? owner.pid : undefined;
    const sameHost = owner.host === me.host;
    const stale = sameHost && pid !== undefined && !held.has(path) && pid !== process.pid && !alive(pid);
    if (stale && attempt === 0) {
      // move the stale lock aside atomically, and make sure it is the one we judged stale: if another
      // process took it over in the meantime, its fresh lock goes back and we report it as the holder
      const aside = `${path}.stale-${process.pid}-${randomUUID()}`;
      try {
        fs.renameSync(path, aside);
      } catch {
        continue; // already gone: try to create it again
      }
      let moved: typeof owner = {};
      try {
        moved = JSON.parse(fs.readFileSync(aside, 'utf8')) as typeof owner;
      } catch {
        moved = {};
      }
      if (moved.pid === owner.pid && moved.since === owner.since) {
        fs.rmSync(aside, { force: true });
        continue;
      }
      try {
        fs.linkSync(aside, path);
      } catch {
        // a third writer holds it now; it is reported below
      } finally {
        fs.rmSync(aside, { force: true });
      }
      owner = moved;
    }
    const holder = typeof owner.pid === 'number' ? owner.pid : undefined;
    const who = holder === undefined ? 'another writer' : `pid ${holder}${owner.host === me.host ? '' : ` on ${String(owner.host)}`}${typeof owner.since === 'string' ? ` since ${owner.since}` : ''}`;
    throw new MeshgateError(
      'MG_AUDIT_LOG_LOCKED',
      `audit log ${logPath} is already open for writing by ${who} (lock file ${path}): one writer per log; close the other writer, or remove the lock file if that writer is gone`,
      { location: { file: logPath }, details: { lock: path, ...(holder === undefined ? {} : { pid: holder }) } },
    );
  }
  throw new MeshgateError('MG_AUDIT_LOG_LOCKED', `audit log ${logPath}: cannot take the lock ${path}`, { location: { file: logPath } });
}
