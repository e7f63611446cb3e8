/**
 * Whole training runs: a cross-tuned run (plain and AD-Drop epochs alternating, as in the paper) against a
 * plain run on the same data, both through the reference trainer (`Trainer.run`: batches uploaded per
 * step, evaluation after every epoch, no files written).
 *
 * @since 0.1.0
 */
import { Model } from "@addrop/models"
import { Draw, Key } from "@addrop/random"
import { always, crossTuning, type Schedule } from "@addrop/schedule"
import { type Batch, Evaluate, Optimizer, Trainer } from "@addrop/trainer"
import { Effect, type FileSystem } from "effect"
import { type CaseSpec, type LayerSelection, layerIndices, modelConfig } from "./BenchCase.js"
import { MeasurementFailed } from "./BenchError.js"
import { adDropConfig, stepSettings } from "./StepBench.js"

/**
 * A whole-run comparison: the case's model and batch shape, `epochs` epochs of `stepsPerEpoch` steps, and
 * AD-Drop on `layers` in the cross-tuned run. `warmup` and `steps` of the case are not used.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunSpec extends CaseSpec {
  /** Even, so that a cross-tuned run has as many AD-Drop epochs as plain ones. Default 2. */
  readonly epochs?: number | undefined
  /** Default 8. */
  readonly stepsPerEpoch?: number | undefined
  /** Dev batches scored after every epoch. Default 2. */
  readonly evalBatches?: number | undefined
  /** Default `all`. */
  readonly layers?: LayerSelection | undefined
}

/**
 * Wall times of the two runs and their ratio.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunComparison {
  readonly epochs: number
  readonly stepsPerEpoch: number
  readonly layers: LayerSelection
  readonly plainS: number
  readonly crossS: number
  /** crossS / plainS. */
  readonly ratio: number
}

/** `count` encoded batches of random ids, every token real, labels alternating. */
const syntheticBatches = (
  count: number,
  batch: number,
  seq: number,
  vocabSize: number,
  seed: number
): Array<Batch.EncodedBatch> =>
  Array.from({ length: count }, (_, b) => {
    const u = Draw.uniform(Key.fold(Key.make(seed), b), batch * seq)
    return {
      shape: [batch, seq] as const,
      inputIds: Int32Array.from(u, (x) => 1 + Math.floor(x * (vocabSize - 1))),
      attentionMask: new Int32Array(batch * seq).fill(1),
      tokenTypeIds: new Int32Array(batch * seq),
      labels: Int32Array.from({ length: batch }, (_, i) => (i + b) % 2)
    }
  })

/**
 * Runs a short warm-up run, then a plain run and a cross-tuned run, each on a freshly initialised model
 * (identical weights) over the same batches, on the current backend; times `Trainer.run` only.
 *
 * @example
 * ```ts
 * import { RunBench } from "@addrop/bench"
 * const { ratio } = yield* RunBench.compare({ preset: "tiny", backend: "wasm", batch: 8, seq: 64, warmup: 1, steps: 1 })
 * ```
 * @since 0.1.0
 * @category measuring
 */
export const compare = (
  spec: RunSpec
): Effect.Effect<RunComparison, MeasurementFailed, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const epochs = spec.epochs ?? 2
    const stepsPerEpoch = spec.stepsPerEpoch ?? 8
    const selection = spec.layers ?? "all"
    const config = modelConfig(spec)
    const train = syntheticBatches(stepsPerEpoch, spec.batch, spec.seq, config.vocabSize, 1)
    const dev = syntheticBatches(spec.evalBatches ?? 2, spec.batch, spec.seq, config.vocabSize, 2)
    const evaluate: Evaluate.Evaluator = (model) =>
      Effect.map(Evaluate.predict(model, dev), ({ predictions, labels }) => {
        const accuracy = predictions.filter((p, i) => p === labels[i]).length / labels.length
        return { metrics: { accuracy }, main: accuracy }
      })
    const timeRun = (schedule: Schedule, runEpochs: number, runSteps: number) =>
      Effect.acquireUseRelease(
        Effect.sync(() =>
          Model.makeUnsafe(config, { task: "classification", numLabels: 2, key: Key.make(0) })
        ),
        (model) =>
          Effect.gen(function* () {
            const start = performance.now()
            const result = yield* Trainer.run({
              model,
              data: { stepsPerEpoch: runSteps, batches: () => train },
              evaluate,
              config: {
                epochs: runEpochs,
                learningRate: stepSettings.learningRate,
                warmupRatio: 0.1,
                adamw: stepSettings.adamw,
                maxGradNorm: stepSettings.maxGradNorm,
                schedule,
                adDrop: adDropConfig(layerIndices(selection, model.numLayers)),
                seed: 3,
                fingerprint: "bench"
              }
            })
            const seconds = (performance.now() - start) / 1000
            Optimizer.dispose(result.optimizer)
            return seconds
          }),
        (model) => Effect.sync(() => model.dispose())
      )
    const run = (schedule: Schedule, runEpochs: number, runSteps: number) =>
      timeRun(schedule, runEpochs, runSteps).pipe(
        Effect.mapError(
          (error) =>
            new MeasurementFailed({
              what: `${spec.backend} ${spec.preset} whole run`,
              detail: error.message
            })
        )
      )
    yield* run(crossTuning(), 2, 1)
    const plainS = yield* run(always("ft"), epochs, stepsPerEpoch)
    const crossS = yield* run(crossTuning(), epochs, stepsPerEpoch)
    return { epochs, stepsPerEpoch, layers: selection, plainS, crossS, ratio: crossS / plainS }
  })
