/**
 * The one error type of meshgate. Every failure that is not a policy decision (broken input, broken or
 * tampered bundle, policy runtime error) is a `MeshgateError` with a stable `code` and, where known, the
 * file, line and column it is about. Codes are `MG_` followed by an upper-case area and reason.
 */

/** A place in a source file (1-based line and column). */
export interface Location {
  /** The file (as given by the caller), when known. */
  file?: string;
  /** 1-based line. */
  line?: number;
  /** 1-based column. */
  column?: number;
}

/** A stable, machine-readable error code, such as `MG_BUNDLE_CORRUPT`. */
export type ErrorCode = `MG_${string}`;

/** Options for {@link MeshgateError}. */
export interface MeshgateErrorOptions {
  /** The underlying cause (any thrown value). */
  cause?: unknown;
  /** Where in which file the problem is. */
  location?: Location;
  /** Extra machine-readable details (never secret values). */
  details?: Record<string, unknown>;
}

/**
 * The single error class thrown by meshgate. A denial is never an error: it is a Decision. Its `message`
 * starts with the position when one is known (`contract.yaml:28:1: ODCS 2.3.0 is not supported`), so a
 * log of `e.message` alone says where; `reason` is the same text without the position, for output that
 * shows `location` separately.
 */
export class MeshgateError extends Error {
  /** Stable code, for example `MG_INPUT_JSON_SYNTAX`. */
  readonly code: ErrorCode;
  /** What is wrong, without the position (`message` is `file:line:col: ` + `reason`). */
  readonly reason: string;
  /** File, line and column, when known. */
  readonly location: Location | undefined;
  /** Extra machine-readable details. */
  readonly details: Record<string, unknown> | undefined;

  /** Creates an error with its code (`MG_AREA_REASON`), reason, and optional location, cause and details. */
  constructor(code: ErrorCode, reason: string, options: MeshgateErrorOptions = {}) {
    super(`${formatLocation(options.location)}${reason}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MeshgateError';
    this.code = code;
    this.reason = reason;
    this.location = options.location;
    this.details = options.details;
  }

  /** `file:line:col: reason [code]`, the form printed by the CLI (the position once). */
  override toString(): string {
    return `${this.message} [${this.code}]`;
  }

  /** A plain JSON form (for reporters and audit events): `message` is the reason, the position is in `location`. */
  toJSON(): { code: ErrorCode; message: string; location?: Location } {
    return this.location ? { code: this.code, message: this.reason, location: this.location } : { code: this.code, message: this.reason };
  }
}

/** Formats a location as `file:line:col: ` (empty when nothing is known). */
export function formatLocation(loc: Location | undefined): string {
  if (!loc || loc.file === undefined) return loc?.line !== undefined ? `line ${loc.line}: ` : '';
  let s = loc.file;
  if (loc.line !== undefined) s += `:${loc.line}`;
  if (loc.line !== undefined && loc.column !== undefined) s += `:${loc.column}`;
  return `${s}: `;
}

/** True when `e` is a {@link MeshgateError}. */
export function isMeshgateError(e: unknown): e is MeshgateError {
  return e instanceof MeshgateError;
}

/**
 * Turns anything thrown (a string, a plain object, an Error) into a MeshgateError with `code`,
 * keeping the original as `cause`. A MeshgateError passes through unchanged.
 */
export function toMeshgateError(e: unknown, code: ErrorCode, context: string, location?: Location): MeshgateError {
  if (e instanceof MeshgateError) return e;
  const text = describeThrown(e);
  return new MeshgateError(code, `${context}: ${text}`, location ? { cause: e, location } : { cause: e });
}

/** A readable text for any thrown value. */
export function describeThrown(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  try {
    return JSON.stringify(e) ?? String(e);
  } catch {
    return String(e);
  }
}
