/**
 * The build manifest (`policies/dist/manifest.json`): written by the policy build, read by the loader of
 * the shipped and extended bundles. Types only, so the reader need not import the builder.
 */
import type { Entrypoint } from '../types.js';

/** One built layer. */
export interface BuiltLayer {
  /** `global` or the domain name. */
  name: string;
  /** The folder it was built from, relative to the policies folder. */
  dir: string;
  /** The bundle file (relative to outDir). */
  bundle: string;
  /** The bundle revision (derived from the source hashes). */
  revision: string;
  /** Entrypoints compiled in. */
  entrypoints: Entrypoint[];
  /** sha256 of every source file, by path relative to the policies folder. */
  sources: Record<string, string>;
  /** sha256 of the bundle file. */
  bundle_sha256: string;
}

/** The manifest written beside the bundles. */
export interface BuildManifest {
  /** Manifest format version. */
  manifest_version: 1;
  /** `opa version` of the compiler used. */
  opa_version: string;
  /** Rego syntax the sources were compiled as. */
  rego_version: 'v0' | 'v1';
  /** Built layers by name. */
  layers: Record<string, Omit<BuiltLayer, 'name'>>;
  /** The global bundle the domain layers extend (`meshgate`, or a path relative to the manifest's folder), when there is no global layer. */
  extends?: string;
}
