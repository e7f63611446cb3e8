/**
 * Attribution targets: the scalar F whose gradient with respect to the attention maps is the attribution.
 *
 * @since 0.1.0
 */
import { crossEntropy, meanSquaredError } from "@addrop/ops"
import * as tf from "@tensorflow/tfjs-core"

/**
 * Reduces a model's logits to the scalar being attributed.
 *
 * @since 0.1.0
 * @category models
 */
export type Target = (logits: tf.Tensor) => tf.Scalar

const requireRank2 = (logits: tf.Tensor, name: string): tf.Tensor2D => {
  if (logits.rank !== 2)
    throw new RangeError(`${name} needs classification logits [B,C], got [${logits.shape}]`)
  return logits as tf.Tensor2D
}

/**
 * The pseudo-label logit summed over the batch: F = Σ_b logit[b, argmax_c logit[b, c]] (AD-Drop's GA).
 * The argmax is taken from the same forward pass and carries no gradient.
 *
 * @example
 * ```ts
 * import { Attribution, Target } from "@addrop/attribution"
 * const maps = Attribution.gradient({ forward, layers: [0], shape, target: Target.pseudoLabel })
 * ```
 * @since 0.1.0
 * @category targets
 */
export const pseudoLabel: Target = (logits) => {
  const l = requireRank2(logits, "pseudoLabel")
  return tf.sum(tf.mul(l, tf.oneHot(tf.argMax(l, 1), l.shape[1])))
}

/**
 * The gold-label logit summed over the batch: F = Σ_b logit[b, y_b] (the paper's gold-label variant).
 *
 * @since 0.1.0
 * @category targets
 */
export const goldLabel =
  (labels: tf.Tensor1D): Target =>
  (logits) => {
    const l = requireRank2(logits, "goldLabel")
    return tf.sum(tf.mul(l, tf.oneHot(tf.cast(labels, "int32"), l.shape[1])))
  }

/**
 * F = −L for a loss function L of the logits: the attribution is −∂L/∂A, for regression and token-level
 * tasks where no single logit stands for the prediction.
 *
 * @since 0.1.0
 * @category targets
 */
export const negativeLoss =
  (loss: (logits: tf.Tensor) => tf.Scalar): Target =>
  (logits) =>
    tf.neg(loss(logits))

/**
 * The regression output summed over the batch: F = Σ_b ŷ_b. What a regression model's prediction is
 * attributed to when no gold target is at hand (e.g. inspecting a single input).
 *
 * @since 0.1.0
 * @category targets
 */
export const prediction: Target = (logits) => tf.sum(logits)

/**
 * −L for regression: L is the mean squared error against the gold targets `[B]`.
 *
 * @since 0.1.0
 * @category targets
 */
export const regression = (targets: tf.Tensor1D): Target =>
  negativeLoss((logits) => meanSquaredError(logits, targets))

/**
 * −L for classification against the pseudo labels: L is the mean cross-entropy against argmax of the logits.
 *
 * @since 0.1.0
 * @category targets
 */
export const pseudoLabelLoss: Target = negativeLoss((logits) => {
  const l = requireRank2(logits, "pseudoLabelLoss")
  return crossEntropy(l, tf.argMax(l, 1) as tf.Tensor1D)
})

/**
 * −L for token classification `[B,L,C]`: L is the mean cross-entropy over real tokens (`tokenMask` [B,L],
 * 1 = real) against each token's pseudo label (its argmax). Written with one-hot pseudo labels so that every
 * op between the attention maps and F has a gradient (a comparison on the labels would not).
 *
 * @since 0.1.0
 * @category targets
 */
export const tokenPseudoLabelLoss =
  (tokenMask: tf.Tensor2D): Target =>
  (logits) => {
    if (logits.rank !== 3)
      throw new RangeError(`tokenPseudoLabelLoss needs logits [B,L,C], got [${logits.shape}]`)
    const classes = logits.shape[2]!
    const pseudo = tf.oneHot(tf.argMax(logits, 2), classes)
    const logProbability = tf.sum(tf.mul(pseudo, tf.logSoftmax(logits)), 2)
    const real = tf.cast(tokenMask, "float32")
    return tf.div(tf.sum(tf.mul(logProbability, real)), tf.maximum(tf.sum(real), 1)) as tf.Scalar
  }
