/**
 * The tensor backend as an Effect service, with one layer per tfjs backend.
 *
 * A layer loads the backend's package (optional peers are imported on demand), registers gradients,
 * makes the backend current, awaits `tf.ready()`, and restores the previously current backend when its
 * scope closes. tfjs has one current backend per process, so run one backend layer at a time.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"
import { Context, Effect, Layer } from "effect"
import { BackendInitFailed, BackendUnavailable, NoBackendAvailable, UnknownBackend } from "./BackendError.js"
import * as BackendName from "./BackendName.js"
import * as Gradients from "./Gradients.js"
import {
  type Driver,
  DriverUnavailable,
  type DriverOptions,
  dynamicImport,
  makeDrivers
} from "./internal/drivers.js"
import * as Runtime from "./Runtime.js"

/**
 * A backend that an `auto` selection tried and passed over, and why.
 *
 * @since 0.1.0
 * @category models
 */
export interface SkippedBackend {
  readonly backend: BackendName.BackendName
  readonly reason: string
}

/**
 * The GPU adapter a webgpu backend runs on, as the adapter describes itself. `software` tells a software
 * rasteriser (Mesa's llvmpipe or lavapipe, SwiftShader, WARP, or an adapter marked as fallback) from a GPU:
 * it computes correctly but is no faster than the cpu backends.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TensorBackend } from "@addrop/backends"
 *
 * const program = Effect.gen(function* () {
 *   const { adapter } = yield* TensorBackend.TensorBackend
 *   // Node without a GPU: { device: "llvmpipe-…", description: "OpenGL … Mesa …", software: true, via: "Dawn, OpenGL (EGL)" }
 *   if (adapter?.software) console.warn(`WebGPU runs on a software rasteriser: ${adapter.device}`)
 * })
 * await Effect.runPromise(Effect.provide(program, TensorBackend.layerWebGpu))
 * ```
 * @since 0.1.0
 * @category models
 */
export interface AdapterInfo {
  readonly vendor: string
  readonly architecture: string
  readonly device: string
  readonly description: string
  /** Whether this is a software rasteriser rather than a GPU. */
  readonly software: boolean
  /** Where `navigator.gpu` came from: `"Dawn, OpenGL (EGL)"`, `"Dawn, Vulkan/Metal/D3D12"`, `"deno's navigator.gpu"`, … */
  readonly via: string
}

/**
 * What a native backend (`node`, `node-gpu`) runs: the tfjs-node package that owns tfjs' `tensorflow`
 * backend in this process, and whether TensorFlow placed its ops on a GPU. `node-gpu` only starts with
 * `gpu: true`; without a CUDA device it fails with `BackendUnavailable` instead of running on the CPU.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TensorBackend } from "@addrop/backends"
 *
 * const program = Effect.gen(function* () {
 *   const { native } = yield* TensorBackend.TensorBackend
 *   console.log(native) // { package: "@tensorflow/tfjs-node-gpu", gpu: true }
 * })
 * await Effect.runPromise(Effect.provide(program, TensorBackend.layerNodeGpu))
 * ```
 * @since 0.1.0
 * @category models
 */
export interface NativeInfo {
  readonly package: "@tensorflow/tfjs-node" | "@tensorflow/tfjs-node-gpu"
  readonly gpu: boolean
}

/**
 * The running tensor backend.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TensorBackend } from "@addrop/backends"
 *
 * const program = Effect.gen(function* () {
 *   const backend = yield* TensorBackend.TensorBackend
 *   console.log(`running on ${backend.name} under ${backend.runtime}`)
 * })
 * await Effect.runPromise(Effect.provide(program, TensorBackend.layerAuto()))
 * ```
 * @since 0.1.0
 * @category services
 */
export class TensorBackend extends Context.Service<
  TensorBackend,
  {
    /** AD-Drop's name for the backend. */
    readonly name: BackendName.BackendName
    /** The name tfjs registered it under (`tf.getBackend()`). */
    readonly tfjsName: string
    readonly runtime: Runtime.Runtime
    /** Whether reading tensor data synchronously is unsupported or stalls (WebGPU): use `data()`. */
    readonly prefersAsyncReads: boolean
    /**
     * Threads the backend computes on: the size of wasm's pool (1 when single-threaded); 1 for the other
     * backends (cpu runs on the calling thread; tfjs-node's and WebGPU's own parallelism is not counted).
     */
    readonly threads: number
    /** For `auto`: the faster backends that were tried first and could not run. */
    readonly skipped: ReadonlyArray<SkippedBackend>
    /** webgpu: the adapter it runs on; undefined for the other backends. */
    readonly adapter: AdapterInfo | undefined
    /** node, node-gpu: the tfjs-node package and whether it runs on a GPU; undefined for the others. */
    readonly native: NativeInfo | undefined
  }
