/** Broadcasting helpers for gradients. */
import * as tf from "@tensorflow/tfjs-core"

/** Sums a gradient over the axes along which `shape` was broadcast, then restores `shape`. */
export const unbroadcast = (grad: tf.Tensor, shape: ReadonlyArray<number>): tf.Tensor => {
  const axes = tf.backend_util.getReductionAxes(shape as Array<number>, grad.shape)
  const summed = axes.length > 0 ? tf.sum(grad, axes) : grad
  return tf.reshape(summed, shape as Array<number>)
}
