/**
 * The benchmark as a whole: for every preset × backend, a plain step, an AD-Drop step with GA on layer 0
 * and one with GA on all layers, timed together in a fresh child process and each measured for peak
 * memory in its own fresh child, reported as one result per AD-Drop case (`ratio` = AD-Drop step ÷ plain
 * step, both from this invocation on the same backend).
 *
 * @since 0.1.0
 */
import type { BackendName } from "@addrop/backends"
import { Runtime } from "@addrop/backends"
import type { Presets } from "@addrop/models"
import { Effect, Stream } from "effect"
import * as BenchCase from "./BenchCase.js"
import type { InvalidBenchOption, MeasurementFailed } from "./BenchError.js"
import * as Isolated from "./Isolated.js"
import { round } from "./Stats.js"
import type { StepMemory, StepTiming } from "./StepBench.js"

/**
 * Options of {@link stream}; unset shapes and step counts come from {@link BenchCase.defaults}.
 *
 * @since 0.1.0
 * @category models
 */
export interface BenchOptions {
  readonly presets: ReadonlyArray<Presets.PresetName>
  readonly backends: ReadonlyArray<BackendName.BackendName>
  readonly batch?: number | undefined
  readonly seq?: number | undefined
  readonly warmup?: number | undefined
  readonly steps?: number | undefined
  readonly vocabSize?: number | undefined
  /** wasm only (other backends ignore it): threads of its pool, 1–8 or `"auto"`; unset is one thread. */
  readonly threads?: number | "auto" | undefined
  /** Samples of the attribution/mask breakdown per AD-Drop case (default min(steps, 3); 0 skips it). */
  readonly breakdownSamples?: number | undefined
}

/**
 * One line of the benchmark: an AD-Drop case against the plain step of the same configuration.
 *
 * @since 0.1.0
 * @category models
 */
export interface CaseResult {
  readonly preset: Presets.PresetName
  readonly backend: BackendName.BackendName
  /** The wasm thread pool asked for (`"auto"`: every core); 1 when single-threaded or another backend. */
  readonly threads: number | "auto"
  /** `node 20.19.0`, `bun 1.2.0`, … */
  readonly runtime: string
  readonly batch: number
  readonly seq: number
  readonly layers: BenchCase.LayerSelection
  /** Median plain step (forward, backward, clipping, AdamW), ms. */
  readonly ftMs: number | null
  /** Median AD-Drop step, ms. */
  readonly adMs: number | null
  /** adMs / ftMs. */
  readonly ratio: number | null
  /** Peak resident memory of the process running the AD-Drop steps, MiB. */
  readonly peakRssMb: number | null
  /** The larger of the two step kinds' leaks (tensors per step). */
  readonly tensorsLeakedPerStep: number | null
  /** Peak resident memory of the process running the plain steps, MiB. */
  readonly ftPeakRssMb: number | null
  /** peakRssMb / ftPeakRssMb. */
  readonly memRatio: number | null
  /** Median attribution pass alone (forward + backward to the attention maps), ms. */
  readonly attributionMs: number | null
  /** Median mask drawing from given attributions, ms. */
  readonly maskMs: number | null
  /** adMs − ftMs − attributionMs − maskMs: what the AD-Drop step costs beyond its parts, ms. */
  readonly restMs: number | null
  readonly warmup: number
  readonly steps: number
  readonly vocabSize: number
  /** Why a measurement is missing. */
  readonly error?: string | undefined
}

/**
 * The runtime's name and version.
 *
 * @since 0.1.0
 * @category models
 */
export const runtimeLabel = (): string => {
  const versions = process.versions as Record<string, string | undefined>
  switch (Runtime.current) {
    case "bun":
      return `bun ${versions.bun ?? "?"}`
    case "deno":
      return `deno ${versions.deno ?? "?"}`
    default:
      return `node ${versions.node ?? "?"}`
  }
}

/**
 * The case specs the options name (every preset × backend), with defaults filled in, validated.
 *
 * @since 0.1.0
 * @category constructors
 */
export const specs = (options: BenchOptions): Effect.Effect<Array<BenchCase.CaseSpec>, InvalidBenchOption> =>
  Effect.forEach(
    options.presets.flatMap((preset) =>
      options.backends.map((backend) => {
        const d = BenchCase.defaults(preset)
        return {
          preset,
          backend,
          batch: options.batch ?? d.batch,
          seq: options.seq ?? d.seq,
          warmup: options.warmup ?? d.warmup,
          steps: options.steps ?? d.steps,
          vocabSize: options.vocabSize,
          // Only wasm has a pool; `--backend cpu,wasm --threads 2` compares 1-thread cpu with 2-thread wasm.
          threads: backend === "wasm" ? options.threads : undefined
        } satisfies BenchCase.CaseSpec
      })
    ),
    BenchCase.validate
  )

