/**
 * Times training steps in the current process: plain fine-tuning steps or AD-Drop steps, exactly as the
 * trainer runs them (`Step.train`: forward, backward, gradient clipping, AdamW, the loss and gradient norm
 * read back), on a synthetic batch.
 *
 * @since 0.1.0
 */
import { Method } from "@addrop/attribution"
import { Mask, Sampler } from "@addrop/mask"
import { Model } from "@addrop/models"
import { Draw, Key } from "@addrop/random"
import { Optimizer, Step } from "@addrop/trainer"
import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"
import {
  type CaseSpec,
  type LayerSelection,
  label,
  layerIndices,
  modelConfig,
  type StepKind
} from "./BenchCase.js"
import { MeasurementFailed } from "./BenchError.js"
import * as Memory from "./Memory.js"
import { median } from "./Stats.js"

/**
 * AD-Drop's settings in every benchmark: GA attribution, p = q = 0.3, the high-attribution region, and
 * the attribution pass in training mode with the second pass's dropout masks (the trainer's default).
 *
 * @since 0.1.0
 * @category constants
 */
export const adDropConfig = (layers: ReadonlyArray<number>): Step.AdDropConfig => ({
  method: "ga",
  layers,
  mask: { p: 0.3, q: 0.3, strategy: "high" },
  attributionMode: "train"
})

/**
 * The optimizer settings of every benchmark step (Hugging Face's fine-tuning defaults).
 *
 * @since 0.1.0
 * @category constants
 */
export const stepSettings = { learningRate: 2e-5, maxGradNorm: 1, adamw: Optimizer.defaults } as const

/**
 * Timings of one kind of step, from {@link measureTimes}.
 *
 * @since 0.1.0
 * @category models
 */
export interface StepTiming {
  readonly kind: StepKind
  /** Wall time of each timed step (warm-up excluded), in milliseconds. */
  readonly samplesMs: ReadonlyArray<number>
  readonly medianMs: number
  /** Tensors alive after a step of this kind minus before it, averaged over the timed steps. */
  readonly tensorsLeakedPerStep: number
  /** AD-Drop only: median time of the attribution pass alone (forward + backward to the attention maps). */
  readonly attributionMs?: number | undefined
  /** AD-Drop only: median time of drawing the masks from given attributions (all selected layers). */
  readonly maskMs?: number | undefined
}

/**
 * Peak memory of one kind of step, from {@link measureMemory}.
 *
 * @since 0.1.0
 * @category models
 */
export interface StepMemory {
  readonly kind: StepKind
  /** Resident memory after the model, optimizer state and batch exist, before the first step. */
  readonly rssBeforeMb: number
  /** Peak resident memory while the steps ran (the whole process: weights, optimizer state, activations). */
  readonly peakRssMb: number
  /** False where the peak could not be restarted after setup (then it includes the setup's peak). */
  readonly peakIsStepsOnly: boolean
}

/**
 * Options of {@link measureTimes}.
 *
 * @since 0.1.0
 * @category models
 */
export interface MeasureOptions {
  /** Samples of the attribution-pass and mask timings for AD-Drop kinds; 0 skips them. Default min(steps, 3). */
  readonly breakdownSamples?: number | undefined
  /** Called after every step (warm-up included) with its kind and `tf.memory().numTensors`. */
  readonly onStep?: ((kind: StepKind, numTensors: number) => void) | undefined
}

