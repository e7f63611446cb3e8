/**
 * Element-wise arithmetic whose gradients keep no tensor alive.
 *
 * tfjs' `Add` and `Mul` gradients save both operands, `Add` only to read their shapes: a residual sum or a
 * score bias keeps its operands (often tensors nothing else needs) until the backward pass. These ops
 * compute the same values and keep nothing.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"
import { unbroadcast } from "./internal/broadcast.js"
import { runCustomOp } from "./internal/customOp.js"

/**
 * `a + b` with broadcasting, exactly as `tf.add`, whose gradient keeps neither operand.
 *
 * @example
 * ```ts
 * import { add } from "@addrop/ops"
 * const residual = add(attended, hidden)
 * ```
 * @since 0.1.0
 * @category ops
 */
export const add = <T extends tf.Tensor>(a: tf.Tensor, b: tf.Tensor): T => {
  const aShape = a.shape
  const bShape = b.shape
  return runCustomOp({
    name: "addrop.add",
    inputs: { a, b },
    forward: () => tf.add(a, b),
    backward: (dy) => ({ a: () => unbroadcast(dy, aShape), b: () => unbroadcast(dy, bShape) })
  }) as T
}

/**
 * `x · c` for a number `c`, exactly as `tf.mul(x, c)`, whose gradient keeps nothing.
 *
 * @since 0.1.0
 * @category ops
 */
export const scale = <T extends tf.Tensor>(x: T, c: number): T =>
  runCustomOp({
    name: "addrop.scale",
    inputs: { x },
    forward: () => tf.mul(x, c),
    backward: (dy) => ({ x: () => tf.mul(dy, c) })
  }) as T
