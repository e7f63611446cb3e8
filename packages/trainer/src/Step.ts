/**
 * One training step, plain or AD-Drop, as an Effect over a model, a batch and the optimizer state.
 *
 * An AD-Drop step (Yang et al., 2022):
 * 1. a first forward pass and a backward pass to the attention maps give the attribution of the chosen
 *    layers (all from one backward pass; see `@addrop/attribution`);
 * 2. per attention row, the top-p fraction of real keys is the candidate region and each candidate is
 *    dropped with probability q (`@addrop/mask`), as a −1e9 bias on that layer's scores;
 * 3. a second forward pass with those biases gives the loss that is trained on.
 * Every random draw (dropout, masks, random regions) comes from a key derived from the run seed and the
 * global step, so a step is reproducible and a resumed run redraws exactly what the original drew.
 *
 * @since 0.1.0
 */
import { Intervention } from "@addrop/attention"
import { AttributionMethod, InvalidAttributionRequest, type Method } from "@addrop/attribution"
import { Gradients as GradientRegistry, type MissingGradient, TensorBackend } from "@addrop/backends"
import { InvalidMaskOption, Mask, MaskSampler } from "@addrop/mask"
import { InvalidInput, Loss, Model } from "@addrop/models"
import { Key } from "@addrop/random"
import type { Phase } from "@addrop/schedule"
import * as tf from "@tensorflow/tfjs-core"
import { Effect, Layer } from "effect"
import * as Gradients from "./Gradients.js"
import * as Optimizer from "./Optimizer.js"

/**
 * AD-Drop's settings.
 *
 * @since 0.1.0
 * @category models
 */
export interface AdDropConfig {
  /** Attribution method (`ga` in the paper). */
  readonly method: Method.Method
  /** 0-based layers whose attention is masked. */
  readonly layers: ReadonlyArray<number>
  /** Candidate fraction p, drop probability q and region strategy. */
  readonly mask: { readonly p: number; readonly q: number; readonly strategy: "high" | "low" | "random" }
  /**
   * The attribution pass runs in training mode with the same dropout masks as the second pass (`train`,
   * default: the attribution describes the very network that is then trained, as in the official code,
   * which computes it under `model.train()`), or without dropout (`eval`).
   */
  readonly attributionMode: "train" | "eval"
}

/**
 * The keys of one global step.
 *
 * @since 0.1.0
 * @category constructors
 */
export const stepKeys = (root: Key.Key, step: number) => ({
  dropout: Key.foldAll(root, [Key.Purpose.dropout, step]),
  mask: Key.foldAll(root, [Key.Purpose.mask, step]),
  region: Key.foldAll(root, [Key.Purpose.region, step])
})

/**
 * The labels of a batch as a tensor: class ids `[B]` (int32), regression targets `[B]` (float32) or token
 * labels `[B,L]` (int32, −100 where ignored).
 *
 * @since 0.1.0
 * @category models
 */
export type Labels = tf.Tensor1D | tf.Tensor2D

/**
 * What a step can fail with: a batch or labels the model cannot use (`InvalidInput`: shape, dtype, an empty
 * batch, an id or a label out of range), an attribution request it cannot serve (`InvalidAttributionRequest`:
 * a layer the model lacks), mask options out of range (`InvalidMaskOption`: p or q outside [0, 1]), or a
 * backward pass through a kernel with no registered gradient (`MissingGradient`, from `@addrop/backends`).
 *
 * @since 0.1.0
 * @category errors
 */
export type StepError = InvalidInput | InvalidAttributionRequest | InvalidMaskOption | MissingGradient

/**
 * Runs synchronous tensor code of a step. The model and the loss throw their tagged `InvalidInput`, which is
 * kept; any other throw of tensor code fed by the batch (a shape the validation did not name) becomes an
 * `InvalidInput` of the batch, so nothing escapes the declared error type.
 */
