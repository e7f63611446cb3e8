/**
 * Attribution methods by name, for any model that implements {@link AttributableModel}.
 *
 * @since 0.1.0
 */
import type { Interventions } from "@addrop/attention"
import type { Key } from "@addrop/random"
import { Gradients } from "@addrop/backends"
import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"
import * as Attribution from "./Attribution.js"
import { type AttributeError, InvalidAttributionRequest } from "./AttributionError.js"
import * as Target from "./Target.js"

/**
 * - `ga`: gradient of the pseudo-label logit (AD-Drop); for regression and token tasks, −∂L/∂A against
 *   pseudo labels (gold targets for regression), as the paper prescribes — a regression model given no
 *   targets attributes its prediction itself (∂ŷ/∂A);
 * - `gold`: gradient of the gold-label logit;
 * - `iga`: integrated gradients (m steps, default 20) of the pseudo-label logit;
 * - `aa`: the attention probabilities;
 * - `rd`: random scores;
 * - `loss`: −∂L/∂A for any task (L against pseudo labels; gold targets for regression).
 *
 * @since 0.1.0
 * @category models
 */
export type Method = "ga" | "gold" | "iga" | "aa" | "rd" | "loss"

/**
 * @since 0.1.0
 * @category constants
 */
export const methods: ReadonlyArray<Method> = ["ga", "gold", "iga", "aa", "rd", "loss"]

/**
 * The kind of prediction a model makes, which decides how a method forms its target.
 *
 * @since 0.1.0
 * @category models
 */
export type Task = "classification" | "regression" | "token-classification"

/**
 * The small contract a model implements to be attributable (the models package's encoders do; so can any
 * model that applies `Interventions` to its attention).
 *
 * @since 0.1.0
 * @category models
 */
export interface AttributableModel<Batch> {
  readonly numLayers: number
  readonly task: Task
  attentionShape(batch: Batch): Attribution.AttentionShape
  forward(
    batch: Batch,
    options: {
      readonly training: boolean
      readonly interventions?: Interventions
      readonly dropoutKey?: Key.Key
    }
  ): { readonly logits: tf.Tensor }
}

/**
 * Options of {@link attribute}.
 *
 * @since 0.1.0
 * @category models
 */
export interface AttributeOptions {
  readonly method: Method
  readonly layers: ReadonlyArray<number>
  /** Gold labels `[B]` (class ids, or float targets for regression); needed by `gold` and by regression. */
  readonly labels?: tf.Tensor1D | undefined
  /** `[B,L]` real-token mask; needed for token-classification targets. */
  readonly tokenMask?: tf.Tensor2D | undefined
  /** Seeds `rd`. */
  readonly key?: Key.Key | undefined
  /** Steps of `iga` (default 20). */
  readonly steps?: number | undefined
  /** Run the passes in training mode with this dropout key (default: evaluation mode). */
  readonly dropoutKey?: Key.Key | undefined
}

const fail = (reason: string) => Effect.fail(new InvalidAttributionRequest({ reason }))

/** The target each method differentiates, for a task. */
const targetFor = (
  method: Method,
  task: Task,
  options: AttributeOptions
): Effect.Effect<Target.Target, InvalidAttributionRequest> => {
  const lossTarget = (): Effect.Effect<Target.Target, InvalidAttributionRequest> => {
    switch (task) {
      case "classification":
        return Effect.succeed(Target.pseudoLabelLoss)
      case "regression":
        return options.labels === undefined
          ? fail("regression attribution needs the gold targets (labels)")
          : Effect.succeed(Target.regression(options.labels))
      case "token-classification":
        return options.tokenMask === undefined
          ? fail("token-classification attribution needs the token mask")
          : Effect.succeed(Target.tokenPseudoLabelLoss(options.tokenMask))
    }
  }
  switch (method) {
    case "loss":
      return lossTarget()
    case "gold":
      if (task !== "classification") return fail(`method "gold" needs a classification model, got ${task}`)
      return options.labels === undefined
        ? fail('method "gold" needs labels')
        : Effect.succeed(Target.goldLabel(options.labels))
    case "ga":
    case "iga":
      if (task === "classification") return Effect.succeed(Target.pseudoLabel)
      if (task === "regression" && options.labels === undefined) return Effect.succeed(Target.prediction)
      return lossTarget()
    case "aa":
    case "rd":
      return Effect.succeed(Target.pseudoLabel)
  }
}

