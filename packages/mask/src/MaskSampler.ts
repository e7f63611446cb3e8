/**
 * The mask sampler as an Effect service, with one layer per candidate-region strategy.
 *
 * A trainer asks for `MaskSampler` and never names a strategy or p and q: the layer it is given does, and
 * the layer validates them once with {@link Options.make}. Sampling itself stays the pure, seeded
 * {@link Sampler.sample}: the service only binds the options to it.
 *
 * @since 0.1.0
 */
import type { Key } from "@addrop/random"
import type * as tf from "@tensorflow/tfjs-core"
import { Context, Effect, Layer } from "effect"
import type { InvalidMaskOption } from "./MaskError.js"
import * as Options from "./Options.js"
import * as Sampler from "./Sampler.js"

/**
 * Samples drop masks `[B,H,L,L]` (1 = dropped) from attribution maps.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { MaskSampler } from "@addrop/mask"
 *
 * const program = Effect.gen(function* () {
 *   const sampler = yield* MaskSampler.MaskSampler
 *   return sampler.sample(attribution, attentionMask, layerKey)
 * })
 * Effect.provide(program, MaskSampler.layerLow({ p: 0.3, q: 0.3 }))
 * ```
 * @since 0.1.0
 * @category services
 */
export class MaskSampler extends Context.Service<
  MaskSampler,
  {
    /** The validated options the layer was built with. */
    readonly options: Options.MaskOptions
    /** Pure tensor code: the same key gives the same mask on every backend. */
    readonly sample: (attribution: tf.Tensor4D, keyMask: tf.Tensor2D, key: Key.Key) => tf.Tensor4D
  }
>()("@addrop/mask/MaskSampler") {}

/**
 * Builds the service, validating p, q and the strategy.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (input: {
  readonly p: number
  readonly q: number
  readonly strategy?: string | undefined
}): Effect.Effect<MaskSampler["Service"], InvalidMaskOption> =>
  Effect.map(Options.make(input), (options) => ({
    options,
    sample: (attribution, keyMask, key) => Sampler.sample(attribution, keyMask, options, key)
  }))

/**
 * A layer from options whose strategy is a value (a CLI flag, a config file); `high` when unset.
 *
 * @example
 * ```ts
 * import { MaskSampler } from "@addrop/mask"
 * const Chosen = MaskSampler.layer({ p: 0.3, q: 0.3, strategy: flags.strategy })
 * ```
 * @since 0.1.0
 * @category layers
 */
export const layer = (input: {
  readonly p: number
  readonly q: number
  readonly strategy?: string | undefined
}): Layer.Layer<MaskSampler, InvalidMaskOption> => Layer.effect(MaskSampler, make(input))

/**
 * Drops among the top-p fraction of each row's real keys by attribution (the paper's AD-Drop).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerHigh = (pq: { readonly p: number; readonly q: number }) =>
  layer({ ...pq, strategy: "high" })

/**
 * Drops among the bottom-p fraction (the paper's negative control).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerLow = (pq: { readonly p: number; readonly q: number }) => layer({ ...pq, strategy: "low" })

/**
 * Drops among p of the real keys chosen uniformly at random (the paper's RD baseline).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerRandom = (pq: { readonly p: number; readonly q: number }) =>
  layer({ ...pq, strategy: "random" })