const attempt = <A>(f: () => A): Effect.Effect<A, StepError> =>
  Effect.try({
    try: f,
    catch: (cause) =>
      cause instanceof InvalidInput ||
      cause instanceof InvalidAttributionRequest ||
      cause instanceof InvalidMaskOption
        ? cause
        : (GradientRegistry.missingGradient(cause) ??
          new InvalidInput({
            input: "batch",
            reason: cause instanceof Error ? cause.message : String(cause)
          }))
  })

/**
 * Where AD-Drop intervenes and how its attribution pass runs; the method and the mask strategy, p and q come
 * from the `AttributionMethod` and `MaskSampler` services.
 *
 * @since 0.1.0
 * @category models
 */
export interface AdDropSites {
  /** 0-based layers whose attention is masked. */
  readonly layers: ReadonlyArray<number>
  /** See {@link AdDropConfig.attributionMode}. */
  readonly attributionMode: "train" | "eval"
}

/**
 * The services a step is composed of. Swapping a method, a strategy or the optimizer is swapping a layer.
 *
 * @since 0.1.0
 * @category models
 */
export type StepServices = AttributionMethod.AttributionMethod | MaskSampler.MaskSampler | Optimizer.Optimizer

/**
 * The layers of {@link StepServices} that an {@link AdDropConfig} and an AdamW configuration name: what
 * {@link train} provides to {@link trainWith}.
 *
 * @example
 * ```ts
 * import { Step, Optimizer } from "@addrop/trainer"
 * const Services = Step.layerFromConfig(config.adDrop, Optimizer.defaults)
 * ```
 * @since 0.1.0
 * @category layers
 */
export const layerFromConfig = (
  config: Pick<AdDropConfig, "method" | "mask">,
  adamw: Optimizer.AdamWConfig = Optimizer.defaults
): Layer.Layer<StepServices, InvalidAttributionRequest | InvalidMaskOption> =>
  Layer.mergeAll(
    AttributionMethod.layer(config.method),
    MaskSampler.layer(config.mask),
    Optimizer.layerAdamW(adamw)
  )

/**
 * AD-Drop's second-pass interventions for a batch with the provided attribution method and mask sampler:
 * the attribution of `sites.layers`, masks sampled from it, and the score biases that apply them.
 *
 * @since 0.1.0
 * @category steps
 */
export const adDropInterventionsWith = (
  model: Model.Model,
  batch: Model.Batch,
  labels: Labels,
  sites: AdDropSites,
  keys: ReturnType<typeof stepKeys>
): Effect.Effect<
  { readonly interventions: Intervention.Interventions; readonly dropped: ReadonlyMap<number, tf.Tensor4D> },
  StepError,
  AttributionMethod.AttributionMethod | MaskSampler.MaskSampler
> =>
  Effect.gen(function* () {
    const sampler = yield* MaskSampler.MaskSampler
    const method = yield* AttributionMethod.AttributionMethod
    const { maps, logits } = yield* method.attribute(model, batch, {
      layers: sites.layers,
      labels: model.task === "token-classification" ? undefined : (labels as tf.Tensor1D),
      tokenMask: batch.attentionMask,
      key: keys.region,
      dropoutKey: sites.attributionMode === "train" ? keys.dropout : undefined
    })
    logits.dispose()
    const dropped = new Map<number, tf.Tensor4D>()
    yield* attempt(() => {
      for (const [layer, attribution] of maps) {
        dropped.set(layer, sampler.sample(attribution, batch.attentionMask, Key.fold(keys.mask, layer)))
      }
    }).pipe(
      Effect.ensuring(Effect.sync(() => tf.dispose([...maps.values()]))),
      Effect.onError(() => Effect.sync(() => tf.dispose([...dropped.values()])))
    )
    const interventions = Intervention.scoreBiases(
      new Map([...dropped].map(([layer, d]) => [layer, Mask.toScoreBias(d)]))
    )
    return { interventions, dropped }
  })