/**
 * Attribution maps `[B,H,L,L]` for the requested layers of `model` on `batch`, by method name.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Method } from "@addrop/attribution"
 * const { maps, logits } = await Effect.runPromise(Method.attribute(model, batch, { method: "ga", layers: [0] }))
 * ```
 * @since 0.1.0
 * @category methods
 */
export const attribute = <Batch>(
  model: AttributableModel<Batch>,
  batch: Batch,
  options: AttributeOptions
): Effect.Effect<Attribution.AttributionResult, AttributeError> =>
  Effect.gen(function* () {
    for (const layer of options.layers) {
      if (!Number.isInteger(layer) || layer < 0 || layer >= model.numLayers) {
        return yield* fail(`layer ${layer} does not exist: the model has layers 0..${model.numLayers - 1}`)
      }
    }
    if (options.method === "iga" && options.steps !== undefined) {
      if (!Number.isInteger(options.steps) || options.steps < 1)
        return yield* fail(`integrated gradients need steps ≥ 1, got ${options.steps}`)
    }
    const training = options.dropoutKey !== undefined
    const forward: Attribution.Forward = (interventions) =>
      model.forward(batch, {
        training,
        interventions,
        ...(training ? { dropoutKey: options.dropoutKey! } : {})
      }).logits
    const shape = yield* attempt(() => model.attentionShape(batch))
    const target = yield* targetFor(options.method, model.task, options)
    if (options.method === "rd" && options.key === undefined) return yield* fail('method "rd" needs a key')
    // The passes are synchronous tensor code that throws on inputs it cannot use (a batch the model rejects,
    // logits of the wrong rank for the target); those become this Effect's typed failure, not defects.
    return yield* attempt(() => compute(model, options, forward, shape, target))
  })

/**
 * Runs `f`, turning what it throws into an {@link InvalidAttributionRequest} that keeps the thrown error as
 * its `cause` (an `InvalidAttributionRequest` thrown by a nested request is kept as it is), or into a
 * `MissingGradient` when the backward pass reached a kernel without a registered gradient.
 */
const attempt = <A>(f: () => A): Effect.Effect<A, AttributeError> =>
  Effect.try({
    try: f,
    catch: (cause) =>
      cause instanceof InvalidAttributionRequest
        ? cause
        : (Gradients.missingGradient(cause) ??
          new InvalidAttributionRequest({
            reason: cause instanceof Error ? cause.message : String(cause),
            cause
          }))
  })

const compute = <Batch>(
  model: AttributableModel<Batch>,
  options: AttributeOptions,
  forward: Attribution.Forward,
  shape: Attribution.AttentionShape,
  target: Target.Target
): Attribution.AttributionResult => {
  switch (options.method) {
    case "ga":
    case "gold":
    case "loss":
      return Attribution.gradient({ forward, layers: options.layers, shape, target })
    case "aa":
      return Attribution.attentionWeights(forward, options.layers)
    case "rd": {
      return { maps: Attribution.random(options.key!, options.layers, shape), logits: forward(new Map()) }
    }
    case "iga": {
      const base = Attribution.attentionWeights(forward, options.layers)
      // The m scaled passes attribute the unscaled pass's prediction, whatever the scaled passes predict.
      const pseudo = model.task === "classification" ? (tf.argMax(base.logits, 1) as tf.Tensor1D) : undefined
      const maps = Attribution.integratedGradients({
        forward,
        layers: options.layers,
        shape,
        target: pseudo === undefined ? target : Target.goldLabel(pseudo),
        attentions: base.maps,
        steps: options.steps
      })
      tf.dispose([...base.maps.values(), ...(pseudo === undefined ? [] : [pseudo])])
      return { maps, logits: base.logits }
    }
  }
}
