/**
 * Seeded mask sampling: draws come from a counter-based generator keyed by the caller (for example by
 * run seed, step and layer), in JavaScript, so a key gives the same mask on every backend and a resumed
 * run redraws the masks of the original.
 *
 * @since 0.1.0
 */
import { Draw, Key } from "@addrop/random"
import * as tf from "@tensorflow/tfjs-core"
import * as Mask from "./Mask.js"
import type { MaskOptions } from "./Options.js"

const DROP_STREAM = 0
const REGION_STREAM = 1

/**
 * The draws for one mask of `shape` from `key`: the drop stream, and the region stream when the strategy
 * is `random`.
 *
 * @since 0.1.0
 * @category draws
 */
export const draws = (
  key: Key.Key,
  shape: readonly [number, number, number, number],
  strategy: MaskOptions["strategy"]
): Mask.MaskDraws => {
  const size = shape[0] * shape[1] * shape[2] * shape[3]
  const uniform = (stream: number) => tf.tensor4d(Draw.uniform(Key.fold(key, stream), size), [...shape])
  return { drop: uniform(DROP_STREAM), region: strategy === "random" ? uniform(REGION_STREAM) : undefined }
}

/**
 * Samples a layer's drop mask with draws from `key` (see {@link Mask.sample}).
 *
 * @example
 * ```ts
 * import { Key } from "@addrop/random"
 * import { Sampler } from "@addrop/mask"
 * const layerKey = Key.foldAll(Key.make(seed), [Key.Purpose.mask, step, layer])
 * const dropped = Sampler.sample(attribution, attentionMask, options, layerKey)
 * ```
 * @since 0.1.0
 * @category ops
 */
export const sample = (
  attribution: tf.Tensor4D,
  keyMask: tf.Tensor2D,
  options: MaskOptions,
  key: Key.Key
): tf.Tensor4D =>
  tf.tidy(() => {
    const [b, h, l, m] = attribution.shape
    return Mask.sample(attribution, keyMask, options, draws(key, [b, h, l, m], options.strategy))
  })
