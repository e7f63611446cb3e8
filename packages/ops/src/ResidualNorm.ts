/**
 * The end of every transformer sub-block, `layerNorm(dropout(y) + residual)`, as one op.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"
import { runCustomOp } from "./internal/customOp.js"
import { applyMask, keepMask } from "./internal/dropout.js"
import * as LayerNorm from "./internal/normalization.js"

/**
 * Options of {@link residualNorm}.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResidualNormOptions {
  readonly epsilon: number
  /** Dropout rate on `y` (0: none, as in evaluation). */
  readonly rate: number
  /** The dropout seed, as for {@link dropout}; needed when `rate > 0`. */
  readonly seed?: number | undefined
}

/**
 * `layerNorm(dropout(y, rate, seed) + residual, γ, β)` (post-LN BERT's sub-block output): the same values,
 * kernel for kernel, as composing `dropout`, `tf.add` and `layerNorm`. The backward pass keeps only the
 * boolean dropout mask, x̂ and 1/σ, and the gradients of the dropout's output and of the sum never
 * outlive the op's backward step.
 *
 * @example
 * ```ts
 * import { residualNorm } from "@addrop/ops"
 * const out = residualNorm(dense(context, w, b), hidden, gamma, beta, { epsilon: 1e-12, rate: 0.1, seed })
 * ```
 * @since 0.1.0
 * @category ops
 */
export const residualNorm = (
  y: tf.Tensor,
  residual: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  options: ResidualNormOptions
): tf.Tensor => {
  const { rate, epsilon, seed } = options
  if (!(rate >= 0 && rate < 1)) throw new RangeError(`dropout rate must be in [0, 1), got ${rate}`)
  if (rate > 0 && seed === undefined) throw new RangeError("residualNorm with dropout needs a seed")
  if (!tf.util.arraysEqual(y.shape, residual.shape)) {
    throw new RangeError(`residualNorm shapes disagree: y [${y.shape}], residual [${residual.shape}]`)
  }
  return runCustomOp({
    name: "addrop.residualNorm",
    inputs: { y, residual, gamma, beta },
    forward: (save) => {
      const keep = rate > 0 ? keepMask(y.shape, rate, seed!) : undefined
      const sum = tf.add(keep === undefined ? y : applyMask(y, keep, rate), residual)
      const { output, normalized, inverseStd } = LayerNorm.forward(sum, gamma, beta, epsilon)
      save(keep === undefined ? [normalized, inverseStd, gamma] : [normalized, inverseStd, gamma, keep])
      return output
    },
    backward: (dy, saved, share) => {
      const [normalized, inverseStd, scale, keep] = saved as [tf.Tensor, tf.Tensor, tf.Tensor1D, tf.Tensor?]
      // The sum's gradient: the residual's, and (through the mask) y's.
      const dSum = share(tf.tidy(() => LayerNorm.inputGradient(dy, normalized, inverseStd, scale)))
      return {
        y: () => (keep === undefined ? tf.clone(dSum) : applyMask(dSum, keep, rate)),
        residual: () => tf.clone(dSum),
        gamma: () => LayerNorm.gammaGradient(dy, normalized),
        beta: () => LayerNorm.betaGradient(dy)
      }
    }
  })
}
