/**
 * Additive masks for attention scores and masked fills.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"

/**
 * The additive bias for a masked attention score. Large enough that `exp(bias + score − max)` is exactly
 * 0 in float32 for any realistic score, finite so that sums of two such biases stay finite.
 *
 * @since 0.1.0
 * @category constants
 */
export const MASKED_SCORE_BIAS = -1e9

/**
 * Replaces `x` where `mask` is true (or non-zero) by `value`, broadcasting `mask` against `x`.
 *
 * @example
 * ```ts
 * import { maskedFill } from "@addrop/ops"
 * maskedFill(scores, isPad, -1e9)
 * ```
 * @since 0.1.0
 * @category ops
 */
export const maskedFill = <T extends tf.Tensor>(x: T, mask: tf.Tensor, value: number): T =>
  tf.tidy(() => {
    const condition = mask.dtype === "bool" ? mask : tf.notEqual(mask, 0)
    const fill = tf.fill(x.shape, value, x.dtype)
    return tf.where(tf.broadcastTo(condition, x.shape), fill, x) as T
  })

/**
 * Turns a key-padding mask `[B, L]` (1 = real token, 0 = padding) into an additive score bias
 * `[B, 1, 1, L]` that broadcasts over heads and query rows.
 *
 * @since 0.1.0
 * @category ops
 */
export const keyPaddingBias = (attentionMask: tf.Tensor2D): tf.Tensor4D =>
  tf.tidy(() => {
    const [batch, length] = attentionMask.shape
    const pad = tf.sub(1, tf.cast(attentionMask, "float32"))
    return tf.reshape(tf.mul(pad, MASKED_SCORE_BIAS), [batch, 1, 1, length])
  })
