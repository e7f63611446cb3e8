/**
 * The fully connected layer `x · W + b`, with a gradient that keeps only `x` and `W`.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"
import { unbroadcast } from "./internal/broadcast.js"
import { runCustomOp } from "./internal/customOp.js"
import { matMul, transposedProduct } from "./MatMul.js"

/**
 * `x · W + b` over the last axis of `x` `[…, in]`, W `[in, out]`, b `[out]`: leading axes are flattened so
 * the product is one 2-D matmul. Computes exactly `tf.add(tf.matMul(x2d, W), b)`; the backward pass keeps
 * `x` and `W` only (tfjs' own gradients would also keep the product before the bias) and computes each of
 * dx = dy·Wᵀ, dW = xᵀ·dy and db = Σ dy only when it is needed (an input-gradient pass computes no weight
 * gradients).
 *
 * @example
 * ```ts
 * import { dense } from "@addrop/ops"
 * const y = dense(hidden, kernel, bias) // [B, L, 768] · [768, 3072] + [3072] → [B, L, 3072]
 * ```
 * @since 0.1.0
 * @category ops
 */
export const dense = (x: tf.Tensor, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor => {
  const [inputs, outputs] = w.shape
  if (x.shape[x.rank - 1] !== inputs || b.shape[0] !== outputs) {
    throw new RangeError(`dense shapes disagree: x [${x.shape}], W [${w.shape}], b [${b.shape}]`)
  }
  const lead = x.shape.slice(0, -1)
  return runCustomOp({
    name: "addrop.dense",
    inputs: { x, w, b },
    forward: (save) => {
      save([x, w])
      const flat = x.rank === 2 ? x : tf.reshape(x, [-1, inputs])
      const y = tf.add(matMul(flat, w), b)
      return x.rank === 2 ? y : tf.reshape(y, [...lead, outputs])
    },
    backward: (dy, saved) => {
      const [input, kernel] = saved as [tf.Tensor, tf.Tensor2D]
      const dy2d = () => tf.reshape(dy, [-1, outputs])
      return {
        x: () => tf.reshape(matMul(dy2d(), kernel, { transposeB: true }), input.shape),
        w: () => transposedProduct(tf.reshape(input, [-1, inputs]), dy2d()),
        b: () => unbroadcast(dy2d(), [outputs])
      }
    }
  })
}