/**
 * A synthetic classification batch `[B,L]`: ids uniform in `[1, vocab)` from a fixed key, every token
 * real, token types 0, labels alternating 0/1. The PyTorch reference draws the same shapes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const syntheticBatch = (
  batch: number,
  seq: number,
  vocabSize: number
): { readonly inputs: Model.Batch; readonly labels: tf.Tensor1D } => {
  const u = Draw.uniform(Key.make(20221122), batch * seq)
  const ids = Int32Array.from(u, (x) => 1 + Math.floor(x * (vocabSize - 1)))
  return {
    inputs: {
      inputIds: tf.tensor2d(ids, [batch, seq], "int32"),
      attentionMask: tf.ones([batch, seq], "int32") as tf.Tensor2D,
      tokenTypeIds: tf.zeros([batch, seq], "int32") as tf.Tensor2D
    },
    labels: tf.tensor1d(
      Int32Array.from({ length: batch }, (_, i) => i % 2),
      "int32"
    )
  }
}

const now = () => performance.now()

const kindLabel = (kind: StepKind) => (kind.phase === "ft" ? "ft" : `addrop(${kind.layers})`)

interface Setup {
  readonly model: Model.Model
  readonly data: ReturnType<typeof syntheticBatch>
  state: Optimizer.AdamWState
  step: number
}

/** The spec's model (random weights from a fixed key), optimizer state and batch, disposed after `use`. */
const withSetup = <A>(
  spec: CaseSpec,
  what: string,
  use: (setup: Setup) => Effect.Effect<A, MeasurementFailed>
): Effect.Effect<A, MeasurementFailed> =>
  Effect.acquireUseRelease(
    Effect.try({
      try: (): Setup => {
        const config = modelConfig(spec)
        const model = Model.makeUnsafe(config, { task: "classification", numLabels: 2, key: Key.make(0) })
        const data = syntheticBatch(spec.batch, spec.seq, config.vocabSize)
        return { model, data, state: zeroState(model), step: 0 }
      },
      catch: (error) => failure(spec, what, error)
    }),
    use,
    (setup) =>
      Effect.sync(() => {
        Optimizer.dispose(setup.state)
        setup.model.dispose()
        const { inputs, labels } = setup.data
        tf.dispose([inputs.inputIds, inputs.attentionMask, inputs.tokenTypeIds!, labels])
      })
  )

/**
 * `Optimizer.init`'s state, built so that no extra tensor holds the initial zeros: `Optimizer.init` wraps
 * `tf.zerosLike(p)` in a variable without disposing it, so once the first update assigns new moments the
 * two zero buffers per parameter stay allocated (2 × the model's size: 835 MiB for BERT-base). Reported
 * to the trainer; this keeps the measurement to what a step needs.
 */
export const zeroState = (model: Model.Model): Optimizer.AdamWState => {
  const zeros = () => new Map([...model.parameters].map(([name, p]) => [name, tf.zerosLike(p)]))
  const first = zeros()
  const second = zeros()
  const state = Optimizer.restore(0, first, second)
  tf.dispose([...first.values(), ...second.values()])
  return state
}

const ROOT = Key.make(7)

/** One `Step.train` of `kind`; returns its wall time. Each call is a new global step. */
const runStep = (spec: CaseSpec, setup: Setup, kind: StepKind) =>
  Effect.gen(function* () {
    const layers = kind.phase === "ft" ? [0] : layerIndices(kind.layers, setup.model.numLayers)
    const start = now()
    const result = yield* Step.train(setup.model, setup.state, setup.data.inputs, setup.data.labels, {
      phase: kind.phase,
      ...stepSettings,
      adDrop: adDropConfig(layers),
      root: ROOT,
      step: setup.step
    }).pipe(Effect.mapError((error) => failure(spec, kindLabel(kind), error)))
    const elapsed = now() - start
    setup.state = result.state
    setup.step++
    if (!Number.isFinite(result.loss)) {
      return yield* failure(spec, kindLabel(kind), new Error(`a step gave a non-finite loss ${result.loss}`))
    }
    return elapsed
  })

/**
 * Times every kind of step in one process on the current backend: `warmup` steps of each kind, then
 * `steps` rounds in which each kind runs once (interleaved, so that a change in the machine's load
 * affects every kind alike), all `Step.train` on one model, optimizer state and batch, each a new global
 * step (dropout and masks change). Reports per kind the median wall time and the tensors leaked per
 * step, and for AD-Drop kinds the attribution pass and the mask sampling timed on their own.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TensorBackend } from "@addrop/backends"
 * import { StepBench } from "@addrop/bench"
 * const spec = { preset: "tiny", backend: "wasm", batch: 8, seq: 64, warmup: 1, steps: 3 } as const
 * const [ft, ad] = await Effect.runPromise(
 *   Effect.scoped(
 *     Effect.andThen(
 *       TensorBackend.make("wasm"),
 *       StepBench.measureTimes(spec, [{ phase: "ft" }, { phase: "addrop", layers: "all" }])
 *     )
 *   )
 * )
 * ```
 * @since 0.1.0
 * @category measuring
 */