>()("@addrop/backends/TensorBackend") {}

/**
 * Options for backend layers.
 *
 * `threads` (wasm only): the threads of wasm's pool, a count from 1 to 8 or `"auto"` for every core of
 * the machine (`os.availableParallelism()`, `navigator.hardwareConcurrency`; at most 8). Unset means one
 * thread, today's behaviour: threads are not always faster — on this project's shared 2-vCPU machine a
 * tiny-preset training step ran 1.35× faster with 2 threads while the other core was idle and 1.76×
 * slower while it was busy ("Threaded wasm" in BENCHMARKS.md). Under Node, Bun and Deno the threaded build is started by `@addrop/backends`
 * (tfjs keeps it off there); in browsers tfjs' own threaded build applies when the page is cross-origin
 * isolated. Threads that cannot start fail with `BackendUnavailable` and the reason. The pool's workers
 * are terminated when the layer's scope closes, so a process does not hang on them.
 *
 * @example
 * ```ts
 * import { TensorBackend } from "@addrop/backends"
 * const WasmThreaded = TensorBackend.layerWasm({ threads: "auto" })
 * ```
 * @since 0.1.0
 * @category models
 */
export interface BackendOptions extends DriverOptions {}

/**
 * Options for the `auto` layer.
 *
 * @since 0.1.0
 * @category models
 */
export interface AutoOptions extends BackendOptions {
  /** Candidates in order of preference; defaults to {@link BackendName.autoOrder} for the runtime. */
  readonly candidates?: ReadonlyArray<BackendName.BackendName>
}

// A backend whose package the program already loaded (statically, as a Worker bundle must) is reused.
const defaultDrivers = makeDrivers(dynamicImport, (tfjsName) => tf.findBackendFactory(tfjsName) !== null)

/** @internal Loads a driver's package and makes it current; exported for tests with fake drivers. */
export const acquireWith = (
  driver: Driver,
  options: BackendOptions = {},
  skipped: ReadonlyArray<SkippedBackend> = []
): Effect.Effect<
  TensorBackend["Service"],
  BackendUnavailable | BackendInitFailed,
  import("effect").Scope.Scope
> =>
  Effect.gen(function* () {
    yield* Effect.try({
      try: () => Gradients.install(),
      catch: (cause) => new BackendInitFailed({ backend: driver.name, cause })
    })
    const unavailable = (cause: unknown) =>
      cause instanceof DriverUnavailable
        ? new BackendUnavailable({ backend: driver.name, reason: cause.reason, install: cause.install })
        : new BackendInitFailed({ backend: driver.name, cause })
    // Released last (scopes release in reverse): after the previous backend is current again.
    const loaded = yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => driver.load(options), catch: unavailable }),
      (loaded) => Effect.sync(() => loaded?.release?.())
    )
    const previous = currentBackendName()
    const ok = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          const switched = await tf.setBackend(driver.tfjsName)
          await tf.ready()
          return switched
        },
        catch: (cause) => new BackendInitFailed({ backend: driver.name, cause })
      }),
      () =>
        Effect.promise(async () => {
          if (previous !== undefined && previous !== tf.getBackend()) await tf.setBackend(previous)
        })
    )
    if (!ok) {
      return yield* new BackendInitFailed({
        backend: driver.name,
        cause: new Error(`tf.setBackend("${driver.tfjsName}") returned false`)
      })
    }
    const started = yield* Effect.try({ try: () => loaded?.ready?.() ?? { threads: 1 }, catch: unavailable })
    return {
      name: driver.name,
      tfjsName: driver.tfjsName,
      runtime: Runtime.current,
      prefersAsyncReads: driver.name === "webgpu",
      threads: started.threads,
      skipped,
      adapter: loaded?.adapter,
      native: started.native
    }
  })

/** `tf.getBackend()` throws-free: undefined when no backend has been initialised yet. */
const currentBackendName = (): string | undefined => {
  try {
    return tf.engine().backendName ?? undefined
  } catch {
    return undefined
  }
}

