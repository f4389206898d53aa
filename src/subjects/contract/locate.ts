/**
 * Mapping a policy finding's `path` (`fields.2.classification`, `fields/2/classification`) to a source
 * location: the path itself when the value exists, else its nearest recorded ancestor (a missing field
 * points at its parent), else the document root.
 */
import type { Location } from '../../errors.js';
import type { LocationMap } from './model.js';

/** Normalises a finding path: `/` or `.` separated, with an optional leading `contract.` or `input.contract.`. */
export function normalisePath(path: string): string[] {
  const segs = path.split(/[./]/).filter((s) => s !== '');
  let i = 0;
  if (segs[i] === 'input') i++;
  if (segs[i] === 'contract') i++;
  return segs.slice(i);
}

/** The location of `path`, or of its nearest ancestor with a recorded location, or of the root. */
export function locatePath(locations: LocationMap, path: string | undefined): Location | undefined {
  if (path === undefined) return locations[''];
  const segs = normalisePath(path);
  for (let n = segs.length; n > 0; n--) {
    const loc = locations[segs.slice(0, n).join('.')];
    if (loc) return loc;
  }
  return locations[''];
}
