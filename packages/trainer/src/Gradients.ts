/**
 * Gradient post-processing.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"

/**
 * Scales all gradients by `min(1, maxNorm / (‖g‖₂ + 1e-6))`, where ‖g‖₂ is the global norm over all of
 * them, exactly as PyTorch's `clip_grad_norm_` (which multiplies by the clamped coefficient always). Stays
 * on the device: returns the clipped gradients and the pre-clipping norm as tensors (the inputs are
 * disposed).
 *
 * @example
 * ```ts
 * import { Gradients } from "@addrop/trainer"
 * const { grads: clipped, norm } = Gradients.clipByGlobalNorm(grads, 1.0)
 * ```
 * @since 0.1.0
 * @category ops
 */
export const clipByGlobalNorm = (
  grads: Record<string, tf.Tensor>,
  maxNorm: number
): { readonly grads: Record<string, tf.Tensor>; readonly norm: tf.Scalar } => {
  const tensors = Object.values(grads)
  const result = tf.tidy(() => {
    const norm = tf.sqrt(sumPairwise(tensors.map((g) => tf.sum(tf.square(g))))) as tf.Scalar
    const coefficient = tf.minimum(tf.div(maxNorm, tf.add(norm, 1e-6)), 1)
    const clipped = Object.fromEntries(
      Object.entries(grads).map(([name, g]) => [name, tf.mul(g, coefficient)])
    )
    return { norm, clipped }
  })
  tf.dispose(tensors)
  return { grads: result.clipped, norm: result.norm }
}

/**
 * The sum of scalars as a balanced tree of two-input adds. Not `tf.addN`: tfjs-backend-webgpu compiles AddN
 * into one kernel with a storage buffer per input, and a model's parameter count (42 for the tiny BERT)
 * exceeds WebGPU's per-stage limit (8 in compatibility mode, 10 in Chromium's SwiftShader): the pipeline is
 * invalid, the step's command buffer is dropped with only a validation message, and training silently goes
 * wrong.
 */
const sumPairwise = (terms: ReadonlyArray<tf.Tensor>): tf.Tensor => {
  if (terms.length === 0) return tf.scalar(0)
  let level = [...terms]
  while (level.length > 1) {
    const next: Array<tf.Tensor> = []
    for (let i = 0; i < level.length; i += 2)
      next.push(i + 1 < level.length ? tf.add(level[i]!, level[i + 1]!) : level[i]!)
    level = next
  }
  return level[0]!
}