/**
 * AD-Drop's second-pass interventions for a batch: the attribution of `config.layers`, masks sampled from
 * it, and the score biases that apply them ({@link adDropInterventionsWith} with the layers the config names).
 *
 * @since 0.1.0
 * @category steps
 */
export const adDropInterventions = (
  model: Model.Model,
  batch: Model.Batch,
  labels: Labels,
  config: AdDropConfig,
  keys: ReturnType<typeof stepKeys>
): Effect.Effect<
  { readonly interventions: Intervention.Interventions; readonly dropped: ReadonlyMap<number, tf.Tensor4D> },
  StepError
> =>
  adDropInterventionsWith(model, batch, labels, config, keys).pipe(
    Effect.provide(Layer.merge(AttributionMethod.layer(config.method), MaskSampler.layer(config.mask)))
  )

/**
 * Settings of one step composed from services ({@link trainWith}).
 *
 * @since 0.1.0
 * @category models
 */
export interface StepWithOptions {
  readonly phase: Phase
  readonly learningRate: number
  readonly maxGradNorm: number
  readonly adDrop: AdDropSites
  readonly root: Key.Key
  /** Global 0-based step, which keys the step's random draws. */
  readonly step: number
}

/**
 * Settings of one optimizer step.
 *
 * @since 0.1.0
 * @category models
 */
export interface StepOptions {
  readonly phase: Phase
  readonly learningRate: number
  readonly maxGradNorm: number
  readonly adamw: Optimizer.AdamWConfig
  readonly adDrop: AdDropConfig
  readonly root: Key.Key
  /** Global 0-based step, which keys the step's random draws. */
  readonly step: number
}

/**
 * What one step reports: the trained loss and the gradient norm before clipping (read back from the device).
 *
 * @since 0.1.0
 * @category models
 */
export interface StepResult {
  readonly state: Optimizer.AdamWState
  readonly loss: number
  readonly gradNorm: number
}

/**
 * One optimizer step composed from services: a plain fine-tuning step (`phase: "ft"`) or an AD-Drop step
 * (`phase: "addrop"`) with the provided attribution method, mask sampler and optimizer, on the provided
 * tensor backend (the gradients are computed on whichever backend is current, so the type asks for one).
 * Does not apply the update when the loss or the gradient norm is not finite; the caller decides what to do.
 * Bad inputs fail with a {@link StepError} before any update.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { AttributionMethod } from "@addrop/attribution"
 * import { Gradients as GradientRegistry, type MissingGradient, TensorBackend } from "@addrop/backends"
 * import { MaskSampler } from "@addrop/mask"
 * import { Optimizer, Step } from "@addrop/trainer"
 *
 * const step = Step.trainWith(model, state, batch, labels, {
 *   phase: "addrop", learningRate: 2e-5, maxGradNorm: 1, root, step: 0,
 *   adDrop: { layers: [0, 1], attributionMode: "train" }
 * })
 * Effect.provide(step, Layer.mergeAll(
 *   AttributionMethod.layerIga({ steps: 5 }), MaskSampler.layerLow({ p: 0.3, q: 0.3 }),
 *   Optimizer.layerAdamW(), TensorBackend.layerCpu
 * ))
 * ```
 * @since 0.1.0
 * @category steps
 */
export const trainWith = (
  model: Model.Model,
  state: Optimizer.AdamWState,
  batch: Model.Batch,
  labels: Labels,
  options: StepWithOptions
): Effect.Effect<StepResult, StepError, StepServices | TensorBackend.TensorBackend> =>
  TensorBackend.TensorBackend.use(() => trainComposed(model, state, batch, labels, options))

/**
 * One optimizer step with the method, mask and AdamW settings named in `options`: {@link trainWith} with the
 * layers of {@link layerFromConfig}, on whichever backend is current.
 *
 * @example
 * ```ts
 * import { Step, Optimizer } from "@addrop/trainer"
 * const { state, loss } = yield* Step.train(model, optimizerState, batch, labels, options)
 * ```
 * @since 0.1.0
 * @category steps
 */
