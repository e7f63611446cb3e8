/**
 * Dropout masks for ops that apply dropout inside their own forward pass (attention's probabilities).
 *
 * @since 0.1.0
 */
import type * as tf from "@tensorflow/tfjs-core"
import { applyMask, keepMask } from "./internal/dropout.js"

/**
 * The boolean keep mask of {@link dropout} for a shape, rate and seed: true where the seeded uniform
 * draw is ≥ rate (the same draws, so the same mask, as `dropout`).
 *
 * @example
 * ```ts
 * import { applyDropoutMask, dropoutKeepMask } from "@addrop/ops"
 * const keep = dropoutKeepMask(probs.shape, 0.1, seed)
 * const dropped = applyDropoutMask(probs, keep, 0.1) // equals dropout(probs, 0.1, seed)
 * ```
 * @since 0.1.0
 * @category ops
 */
export const dropoutKeepMask = (shape: Array<number>, rate: number, seed: number): tf.Tensor =>
  keepMask(shape, rate, seed)

/**
 * `x · keep / (1 − rate)`, computed as {@link dropout} computes it.
 *
 * @since 0.1.0
 * @category ops
 */
export const applyDropoutMask = (x: tf.Tensor, keep: tf.Tensor, rate: number): tf.Tensor =>
  applyMask(x, keep, rate)
