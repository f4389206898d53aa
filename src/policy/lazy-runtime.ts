/**
 * A layer's policy runtime that compiles its WebAssembly only when a decision first needs the layer: a
 * contract of domain `finance` never compiles `marketing`. Which entrypoints the layer has comes from the
 * bundle's `.manifest` (the `wasm` list `opa build` writes), so routing decisions need no module. A layer
 * first needed by a decision compiles synchronously (a module compiles in a few milliseconds; V8 starts an
 * asynchronous compilation only when the main thread is idle, so it would not overlap reading the input);
 * {@link loadNow} compiles off the main thread.
 * Failures stay closed: a module that does not compile, instantiate or match its manifest makes every
 * evaluation of that layer throw a coded MeshgateError (a denying error decision).
 */
import { MeshgateError } from '../errors.js';
import { lengthCrcKey } from '../crc32.js';
import type { Bundle } from './bundle.js';
import { isPremetered } from './prebuilt.js';
import { PolicyRuntime, compileWasm, compileWasmSync, type PolicyRuntimeOptions } from './wasm.js';

/** What the engine uses of a layer's runtime (met by {@link PolicyRuntime} and {@link LazyPolicyRuntime}). */
export interface LayerRuntime {
  /** Entrypoint names of the layer, sorted. */
  readonly entrypoints: readonly string[];
  /** True when the layer exposes `entrypoint`. */
  has(entrypoint: string): boolean;
  /** Evaluates `entrypoint` on `input` (see {@link PolicyRuntime.evaluate}). */
  evaluate(entrypoint: string, input: unknown): unknown;
  /** Evaluates `entrypoint` on an input given as JSON text (see {@link PolicyRuntime.evaluateJson}). */
  evaluateJson(entrypoint: string, json: string): unknown;
  /** {@link evaluateJson} returning a deeply frozen value that may be shared (see {@link PolicyRuntime.evaluateJsonShared}). */
  evaluateJsonShared(entrypoint: string, json: string): unknown;
}

/** A policy runtime compiled and instantiated on first evaluation. */
export class LazyPolicyRuntime implements LayerRuntime {
  /** Entrypoint names declared by the bundle's manifest, sorted. */
  readonly entrypoints: readonly string[];
  private readonly declared: ReadonlySet<string>;
  private runtime: PolicyRuntime | undefined;
  private module: WebAssembly.Module | undefined;
  private compiling: Promise<void> | undefined;
  private failure: MeshgateError | undefined;
  private readonly name: string;

  /**
   * @param entrypoints the entrypoints the bundle's manifest declares for `wasm`.
   * @param wasmKey {@link lengthCrcKey} of `wasm` when the caller computed it (once, not again per compile).
   */
  constructor(
    private readonly wasm: Uint8Array,
    private readonly data: Record<string, unknown>,
    entrypoints: readonly string[],
    private readonly options: PolicyRuntimeOptions = {},
    private readonly wasmKey: string = lengthCrcKey(wasm),
  ) {
    this.declared = new Set(entrypoints);
    this.entrypoints = [...this.declared].sort();
    this.name = options.name ?? 'policy';
  }

  /** True once the module has been compiled and instantiated. */
  get loaded(): boolean {
    return this.runtime !== undefined;
  }

  /**
   * Starts compiling the module off the main thread (idempotent). Resolves when it is compiled; never
   * rejects (a module that does not compile is reported by the evaluation that needs it).
   */
  prefetch(): Promise<void> {
    this.compiling ??= compileWasm(this.wasm, this.name, this.options.deadlines !== false, this.wasmKey).then(
      (m) => void (this.module ??= m),
      (e: unknown) => void (this.failure ??= e instanceof MeshgateError ? e : new MeshgateError('MG_POLICY_WASM_INVALID', `${this.name}: cannot compile policy.wasm`, { cause: e })),
    );
    return this.compiling;
  }

  /** True when the manifest declares `entrypoint` for this layer's module. */
  has(entrypoint: string): boolean {
    return this.declared.has(entrypoint);
  }

  /** Evaluates `entrypoint` on `input`, compiling and instantiating the module first if needed. */
  evaluate(entrypoint: string, input: unknown): unknown {
    return this.ready().evaluate(entrypoint, input);
  }

  /** {@link evaluate} on JSON text, compiling and instantiating the layer first if needed. */
  evaluateJson(entrypoint: string, json: string): unknown {
    return this.ready().evaluateJson(entrypoint, json);
  }

  /** {@link evaluateJson} returning a shared, deeply frozen value (see {@link PolicyRuntime.evaluateJsonShared}). */
  evaluateJsonShared(entrypoint: string, json: string): unknown {
    return this.ready().evaluateJsonShared(entrypoint, json);
  }

  /** The instantiated runtime (compiled synchronously unless a prefetch already finished). */
  ready(): PolicyRuntime {
    if (this.runtime) return this.runtime;
    if (this.failure) throw this.failure;
    try {
      const module = (this.module ??= compileWasmSync(this.wasm, this.name, this.options.deadlines !== false, this.wasmKey));
      const rt = PolicyRuntime.instantiate(module, this.data, { ...this.options, warmUp: false });
      const actual = rt.entrypoints.join('\n');
      if (actual !== this.entrypoints.join('\n')) {
        throw new MeshgateError(
          'MG_BUNDLE_CORRUPT',
          `${this.name}: the bundle's .manifest declares entrypoints [${this.entrypoints.join(', ')}] but policy.wasm exposes [${rt.entrypoints.join(', ')}]`,
        );
      }
      this.runtime = rt;
      return rt;
    } catch (e) {
      this.failure = e instanceof MeshgateError ? e : new MeshgateError('MG_POLICY_LOAD', `${this.name}: cannot load policy: ${String(e)}`, { cause: e });
      throw this.failure;
    }
  }
}

/**
 * The runtime of one layer's bundle: lazy ({@link LazyPolicyRuntime}) when the manifest lists the module's
 * entrypoints, otherwise loaded at once with {@link PolicyRuntime.load}. A module that is not valid
 * WebAssembly is refused here either way (a cheap validation, not a compilation; none for a module the CLI
 * ships premetered, which its build validated), so a broken bundle still fails at start-up.
 */
export async function layerRuntime(bundle: Bundle, runtimeOptions: PolicyRuntimeOptions = {}): Promise<LayerRuntime> {
  if (bundle.entrypoints.length === 0) return PolicyRuntime.load(bundle.wasm, bundle.data, runtimeOptions);
  // a module the CLI ships premetered was validated by the build (recognised by its bytes)
  const key = lengthCrcKey(bundle.wasm);
  if (!isPremetered(bundle.wasm, key) && !WebAssembly.validate(bundle.wasm as Uint8Array<ArrayBuffer>)) {
    throw new MeshgateError('MG_POLICY_WASM_INVALID', `${runtimeOptions.name ?? 'policy'}: policy.wasm is not a valid WebAssembly module`);
  }
  return new LazyPolicyRuntime(bundle.wasm, bundle.data, bundle.entrypoints, runtimeOptions, key);
}

/**
 * Compiles, instantiates and warms up a runtime now (a lazy one compiled off the main thread first); throws
 * if it cannot load, or if an entrypoint cannot finish on `{}` within the load deadline.
 */
export async function loadNow(runtime: LayerRuntime): Promise<void> {
  if (!(runtime instanceof LazyPolicyRuntime)) return; // PolicyRuntime.load already warmed it up
  await runtime.prefetch();
  runtime.ready().warmUp();
}
