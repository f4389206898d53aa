/**
 * The budgets of a bundle, checked while it is read and before anything in it is parsed, verified or
 * compiled: compressed size, expanded (uncompressed) size, number of files and size of the data documents.
 * Each has its own error code (see docs/limits.md). Files, folders, bytes and downloads share them.
 */
import { MeshgateError } from '../errors.js';

/** Limits applied while reading bundles. */
export interface BundleLimits {
  /** Largest .tar.gz (a file, bytes or a download) in bytes (default 64 MiB): MG_BUNDLE_COMPRESSED_TOO_LARGE. */
  maxCompressedBytes?: number;
  /** Largest expanded bundle (the tar, or a folder's files) in bytes (default 128 MiB): MG_BUNDLE_TOO_LARGE. */
  maxExpandedBytes?: number;
  /** @deprecated the former name of {@link maxExpandedBytes}. */
  maxBytes?: number;
  /** Most files in a bundle (default 10 000): MG_BUNDLE_TOO_MANY_FILES. */
  maxFiles?: number;
  /** Largest total of the data documents (`data.json`, `data.yaml`) in bytes (default 64 MiB): MG_BUNDLE_DATA_TOO_LARGE. */
  maxDataBytes?: number;
}

/** The defaults of {@link BundleLimits}. */
export const DEFAULT_BUNDLE_LIMITS: Readonly<Required<Omit<BundleLimits, 'maxBytes'>>> = {
  maxCompressedBytes: 64 * 1024 * 1024,
  maxExpandedBytes: 128 * 1024 * 1024,
  maxFiles: 10_000,
  maxDataBytes: 64 * 1024 * 1024,
};

/** Resolved limits. */
export type ResolvedBundleLimits = Readonly<Required<Omit<BundleLimits, 'maxBytes'>>>;

/** Fills in defaults. */
export function resolveLimits(limits: BundleLimits = {}): ResolvedBundleLimits {
  return {
    maxCompressedBytes: limits.maxCompressedBytes ?? DEFAULT_BUNDLE_LIMITS.maxCompressedBytes,
    maxExpandedBytes: limits.maxExpandedBytes ?? limits.maxBytes ?? DEFAULT_BUNDLE_LIMITS.maxExpandedBytes,
    maxFiles: limits.maxFiles ?? DEFAULT_BUNDLE_LIMITS.maxFiles,
    maxDataBytes: limits.maxDataBytes ?? DEFAULT_BUNDLE_LIMITS.maxDataBytes,
  };
}

/** True for the data documents counted against `maxDataBytes`. */
export function isDataDocument(path: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return base === 'data.json' || base === 'data.yaml';
}

/** Refuses compressed input over its budget. */
export function checkCompressed(size: number, limits: ResolvedBundleLimits, source: string): void {
  if (size > limits.maxCompressedBytes) {
    throw new MeshgateError('MG_BUNDLE_COMPRESSED_TOO_LARGE', `bundle ${source} is ${size} bytes compressed; the limit is ${limits.maxCompressedBytes}`, { location: { file: source } });
  }
}

/** Counts the files of a bundle as they are found, refusing at the first one over a budget. */
export class BundleBudget {
  private files = 0;
  private expanded = 0;
  private data = 0;
  constructor(
    private readonly limits: ResolvedBundleLimits,
    private readonly source: string,
  ) {}

  /** Accounts for raw expanded bytes (tar headers and padding included); refuses past the expanded limit. */
  bytes(n: number): void {
    this.expanded += n;
    if (this.expanded > this.limits.maxExpandedBytes) throw this.tooLarge(this.expanded);
  }

  /** Accounts for one file about to be read, by its declared size (before its content is inflated or read). */
  file(path: string, size: number, countBytes = false): void {
    if (countBytes) this.bytes(size);
    else if (this.expanded + size > this.limits.maxExpandedBytes) throw this.tooLarge(this.expanded + size);
    if (++this.files > this.limits.maxFiles) {
      throw new MeshgateError('MG_BUNDLE_TOO_MANY_FILES', `bundle ${this.source} has more than ${this.limits.maxFiles} files`, { location: { file: this.source } });
    }
    if (isDataDocument(path)) {
      this.data += size;
      if (this.data > this.limits.maxDataBytes) {
        throw new MeshgateError('MG_BUNDLE_DATA_TOO_LARGE', `bundle ${this.source}: its data documents reach ${this.data} bytes (${path}); the limit is ${this.limits.maxDataBytes}`, {
          location: { file: `${this.source}#${path}` },
        });
      }
    }
  }

  private tooLarge(n: number): MeshgateError {
    return new MeshgateError('MG_BUNDLE_TOO_LARGE', `bundle ${this.source} expands to more than ${this.limits.maxExpandedBytes} bytes (at least ${n})`, { location: { file: this.source } });
  }
}
