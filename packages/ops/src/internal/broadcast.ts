/** Broadcasting helpers for gradients. */
import * as tf from "@tensorflow/tfjs-core"

/**
 * The gradient of an operand of shape `shape` that was broadcast in the forward pass: `grad` summed over
 * the broadcast axes, reshaped to `shape`. For hand-written gradients (see `customOp`).
 *
 * @since 0.1.0
 * @category gradients
 */
export const unbroadcast = (grad: tf.Tensor, shape: ReadonlyArray<number>): tf.Tensor => {
  const axes = tf.backend_util.getReductionAxes(shape as Array<number>, grad.shape)
  const summed = axes.length > 0 ? tf.sum(grad, axes) : grad
  return tf.reshape(summed, shape as Array<number>)
}
