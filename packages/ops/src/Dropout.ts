/**
 * Seeded inverted dropout.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"

/**
 * Zeroes each element with probability `rate` and scales the rest by `1 / (1 − rate)`. The keep mask is
 * drawn by tfjs' seeded uniform generator, which runs in JavaScript on every backend, so a seed gives the
 * same mask on cpu, wasm and webgpu. `rate = 0` returns `x` itself.
 *
 * @example
 * ```ts
 * import { dropout } from "@addrop/ops"
 * const y = dropout(hidden, 0.1, 1234)
 * ```
 * @since 0.1.0
 * @category ops
 */
export const dropout = <T extends tf.Tensor>(x: T, rate: number, seed: number): T => {
  if (!(rate >= 0 && rate < 1)) throw new RangeError(`dropout rate must be in [0, 1), got ${rate}`)
  if (rate === 0) return x
  return tf.tidy(() => {
    const keep = tf.cast(tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, "float32", seed), rate), x.dtype)
    return tf.mul(x, tf.mul(keep, 1 / (1 - rate))) as T
  })
}