export const train = (
  model: Model.Model,
  state: Optimizer.AdamWState,
  batch: Model.Batch,
  labels: Labels,
  options: StepOptions
): Effect.Effect<StepResult, StepError> =>
  trainComposed(model, state, batch, labels, options).pipe(
    Effect.provide(layerFromConfig(options.adDrop, options.adamw))
  )

/**
 * {@link trainWith} without the backend in its type, for callers that train on whichever backend is current
 * (`Trainer.run`, `Step.train`).
 *
 * @since 0.1.0
 * @category steps
 */
export const trainComposed = (
  model: Model.Model,
  state: Optimizer.AdamWState,
  batch: Model.Batch,
  labels: Labels,
  options: StepWithOptions
): Effect.Effect<StepResult, StepError, StepServices> =>
  Effect.gen(function* () {
    const optimizer = yield* Optimizer.Optimizer
    yield* checkMoments(model, state)
    const keys = stepKeys(options.root, options.step)
    // The batch is checked before the attribution pass, so a bad batch fails as the model's InvalidInput in
    // both phases (the attribution would otherwise report it as a request it cannot serve).
    if (options.phase === "addrop") yield* Model.checkBatch(model, batch)
    const masks =
      options.phase === "addrop"
        ? yield* adDropInterventionsWith(model, batch, labels, options.adDrop, keys)
        : undefined
    // Only the score biases are needed from here on.
    if (masks !== undefined) tf.dispose([...masks.dropped.values()])
    const { value, grads } = yield* attempt(() =>
      GradientRegistry.backward(() =>
        tf.variableGrads(
          () =>
            Loss.loss(
              model.task,
              model.forward(batch, {
                training: true,
                dropoutKey: keys.dropout,
                interventions: masks?.interventions
              }).logits,
              labels
            ),
          model.trainableVariables
        )
      )
    ).pipe(
      Effect.ensuring(
        Effect.sync(() => tf.dispose([...(masks?.interventions.values() ?? [])].map((i) => i.scoreBias!)))
      )
    )
    const clipped = Gradients.clipByGlobalNorm(grads, options.maxGradNorm)
    const loss = (yield* Effect.promise(() => value.data()))[0]!
    const gradNorm = (yield* Effect.promise(() => clipped.norm.data()))[0]!
    value.dispose()
    clipped.norm.dispose()
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
      tf.dispose(Object.values(clipped.grads))
      return { state, loss, gradNorm }
    }
    const next = optimizer.update(state, byName(model, clipped.grads), model.parameters, options.learningRate)
    tf.dispose(Object.values(clipped.grads))
    return { state: next, loss, gradNorm }
  })

/** An optimizer state made for another model (a resume into the wrong model) is bad input, not a defect. */
const checkMoments = (model: Model.Model, state: Optimizer.AdamWState): Effect.Effect<void, InvalidInput> => {
  for (const [name, param] of model.parameters) {
    const m = state.firstMoment.get(name)
    const v = state.secondMoment.get(name)
    if (m === undefined || v === undefined || !tf.util.arraysEqual(m.shape, param.shape)) {
      return Effect.fail(
        new InvalidInput({
          input: "optimizer",
          reason: `the optimizer state has no moments of shape [${param.shape}] for ${name}: it was made for another model`
        })
      )
    }
  }
  return Effect.void
}

/** variableGrads keys gradients by tfjs variable name; the optimizer works with HF parameter names. */
const byName = (model: Model.Model, grads: Record<string, tf.Tensor>): Record<string, tf.Tensor> => {
  const out: Record<string, tf.Tensor> = {}
  for (const [name, variable] of model.parameters) {
    const g = grads[variable.name]
    if (g !== undefined) out[name] = g
  }
  return out
}
