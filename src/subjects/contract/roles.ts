/**
 * Who holds a role now, from a list of team members or stakeholders with `dateIn`/`dateOut` (ODCS
 * `team`, `team.members`, v2 `stakeholders`): the holder with no `dateOut` (the latest `dateIn` among
 * them), else the one with the latest `dateIn`, reported as having left.
 */
import { asString } from './builder.js';
import { isTreeObject } from './tree.js';
import type { TreeValue } from './tree.js';

/** The member holding a role. */
export interface RoleHolder {
  /** Username (or name). */
  name: string;
  /** Index in the member list. */
  index: number;
  /** The holder's `dateOut`, when even the latest holder has left. */
  left?: string;
}

/** A sortable day (`2019-03-14`) from a date as written, or '' when absent or unreadable. */
function day(v: TreeValue | undefined): string {
  const s = asString(v)?.trim() ?? '';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : '';
}

/** The current holder of a role matching `role` in `members`, or undefined when no member has it. */
export function currentHolder(members: readonly TreeValue[], role: RegExp): RoleHolder | undefined {
  let current: { name: string; index: number; since: string } | undefined;
  let latest: { name: string; index: number; since: string; left: string } | undefined;
  members.forEach((m, index) => {
    if (!isTreeObject(m) || !role.test(asString(m['role']) ?? '')) return;
    const name = asString(m['username']) ?? asString(m['name']);
    if (name === undefined) return;
    const since = day(m['dateIn']);
    const out = asString(m['dateOut']);
    if (out === undefined) {
      if (current === undefined || since > current.since) current = { name, index, since };
    } else if (latest === undefined || since > latest.since || (since === latest.since && day(out) > day(latest.left))) {
      latest = { name, index, since, left: out };
    }
  });
  if (current) return { name: current.name, index: current.index };
  return latest ? { name: latest.name, index: latest.index, left: latest.left } : undefined;
}
