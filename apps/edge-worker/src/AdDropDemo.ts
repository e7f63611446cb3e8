/**
 * The computation the Worker serves, written against the published packages only and free of runtime
 * specifics, so that the test runs the very same code under Node to compare.
 *
 * It builds a small BERT from a fixed seed, attributes its attention (GA, layers 0 and 1) on a fixed
 * batch, and takes one AD-Drop training step with `@addrop/trainer`'s `Step.train`: attribution in
 * training mode → masks (top-p candidates dropped with probability q) → second forward pass and its loss →
 * gradients, clipped → AdamW update. Every package it uses is runtime-neutral (files are read only through
 * Effect's `FileSystem`, which this code never asks for).
 *
 * @since 0.1.0
 */
import { Method } from "@addrop/attribution"
import { TensorBackend, Tensors } from "@addrop/backends"
import { Loss, Model, type ModelConfig, Presets } from "@addrop/models"
import { Key } from "@addrop/random"
import { Optimizer, Step } from "@addrop/trainer"
import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"

/**
 * The tiny preset (2 layers, hidden 128, 2 heads, intermediate 512) with a 1,024-token vocabulary and 64
 * positions: the encoder is the preset's, the embedding tables are cut so that a request initialises
 * 0.5 M parameters instead of 4 M (the batch only uses ids below 1,024).
 *
 * @since 0.1.0
 * @category constants
 */
export const config: ModelConfig.ModelConfig = { ...Presets.tiny, vocabSize: 1024, maxPositionEmbeddings: 64 }

/**
 * AD-Drop's settings: GA on layers 0 and 1, the top 30 % of real keys per row as candidates, each dropped
 * with probability 0.5; attribution in training mode, with the second pass's dropout masks.
 *
 * @since 0.1.0
 * @category constants
 */
export const adDrop: Step.AdDropConfig = {
  method: "ga",
  layers: [0, 1],
  mask: { p: 0.3, q: 0.5, strategy: "high" },
  attributionMode: "train"
}

/**
 * The seed of weights, dropout and masks; AdamW's learning rate (large enough for one step to lower the
 * loss visibly) and the gradient-norm clip.
 *
 * @since 0.1.0
 * @category constants
 */
export const settings = { seed: 2022, learningRate: 1e-3, maxGradNorm: 1 } as const

/** Two sequences of 8 tokens, the second padded after 5; labels 1 and 0. */
const batchValues = {
  inputIds: [
    [101, 7592, 2088, 2003, 1037, 2204, 3185, 102],
    [101, 2023, 2001, 6659, 102, 0, 0, 0]
  ].map((row) => row.map((id) => id % config.vocabSize)),
  attentionMask: [
    [1, 1, 1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 0, 0, 0]
  ],
  labels: [1, 0]
}

/**
 * What a run reports. Attribution maps are `[B,H,L,L]` flattened row-major.
 *
 * @since 0.1.0
 * @category models
 */
export interface DemoResult {
  /** AD-Drop's backend name and the runtime `@addrop/backends` detected. */
  readonly backend: string
  readonly runtime: string
  readonly shape: ReadonlyArray<number>
  /** `attribute` with GA, in evaluation mode: layer index → map. */
  readonly attribution: Readonly<Record<string, ReadonlyArray<number>>>
  /** The AD-Drop step's masks (1 = dropped), layer index → `[B,H,L,L]`. */
  readonly dropped: Readonly<Record<string, ReadonlyArray<number>>>
  /** The step's loss (its second pass) and the same pass's loss, same masks and dropout key, after the update. */
  readonly lossBefore: number
  readonly lossAfter: number
  /** The same pass computed here before the step: equal to `lossBefore` when the reported masks are the step's. */
  readonly lossReplayed: number
  /** The global norm of the step's gradient, before clipping. */
  readonly gradNorm: number
}

const read = (tensor: tf.Tensor): Effect.Effect<Array<number>> =>
  Effect.promise(async () => Array.from(await tensor.data()))

/**
 * Runs attribution and one AD-Drop step on the current backend; leaves no tensors behind.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TensorBackend, Tensors } from "@addrop/backends"
 * const result = await Effect.runPromise(Effect.scoped(Effect.provide(run, TensorBackend.layer("cpu"))))
 * console.log(result.lossBefore, result.lossAfter)
 * ```
 * @since 0.1.0
 * @category programs
 */
export const run = Effect.gen(function* () {
  const backend = yield* TensorBackend.TensorBackend
  const root = Key.make(settings.seed)
  const model = yield* Model.scoped(config, { task: "classification", numLabels: 2, key: root })
  const keep = yield* Tensors.keeper
  const batch: Model.Batch = {
    inputIds: keep(tf.tensor2d(batchValues.inputIds, undefined, "int32")),
    attentionMask: keep(tf.tensor2d(batchValues.attentionMask, undefined, "int32"))
  }
  const labels = keep(tf.tensor1d(batchValues.labels, "int32"))

  // `attribute`: GA of the pseudo-label logit in evaluation mode, both layers from one backward pass.
  const attributed = yield* Method.attribute(model, batch, { method: "ga", layers: adDrop.layers })
  keep(attributed.logits)
  const attribution: Record<string, Array<number>> = {}
  for (const [layer, map] of attributed.maps) attribution[layer] = yield* read(keep(map))

  // The masks and score biases `Step.train` is about to draw (same weights, same keys: same draws), kept
  // to report the masks and to evaluate the step's objective again after the update.
  const keys = Step.stepKeys(root, 0)
  const masks = yield* Step.adDropInterventions(model, batch, labels, adDrop, keys)
  const dropped: Record<string, Array<number>> = {}
  for (const [layer, mask] of masks.dropped) dropped[layer] = yield* read(keep(mask))
  for (const intervention of masks.interventions.values()) keep(intervention.scoreBias!)

  // The same second pass (masks, dropout key), before the update and after it.
  const objective = () =>
    tf.tidy(() =>
      Loss.loss(
        model.task,
        model.forward(batch, {
          training: true,
          dropoutKey: keys.dropout,
          interventions: masks.interventions
        }).logits,
        labels
      )
    )
  const replayed = keep(objective())

  const { state, loss, gradNorm } = yield* Step.train(
    model,
    Optimizer.init(model.parameters),
    batch,
    labels,
    {
      phase: "addrop",
      learningRate: settings.learningRate,
      maxGradNorm: settings.maxGradNorm,
      adamw: Optimizer.defaults,
      adDrop,
      root,
      step: 0
    }
  )
  keep([...state.firstMoment.values(), ...state.secondMoment.values()])
  const after = keep(objective())
  return {
    backend: backend.name,
    runtime: backend.runtime,
    shape: model.attentionShape(batch),
    attribution,
    dropped,
    lossBefore: loss,
    lossAfter: (yield* read(after))[0]!,
    lossReplayed: (yield* read(replayed))[0]!,
    gradNorm
  } satisfies DemoResult
})
