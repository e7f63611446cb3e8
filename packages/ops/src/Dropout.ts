/**
 * Seeded inverted dropout.
 *
 * @since 0.1.0
 */
import type * as tf from "@tensorflow/tfjs-core"
import { runCustomOp } from "./internal/customOp.js"
import { applyMask, keepMask } from "./internal/dropout.js"

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
  return runCustomOp({
    name: "addrop.dropout",
    inputs: { x },
    forward: (save) => {
      const keep = keepMask(x.shape, rate, seed)
      // Only the boolean keep mask is kept for the backward pass, not `x` nor a float mask.
      save([keep])
      return applyMask(x, keep, rate)
    },
    backward: (dy, [keep]) => ({ x: () => applyMask(dy, keep!, rate) })
  }) as T
}