/**
 * Acquires a named backend for the current scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (name: BackendName.BackendName, options: BackendOptions = {}) =>
  acquireWith(defaultDrivers[name], options)

/**
 * A layer providing the named backend.
 *
 * @example
 * ```ts
 * import { TensorBackend } from "@addrop/backends"
 * const WasmLive = TensorBackend.layer("wasm", { threads: 2 })
 * ```
 * @since 0.1.0
 * @category layers
 */
export const layer = (name: BackendName.BackendName, options: BackendOptions = {}) =>
  Layer.effect(TensorBackend, make(name, options))

/**
 * The pure-JavaScript backend: always available, slowest.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerCpu = layer("cpu")

/**
 * The WebAssembly (SIMD) backend from `@tensorflow/tfjs-backend-wasm`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWasm = (options: BackendOptions = {}) => layer("wasm", options)

/**
 * The WebGPU backend from `@tensorflow/tfjs-backend-webgpu`. Browsers and Deno provide `navigator.gpu`;
 * under Node and Bun, where there is none, it comes from Dawn in the optional peer `webgpu`, set up by the
 * layer: Vulkan/Metal/D3D12 first, else OpenGL through EGL (Mesa's llvmpipe on a machine without a GPU;
 * `EGL_PLATFORM=surfaceless` is set when unset). The service's `adapter` says which adapter it got; the
 * device is destroyed when the scope closes, so the process exits. No package or no adapter fails with
 * `BackendUnavailable` and the reason.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TensorBackend } from "@addrop/backends"
 *
 * const program = Effect.gen(function* () {
 *   const backend = yield* TensorBackend.TensorBackend
 *   console.log(backend.adapter?.device, backend.adapter?.via) // "llvmpipe-…", "Dawn, OpenGL (EGL)"
 * })
 * await Effect.runPromise(Effect.provide(program, TensorBackend.layerWebGpu))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWebGpu = layer("webgpu")

/**
 * The native TensorFlow backend from `@tensorflow/tfjs-node` (an optional peer).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerNode = layer("node")

/**
 * The native TensorFlow CUDA backend from `@tensorflow/tfjs-node-gpu` (an optional peer).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerNodeGpu = layer("node-gpu")

/** @internal `auto` over explicit drivers; exported for tests. */
export const autoWith = (
  drivers: Record<BackendName.BackendName, Driver>,
  options: AutoOptions = {}
): Effect.Effect<
  TensorBackend["Service"],
  NoBackendAvailable | BackendInitFailed,
  import("effect").Scope.Scope
> =>
  Effect.gen(function* () {
    const candidates = options.candidates ?? BackendName.autoOrder(Runtime.current)
    const skipped: Array<SkippedBackend> = []
    for (const name of candidates) {
      const attempt = yield* Effect.result(acquireWith(drivers[name], options, [...skipped]))
      if (attempt._tag === "Success") {
        yield* Effect.logDebug(
          `tensor backend: ${name} (skipped: ${skipped.map((s) => s.backend).join(", ")})`
        )
        return attempt.success
      }
      const failure = attempt.failure
      skipped.push({
        backend: name,
        reason: failure._tag === "BackendUnavailable" ? failure.reason : failure.message
      })
    }
    return yield* new NoBackendAvailable({ attempts: skipped })
  })

/**
 * Picks the fastest backend that starts in this runtime: browser and Deno try webgpu → wasm → cpu,
 * Node tries node-gpu → node → wasm → cpu, Bun and workerd try wasm → cpu. The service's `name` says which was
 * chosen and `skipped` why the faster ones were passed over.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerAuto = (options: AutoOptions = {}) =>
  Layer.effect(TensorBackend, autoWith(defaultDrivers, options))

/**
 * A layer from a user-supplied name (a CLI flag, a config file): one of {@link BackendName.all} or `auto`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFromName = (
  name: string,
  options: BackendOptions = {}
): Layer.Layer<
  TensorBackend,
  BackendUnavailable | BackendInitFailed | NoBackendAvailable | UnknownBackend
> =>
  name === "auto"
    ? layerAuto(options)
    : BackendName.is(name)
      ? layer(name, options)
      : Layer.effect(
          TensorBackend,
          Effect.fail(new UnknownBackend({ name, known: [...BackendName.all, "auto"] }))
        )
