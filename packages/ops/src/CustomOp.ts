/**
 * Ops with hand-written gradients, computed per input only when needed.
 *
 * @since 0.1.0
 */
import type * as tf from "@tensorflow/tfjs-core"
import {
  type CustomOpOutputs as OutputsSpec,
  runCustomOp,
  runCustomOpOutputs,
  type Share as ShareFn,
  type CustomOp as Spec
} from "./internal/customOp.js"

/**
 * Given to `backward`: marks a tensor computed there (outside the per-input gradient functions, because
 * several inputs' gradients need it) as needed only until this node's gradients are computed; it is freed
 * when the next custom op's backward function starts, or with the backward pass. Returns the tensor.
 *
 * @since 0.1.0
 * @category models
 */
export type Share = ShareFn

/**
 * An op: a name (shown by `tf.profile`), its tensor inputs, a forward function that computes the output
 * with the tape paused and `save`s what the backward pass needs, and a backward function that returns
 * one lazily evaluated gradient per input.
 *
 * @since 0.1.0
 * @category models
 */
export type CustomOp<I extends Record<string, tf.Tensor>> = Spec<I>

/**
 * Runs a {@link CustomOp}. Unlike `tf.customGrad`, an input's gradient is computed only when a requested
 * gradient depends on it (an input-gradient pass skips every weight gradient), and only the saved
 * tensors stay alive for the backward pass.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core"
 * import { customOp } from "@addrop/ops"
 * const square = (x: tf.Tensor) =>
 *   customOp({
 *     name: "square",
 *     inputs: { x },
 *     forward: (save) => { save([x]); return tf.square(x) },
 *     backward: (dy, [saved]) => ({ x: () => tf.mul(dy, tf.mul(saved!, 2)) })
 *   })
 * ```
 * @since 0.1.0
 * @category ops
 */
export const customOp = <I extends Record<string, tf.Tensor>>(op: CustomOp<I>): tf.Tensor => runCustomOp(op)

/**
 * A {@link CustomOp} with several outputs; `backward` gets one gradient per output (zeros for outputs no
 * requested gradient depends on).
 *
 * @since 0.1.0
 * @category models
 */
export type CustomOpOutputs<I extends Record<string, tf.Tensor>> = OutputsSpec<I>

/**
 * Runs a {@link CustomOpOutputs}; returns its outputs in order.
 *
 * @since 0.1.0
 * @category ops
 */
export const customOpOutputs = <I extends Record<string, tf.Tensor>>(
  op: CustomOpOutputs<I>
): Array<tf.Tensor> => runCustomOpOutputs(op)
