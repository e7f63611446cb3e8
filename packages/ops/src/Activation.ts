/**
 * Activations used by BERT-like encoders.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"
import { activate, backpropagate } from "./internal/activation.js"
import { runCustomOp } from "./internal/customOp.js"

/**
 * Exact (erf) GELU: `x · ½ · (1 + erf(x / √2))`, PyTorch's `gelu` default and BERT's `hidden_act: "gelu"`.
 *
 * Its gradient `Φ(x) + x·φ(x)` is computed from `x` alone, the one tensor kept for the backward pass
 * (differentiating the formula op by op would keep four more tensors of x's size).
 *
 * @example
 * ```ts
 * import { gelu } from "@addrop/ops"
 * const y = gelu(tf.tensor1d([-1, 0, 1]))
 * ```
 * @since 0.1.0
 * @category ops
 */
export const gelu = <T extends tf.Tensor>(x: T): T =>
  runCustomOp({
    name: "addrop.gelu",
    inputs: { x },
    forward: (save) => {
      save([x])
      return activate("gelu", x)
    },
    backward: (dy, [saved]) => ({ x: () => backpropagate("gelu", dy, saved!) })
  }) as T

/**
 * Applies a named activation from a Hugging Face config (`hidden_act`).
 *
 * @since 0.1.0
 * @category ops
 */
export const activation = (name: ActivationName): (<T extends tf.Tensor>(x: T) => T) => {
  switch (name) {
    case "gelu":
      return gelu
    case "relu":
      return (x) => tf.relu(x)
    case "tanh":
      return (x) => tf.tanh(x)
  }
}

/**
 * Activations accepted in model configs.
 *
 * @since 0.1.0
 * @category models
 */
export type ActivationName = "gelu" | "relu" | "tanh"
