/**
 * Layer normalisation over the last axis, as in BERT (post-LN) and RoBERTa.
 *
 * @since 0.1.0
 */
import type * as tf from "@tensorflow/tfjs-core"
import { runCustomOp } from "./internal/customOp.js"
import * as LayerNorm from "./internal/normalization.js"

/**
 * `(x − mean) / sqrt(var + eps) · gamma + beta` over the last axis (biased variance, as PyTorch).
 *
 * The gradient is the closed form (x̂ and 1/σ are the only tensors kept for the backward pass; the op-by-op
 * derivative keeps about five tensors of x's size and takes three times the kernels).
 *
 * @example
 * ```ts
 * import { layerNorm } from "@addrop/ops"
 * const y = layerNorm(hidden, gamma, beta, 1e-12) // hidden [B, L, H], gamma/beta [H]
 * ```
 * @since 0.1.0
 * @category ops
 */
export const layerNorm = <T extends tf.Tensor>(
  x: T,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number
): T =>
  runCustomOp({
    name: "addrop.layerNorm",
    inputs: { x, gamma, beta },
    forward: (save) => {
      const { output, normalized, inverseStd } = LayerNorm.forward(x, gamma, beta, epsilon)
      save([normalized, inverseStd, gamma])
      return output
    },
    backward: (dy, saved) => {
      const [normalized, inverseStd, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor1D]
      return {
        x: () => LayerNorm.inputGradient(dy, normalized, inverseStd, scale),
        gamma: () => LayerNorm.gammaGradient(dy, normalized),
        beta: () => LayerNorm.betaGradient(dy)
      }
    }
  }) as T
