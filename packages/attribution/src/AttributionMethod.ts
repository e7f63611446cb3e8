/**
 * The attribution method as an Effect service, with one layer per method.
 *
 * A trainer asks for `AttributionMethod` and never names a method: swapping GA for IGA or a baseline is
 * swapping the layer it is given. Every layer is a thin binding of the pure functions of
 * {@link Attribution} through {@link Method.attribute}, so the layers compute exactly what the functions do.
 *
 * @since 0.1.0
 */
import type { Key } from "@addrop/random"
import type * as tf from "@tensorflow/tfjs-core"
import { Context, Effect, Layer } from "effect"
import type * as Attribution from "./Attribution.js"
import { type AttributeError, InvalidAttributionRequest } from "./AttributionError.js"
import * as Method from "./Method.js"

/**
 * What a caller passes per call: the layers to attribute and the data some methods need. The method and its
 * settings (IGA's steps) belong to the layer.
 *
 * @since 0.1.0
 * @category models
 */
export interface AttributeRequest {
  /** 0-based layers whose attention maps are attributed. */
  readonly layers: ReadonlyArray<number>
  /** Gold labels `[B]`; needed by gold GA and by regression targets. */
  readonly labels?: tf.Tensor1D | undefined
  /** `[B,L]` real-token mask; needed for token-classification targets. */
  readonly tokenMask?: tf.Tensor2D | undefined
  /** Seeds the random method (RD). */
  readonly key?: Key.Key | undefined
  /** Run the passes in training mode with this dropout key (default: evaluation mode). */
  readonly dropoutKey?: Key.Key | undefined
}

/**
 * The attribution method: maps `[B,H,L,L]` of the requested layers and the first pass's logits.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AttributionMethod } from "@addrop/attribution"
 *
 * const program = Effect.gen(function* () {
 *   const method = yield* AttributionMethod.AttributionMethod
 *   const { maps, logits } = yield* method.attribute(model, batch, { layers: [0, 1] })
 * })
 * // the program never names the method: the layer does
 * Effect.provide(program, AttributionMethod.layerIga({ steps: 10 }))
 * ```
 * @since 0.1.0
 * @category services
 */
export class AttributionMethod extends Context.Service<
  AttributionMethod,
  {
    /** Which method the layer provides (for reports and checkpoints' fingerprints). */
    readonly method: Method.Method
    readonly attribute: <Batch>(
      model: Method.AttributableModel<Batch>,
      batch: Batch,
      request: AttributeRequest
    ) => Effect.Effect<Attribution.AttributionResult, AttributeError>
  }
>()("@addrop/attribution/AttributionMethod") {}

/**
 * Settings of a method's layer: IGA's number of integration steps (default 20).
 *
 * @since 0.1.0
 * @category models
 */
export interface MethodOptions {
  readonly steps?: number | undefined
}

/**
 * Builds the service for a method, checking its settings once (not at every call).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  method: Method.Method,
  options: MethodOptions = {}
): Effect.Effect<AttributionMethod["Service"], InvalidAttributionRequest> => {
  const steps = options.steps
  if (steps !== undefined && (!Number.isInteger(steps) || steps < 1)) {
    return Effect.fail(
      new InvalidAttributionRequest({ reason: `integrated gradients need steps ≥ 1, got ${steps}` })
    )
  }
  return Effect.succeed({
    method,
    attribute: (model, batch, request) =>
      Method.attribute(model, batch, { ...request, method, ...(method === "iga" ? { steps } : {}) })
  })
}

/**
 * A layer providing the named method (a CLI flag, a config file).
 *
 * @example
 * ```ts
 * import { AttributionMethod } from "@addrop/attribution"
 * const Chosen = AttributionMethod.layer("gold")
 * ```
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  method: Method.Method,
  options: MethodOptions = {}
): Layer.Layer<AttributionMethod, InvalidAttributionRequest> =>
  Layer.effect(AttributionMethod, make(method, options))

/**
 * Gradient attribution of the pseudo-label logit, every layer from one backward pass (AD-Drop's GA).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerGa: Layer.Layer<AttributionMethod, InvalidAttributionRequest> = layer("ga")

/**
 * Gradient attribution of the gold-label logit (needs `labels`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerGold: Layer.Layer<AttributionMethod, InvalidAttributionRequest> = layer("gold")

/**
 * Integrated gradients of the pseudo-label logit over `steps` scaled passes (default 20).
 *
 * @example
 * ```ts
 * import { AttributionMethod } from "@addrop/attribution"
 * const Iga = AttributionMethod.layerIga({ steps: 10 })
 * ```
 * @since 0.1.0
 * @category layers
 */
export const layerIga = (
  options: MethodOptions = {}
): Layer.Layer<AttributionMethod, InvalidAttributionRequest> => layer("iga", options)

/**
 * The attention probabilities themselves (AA).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerAa: Layer.Layer<AttributionMethod, InvalidAttributionRequest> = layer("aa")

/**
 * Random scores from the request's `key` (RD).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerRd: Layer.Layer<AttributionMethod, InvalidAttributionRequest> = layer("rd")

/**
 * −∂L/∂A, for any task.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerLoss: Layer.Layer<AttributionMethod, InvalidAttributionRequest> = layer("loss")

/**
 * Attributes with whichever method the context provides.
 *
 * @example
 * ```ts
 * import { AttributionMethod } from "@addrop/attribution"
 * const result = yield* AttributionMethod.attribute(model, batch, { layers: [0] })
 * ```
 * @since 0.1.0
 * @category accessors
 */
export const attribute = <Batch>(
  model: Method.AttributableModel<Batch>,
  batch: Batch,
  request: AttributeRequest
): Effect.Effect<Attribution.AttributionResult, AttributeError, AttributionMethod> =>
  AttributionMethod.use((service) => service.attribute(model, batch, request))
