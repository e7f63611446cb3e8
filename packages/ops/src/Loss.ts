/**
 * Training losses of the supported heads, shared by models, attribution targets and the trainer.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"

/**
 * Mean softmax cross-entropy of logits `[N,C]` against integer labels `[N]` (PyTorch's `cross_entropy`).
 *
 * @example
 * ```ts
 * import { crossEntropy } from "@addrop/ops"
 * const loss = crossEntropy(logits, tf.tensor1d([0, 2], "int32"))
 * ```
 * @since 0.1.0
 * @category losses
 */
export const crossEntropy = (logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar =>
  tf.tidy(() => {
    const logProbs = tf.logSoftmax(logits)
    const picked = tf.sum(tf.mul(logProbs, tf.oneHot(tf.cast(labels, "int32"), logits.shape[1])), 1)
    return tf.neg(tf.mean(picked)) as tf.Scalar
  })

/**
 * Mean cross-entropy over the tokens whose label is not `ignoreIndex` (−100, as Hugging Face), for
 * token-classification logits `[B,L,C]` and labels `[B,L]`. Zero when no token is labelled.
 *
 * @since 0.1.0
 * @category losses
 */
export const tokenCrossEntropy = (logits: tf.Tensor3D, labels: tf.Tensor2D, ignoreIndex = -100): tf.Scalar =>
  tf.tidy(() => {
    const [batch, length, classes] = logits.shape
    const flatLabels = tf.reshape(tf.cast(labels, "int32"), [batch * length])
    const valid = tf.cast(tf.notEqual(flatLabels, ignoreIndex), "float32")
    const safeLabels = tf.where(tf.cast(valid, "bool"), flatLabels, tf.zerosLike(flatLabels))
    const logProbs = tf.logSoftmax(tf.reshape(logits, [batch * length, classes]))
    const picked = tf.sum(tf.mul(logProbs, tf.oneHot(safeLabels, classes)), 1)
    const count = tf.maximum(tf.sum(valid), 1)
    return tf.neg(tf.div(tf.sum(tf.mul(picked, valid)), count)) as tf.Scalar
  })

/**
 * Mean squared error of predictions `[N]` (or `[N,1]`) against float targets `[N]`.
 *
 * @since 0.1.0
 * @category losses
 */
export const meanSquaredError = (predictions: tf.Tensor, targets: tf.Tensor1D): tf.Scalar =>
  tf.tidy(
    () =>
      tf.mean(tf.squaredDifference(tf.reshape(predictions, [-1]), tf.cast(targets, "float32"))) as tf.Scalar
  )