export const measureTimes = (
  spec: CaseSpec,
  kinds: ReadonlyArray<StepKind>,
  options: MeasureOptions = {}
): Effect.Effect<Array<StepTiming>, MeasurementFailed> =>
  withSetup(spec, kinds.map(kindLabel).join("+"), (setup) =>
    Effect.gen(function* () {
      const samples = kinds.map(() => [] as Array<number>)
      const leaked = kinds.map(() => 0)
      for (let round = 0; round < spec.warmup + spec.steps; round++) {
        for (const [i, kind] of kinds.entries()) {
          const before = tf.memory().numTensors
          const elapsed = yield* runStep(spec, setup, kind)
          const after = tf.memory().numTensors
          options.onStep?.(kind, after)
          if (round >= spec.warmup) {
            samples[i]!.push(elapsed)
            leaked[i]! += after - before
          }
        }
      }
      const out: Array<StepTiming> = []
      for (const [i, kind] of kinds.entries()) {
        const breakdown =
          kind.phase === "addrop"
            ? yield* timeAdDropParts(
                setup.model,
                setup.data,
                kind.layers,
                options.breakdownSamples ?? Math.min(spec.steps, 3)
              )
            : {}
        out.push({
          kind,
          samplesMs: samples[i]!,
          medianMs: median(samples[i]!),
          tensorsLeakedPerStep: leaked[i]! / spec.steps,
          ...breakdown
        })
      }
      return out
    })
  )

/**
 * Peak resident memory of `steps` steps of one kind (default 2), in the current process: the peak is
 * restarted after the model, optimizer state and batch exist (Linux), so it covers the steps. Run it in
 * a fresh process (see `Isolated`) so that nothing else has grown the heap before.
 *
 * @since 0.1.0
 * @category measuring
 */
export const measureMemory = (
  spec: CaseSpec,
  kind: StepKind,
  steps = 2
): Effect.Effect<StepMemory, MeasurementFailed> =>
  withSetup(spec, kindLabel(kind), (setup) =>
    Effect.gen(function* () {
      const before = Memory.resident()
      const peakIsStepsOnly = Memory.resetPeak()
      for (let i = 0; i < steps; i++) yield* runStep(spec, setup, kind)
      return { kind, rssBeforeMb: before.rssMb, peakRssMb: Memory.resident().peakRssMb, peakIsStepsOnly }
    })
  )

/** Times the attribution pass alone, then the masks drawn from its maps alone. */
const timeAdDropParts = (
  model: Model.Model,
  data: ReturnType<typeof syntheticBatch>,
  selection: LayerSelection,
  samples: number
) =>
  Effect.gen(function* () {
    if (samples === 0) return {}
    const layers = layerIndices(selection, model.numLayers)
    const config = adDropConfig(layers)
    const attribution: Array<number> = []
    const masks: Array<number> = []
    for (let i = 0; i < samples; i++) {
      const keys = Step.stepKeys(ROOT, 1_000_000 + i)
      const start = now()
      const { maps, logits } = yield* Method.attribute(model, data.inputs, {
        method: "ga",
        layers,
        labels: data.labels,
        tokenMask: data.inputs.attentionMask,
        key: keys.region,
        dropoutKey: keys.dropout
      }).pipe(Effect.orDie)
      // Reading one value waits for the backward pass on asynchronous backends.
      yield* Effect.promise(() => maps.get(layers[layers.length - 1]!)!.data())
      attribution.push(now() - start)
      logits.dispose()
      const maskStart = now()
      const biases = [...maps].map(([layer, map]) =>
        tf.tidy(() =>
          Mask.toScoreBias(
            Sampler.sample(map, data.inputs.attentionMask, config.mask, Key.fold(keys.mask, layer))
          )
        )
      )
      yield* Effect.promise(() => biases[biases.length - 1]!.data())
      masks.push(now() - maskStart)
      tf.dispose([...biases, ...maps.values()])
    }
    return { attributionMs: median(attribution), maskMs: median(masks) }
  })

const failure = (spec: CaseSpec, what: string, error: unknown): MeasurementFailed =>
  new MeasurementFailed({
    what: `${label(spec)} ${what}`,
    detail: error instanceof Error ? error.message : String(error)
  })
