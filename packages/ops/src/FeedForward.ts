/**
 * The transformer feed-forward block `act(x · W₁ + b₁) · W₂ + b₂` as one op with a hand-written gradient.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"
import type { ActivationName } from "./Activation.js"
import { activate, backpropagate } from "./internal/activation.js"
import { unbroadcast } from "./internal/broadcast.js"
import { runCustomOp } from "./internal/customOp.js"
import { matMul, transposedProduct } from "./MatMul.js"

/**
 * `act(x · W₁ + b₁) · W₂ + b₂` over the last axis of `x` `[…, d]` (W₁ `[d, f]`, W₂ `[f, d′]`): the same
 * values, kernel for kernel, as `dense(activation(act)(dense(x, W₁, b₁)), W₂, b₂)`. The backward pass
 * keeps only `x` and the pre-activation `[…, f]` (the activation is recomputed for W₂'s gradient), and
 * the intermediate gradients never outlive the op's backward step; each input's gradient is computed only
 * when needed.
 *
 * @example
 * ```ts
 * import { feedForward } from "@addrop/ops"
 * const y = feedForward(hidden, w1, b1, w2, b2, "gelu") // BERT's intermediate + output dense layers
 * ```
 * @since 0.1.0
 * @category ops
 */
export const feedForward = (
  x: tf.Tensor,
  w1: tf.Tensor2D,
  b1: tf.Tensor1D,
  w2: tf.Tensor2D,
  b2: tf.Tensor1D,
  act: ActivationName
): tf.Tensor => {
  const [inputs, hidden] = w1.shape
  const outputs = w2.shape[1]
  if (
    x.shape[x.rank - 1] !== inputs ||
    b1.shape[0] !== hidden ||
    w2.shape[0] !== hidden ||
    b2.shape[0] !== outputs
  ) {
    throw new RangeError(
      `feed-forward shapes disagree: x [${x.shape}], W1 [${w1.shape}], b1 [${b1.shape}], W2 [${w2.shape}], b2 [${b2.shape}]`
    )
  }
  const lead = x.shape.slice(0, -1)
  const xShape = x.shape
  return runCustomOp({
    name: "addrop.feedForward",
    inputs: { x, w1, b1, w2, b2 },
    forward: (save) => {
      const flat = tf.reshape(x, [-1, inputs])
      const h = tf.add(matMul(flat, w1), b1)
      save([flat, h, w1, w2])
      const y = tf.add(matMul(activate(act, h), w2), b2)
      return tf.reshape(y, [...lead, outputs])
    },
    backward: (dy, saved, share) => {
      const [flat, h, kernel1, kernel2] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D]
      const dy2d = share(tf.reshape(dy, [-1, outputs]) as tf.Tensor2D)
      // The pre-activation's gradient, needed by x's, W₁'s and b₁'s gradients.
      const dh = share(
        tf.tidy(() => backpropagate(act, matMul(dy2d, kernel2, { transposeB: true }), h)) as tf.Tensor2D
      )
      return {
        x: () => tf.reshape(matMul(dh, kernel1, { transposeB: true }), xShape),
        w1: () => transposedProduct(flat, dh),
        b1: () => unbroadcast(dh, [hidden]),
        w2: () => transposedProduct(activate(act, h), dy2d),
        b2: () => unbroadcast(dy2d, [outputs])
      }
    }
  })
}
