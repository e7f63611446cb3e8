/**
 * What a benchmark measures: a model shape on a backend at a batch shape, and which kind of step.
 *
 * @since 0.1.0
 */
import { BackendName } from "@addrop/backends"
import { type ModelConfig, Presets } from "@addrop/models"
import { Effect } from "effect"
import { InvalidBenchOption } from "./BenchError.js"

/**
 * The layers whose attention AD-Drop attributes and masks: the first layer, or all of them.
 *
 * @since 0.1.0
 * @category models
 */
export type LayerSelection = "0" | "all"

/**
 * A plain fine-tuning step, or an AD-Drop step with GA attribution on the selected layers.
 *
 * @since 0.1.0
 * @category models
 */
export type StepKind =
  | { readonly phase: "ft" }
  | { readonly phase: "addrop"; readonly layers: LayerSelection }

/**
 * One benchmark configuration.
 *
 * @since 0.1.0
 * @category models
 */
export interface CaseSpec {
  readonly preset: Presets.PresetName
  readonly backend: BackendName.BackendName
  readonly batch: number
  readonly seq: number
  /** Steps run before timing starts (kernel setup, allocator growth, JIT). */
  readonly warmup: number
  /** Timed steps; the reported time is their median. */
  readonly steps: number
  /** Overrides the preset's vocabulary size (a small vocabulary makes tests fast). */
  readonly vocabSize?: number | undefined
  /** Narrows the preset (tests): hidden width, feed-forward width, positions. */
  readonly modelOverrides?:
    | {
        readonly hiddenSize?: number | undefined
        readonly intermediateSize?: number | undefined
        readonly maxPositionEmbeddings?: number | undefined
      }
    | undefined
  /**
   * wasm only: threads of its pool, 1 to 8, or `"auto"` for every core (see `TensorBackend.BackendOptions`);
   * unset is single-threaded.
   */
  readonly threads?: number | "auto" | undefined
}

/**
 * Batch shape and step counts used when the caller gives none: large enough to be representative, short
 * enough for a 2-core machine (base shapes at 8 × 128 with one warm-up step and three timed steps).
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults = (
  preset: Presets.PresetName
): { readonly batch: number; readonly seq: number; readonly warmup: number; readonly steps: number } => {
  switch (preset) {
    case "tiny":
      return { batch: 16, seq: 128, warmup: 2, steps: 7 }
    case "mini":
      return { batch: 16, seq: 128, warmup: 1, steps: 5 }
    case "small":
      return { batch: 8, seq: 128, warmup: 1, steps: 3 }
    case "base":
    case "roberta-base":
      return { batch: 8, seq: 128, warmup: 1, steps: 3 }
  }
}

/**
 * A short label for logs and errors: `wasm tiny B=16 L=128 addrop(all)`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const label = (spec: CaseSpec, kind?: StepKind): string => {
  const what = kind === undefined ? "" : kind.phase === "ft" ? " ft" : ` addrop(${kind.layers})`
  const vocab = spec.vocabSize === undefined ? "" : ` V=${spec.vocabSize}`
  const threads = spec.threads === undefined ? "" : ` threads=${spec.threads}`
  return `${spec.backend} ${spec.preset} B=${spec.batch} L=${spec.seq}${vocab}${threads}${what}`
}

/**
 * The preset's configuration with the spec's overrides applied.
 *
 * @since 0.1.0
 * @category models
 */
export const modelConfig = (spec: CaseSpec): ModelConfig.ModelConfig => {
  const config = Presets.byName[spec.preset]
  const o = spec.modelOverrides
  return {
    ...config,
    ...(spec.vocabSize === undefined ? {} : { vocabSize: spec.vocabSize }),
    ...(o?.hiddenSize === undefined ? {} : { hiddenSize: o.hiddenSize }),
    ...(o?.intermediateSize === undefined ? {} : { intermediateSize: o.intermediateSize }),
    ...(o?.maxPositionEmbeddings === undefined ? {} : { maxPositionEmbeddings: o.maxPositionEmbeddings })
  }
}

/**
 * The 0-based layer indices a selection names for a model of `numLayers` layers.
 *
 * @since 0.1.0
 * @category models
 */
export const layerIndices = (selection: LayerSelection, numLayers: number): ReadonlyArray<number> =>
  selection === "0" ? [0] : Array.from({ length: numLayers }, (_, i) => i)

const positiveInteger = (option: string, value: unknown) =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 1
    ? Effect.succeed(value)
    : Effect.fail(new InvalidBenchOption({ option, value, reason: "must be a positive integer" }))

/**
 * Validates a spec: a known preset and backend, positive batch, length and step counts, threads (1–8 or
 * `"auto"`, wasm only), a sequence no longer than the preset's positions, and a vocabulary of at least 2
 * tokens.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { BenchCase } from "@addrop/bench"
 * const spec = Effect.runSync(
 *   BenchCase.validate({ preset: "tiny", backend: "wasm", batch: 8, seq: 64, warmup: 1, steps: 3 })
 * )
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const validate = (spec: CaseSpec): Effect.Effect<CaseSpec, InvalidBenchOption> =>
  Effect.gen(function* () {
    if (!(spec.preset in Presets.byName)) {
      return yield* new InvalidBenchOption({
        option: "preset",
        value: spec.preset,
        reason: `expected one of ${Object.keys(Presets.byName).join(", ")}`
      })
    }
    if (!BackendName.is(spec.backend)) {
      return yield* new InvalidBenchOption({
        option: "backend",
        value: spec.backend,
        reason: `expected one of ${BackendName.all.join(", ")}`
      })
    }
    yield* positiveInteger("batch", spec.batch)
    yield* positiveInteger("seq", spec.seq)
    yield* positiveInteger("warmup", spec.warmup)
    yield* positiveInteger("steps", spec.steps)
    if (spec.threads !== undefined && spec.threads !== "auto") {
      yield* positiveInteger("threads", spec.threads)
      if (spec.threads > 8) {
        return yield* new InvalidBenchOption({
          option: "threads",
          value: spec.threads,
          reason: "tfjs' wasm build runs at most 8 threads"
        })
      }
    }
    if (spec.threads !== undefined && spec.backend !== "wasm") {
      return yield* new InvalidBenchOption({
        option: "threads",
        value: spec.threads,
        reason: `only the wasm backend has a thread pool, not ${spec.backend}`
      })
    }
    const o = spec.modelOverrides
    for (const [field, value] of Object.entries(o ?? {})) {
      if (value !== undefined) yield* positiveInteger(`modelOverrides.${field}`, value)
    }
    const config = modelConfig(spec)
    if (config.hiddenSize % config.numAttentionHeads !== 0) {
      return yield* new InvalidBenchOption({
        option: "modelOverrides.hiddenSize",
        value: config.hiddenSize,
        reason: `must be divisible by the ${config.numAttentionHeads} heads`
      })
    }
    const positions =
      config.maxPositionEmbeddings - (config.modelType === "roberta" ? config.padTokenId + 1 : 0)
    if (spec.seq > positions) {
      return yield* new InvalidBenchOption({
        option: "seq",
        value: spec.seq,
        reason: `the ${spec.preset} preset has ${positions} positions`
      })
    }
    if (spec.vocabSize !== undefined) {
      yield* positiveInteger("vocabSize", spec.vocabSize)
      if (spec.vocabSize < 2)
        return yield* new InvalidBenchOption({
          option: "vocabSize",
          value: spec.vocabSize,
          reason: "must be at least 2"
        })
    }
    return spec
  })