const attempt = <A>(effect: Effect.Effect<A, MeasurementFailed>) =>
  Effect.result(effect).pipe(
    Effect.map((r): { value?: A; error?: string } =>
      r._tag === "Success" ? { value: r.success } : { error: r.failure.message }
    )
  )

const FT: BenchCase.StepKind = { phase: "ft" }
const AD0: BenchCase.StepKind = { phase: "addrop", layers: "0" }
const AD_ALL: BenchCase.StepKind = { phase: "addrop", layers: "all" }

/**
 * Measures one configuration: the plain step and AD-Drop on layer 0 and on all layers timed together in
 * one fresh child process (interleaved rounds), then each kind's peak memory in its own fresh child. A
 * measurement that fails leaves its fields null and names the failure in `error`.
 *
 * @since 0.1.0
 * @category measuring
 */
export const measureCase = (
  spec: BenchCase.CaseSpec,
  options: Pick<BenchOptions, "breakdownSamples"> = {}
): Effect.Effect<[CaseResult, CaseResult]> =>
  Effect.gen(function* () {
    const times = yield* attempt(Isolated.measureTimes(spec, [FT, AD0, AD_ALL], options))
    const memory = yield* Effect.forEach([FT, AD0, AD_ALL], (kind) =>
      attempt(Isolated.measureMemory(spec, kind))
    )
    const timing = (i: number) => ({ value: times.value?.[i], error: times.error })
    return [
      combine(spec, "0", timing(0), timing(1), memory[0]!, memory[1]!),
      combine(spec, "all", timing(0), timing(2), memory[0]!, memory[2]!)
    ] as [CaseResult, CaseResult]
  })

interface Attempt<A> {
  readonly value?: A | undefined
  readonly error?: string | undefined
}

const combine = (
  spec: BenchCase.CaseSpec,
  layers: BenchCase.LayerSelection,
  ft: Attempt<StepTiming>,
  ad: Attempt<StepTiming>,
  ftMemory: Attempt<StepMemory>,
  adMemory: Attempt<StepMemory>
): CaseResult => {
  const f = ft.value
  const a = ad.value
  const fm = ftMemory.value
  const am = adMemory.value
  const r = (x: number | undefined, digits = 1) =>
    x === undefined || !Number.isFinite(x) ? null : round(x, digits)
  const rest =
    f !== undefined && a?.attributionMs !== undefined && a.maskMs !== undefined
      ? a.medianMs - f.medianMs - a.attributionMs - a.maskMs
      : undefined
  const errors = [...new Set([ft.error, ad.error, ftMemory.error, adMemory.error])].filter(
    (e): e is string => e !== undefined
  )
  return {
    preset: spec.preset,
    backend: spec.backend,
    threads: spec.threads ?? 1,
    runtime: runtimeLabel(),
    batch: spec.batch,
    seq: spec.seq,
    layers,
    ftMs: r(f?.medianMs),
    adMs: r(a?.medianMs),
    ratio: r(f !== undefined && a !== undefined ? a.medianMs / f.medianMs : undefined, 3),
    peakRssMb: r(am?.peakRssMb, 0),
    tensorsLeakedPerStep: r(
      f !== undefined && a !== undefined
        ? Math.max(f.tensorsLeakedPerStep, a.tensorsLeakedPerStep)
        : undefined,
      2
    ),
    ftPeakRssMb: r(fm?.peakRssMb, 0),
    memRatio: r(fm !== undefined && am !== undefined ? am.peakRssMb / fm.peakRssMb : undefined, 3),
    attributionMs: r(a?.attributionMs),
    maskMs: r(a?.maskMs),
    restMs: r(rest),
    warmup: spec.warmup,
    steps: spec.steps,
    vocabSize: BenchCase.modelConfig(spec).vocabSize,
    ...(errors.length === 0 ? {} : { error: errors.join("; ") })
  }
}

/**
 * Every case of the options, as results arrive (two per preset × backend: layers `0` and `all`).
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Bench } from "@addrop/bench"
 * await Effect.runPromise(
 *   Bench.stream({ presets: ["tiny"], backends: ["wasm"] }).pipe(
 *     Stream.runForEach((result) => Effect.sync(() => console.log(Bench.toJsonLine(result))))
 *   )
 * )
 * ```
 * @since 0.1.0
 * @category measuring
 */
export const stream = (options: BenchOptions): Stream.Stream<CaseResult, InvalidBenchOption> =>
  Stream.fromEffect(specs(options)).pipe(
    Stream.flatMap((all) => Stream.fromIterable(all)),
    Stream.mapEffect((spec) => measureCase(spec, options)),
    Stream.flatMap((pair) => Stream.fromIterable(pair))
  )

/**
 * The result as one line of JSON (missing measurements are `null`).
 *
 * @since 0.1.0
 * @category formatting
 */
export const toJsonLine = (result: CaseResult): string => JSON.stringify(result)
