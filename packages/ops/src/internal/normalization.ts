/** Layer normalisation's forward values and gradients, shared by `layerNorm` and `residualNorm`. */
import * as tf from "@tensorflow/tfjs-core"

/** `(x − mean) / sqrt(var + eps) · γ + β` over the last axis, with x̂ and 1/σ for the backward pass. */
export const forward = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number) => {
  const axis = x.rank - 1
  const { mean, variance } = tf.moments(x, axis, true)
  const inverseStd = tf.rsqrt(tf.add(variance, epsilon))
  const normalized = tf.mul(tf.sub(x, mean), inverseStd)
  return { output: tf.add(tf.mul(normalized, gamma), beta), normalized, inverseStd }
}

/** dx = σ⁻¹ · (g − mean(g) − x̂ · mean(g · x̂)) with g = dy · γ, means over the normalised axis. */
export const inputGradient = (
  dy: tf.Tensor,
  normalized: tf.Tensor,
  inverseStd: tf.Tensor,
  gamma: tf.Tensor
): tf.Tensor => {
  const axis = dy.rank - 1
  const g = tf.mul(dy, gamma)
  const centered = tf.sub(g, tf.mean(g, axis, true))
  return tf.mul(inverseStd, tf.sub(centered, tf.mul(normalized, tf.mean(tf.mul(g, normalized), axis, true))))
}

const sumLeading = (x: tf.Tensor): tf.Tensor => {
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i)
  return axes.length === 0 ? tf.clone(x) : tf.sum(x, axes)
}

/** dγ = Σ dy · x̂ and dβ = Σ dy over every axis but the last. */
export const gammaGradient = (dy: tf.Tensor, normalized: tf.Tensor): tf.Tensor =>
  sumLeading(tf.mul(dy, normalized))
export const betaGradient = (dy: tf.Tensor): tf.Tensor => sumLeading(dy)
