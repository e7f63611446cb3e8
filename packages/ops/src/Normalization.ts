/**
 * Layer normalisation over the last axis, as in BERT (post-LN) and RoBERTa.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"

/**
 * `(x − mean) / sqrt(var + eps) · gamma + beta` over the last axis (biased variance, as PyTorch).
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
  tf.tidy(() => {
    const axis = x.rank - 1
    const { mean, variance } = tf.moments(x, axis, true)
    const normalized = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon)))
    return tf.add(tf.mul(normalized, gamma), beta) as T
  })
