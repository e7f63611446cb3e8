/** Activations and their derivatives, shared by the activation and feed-forward ops. */
import * as tf from "@tensorflow/tfjs-core"
import { geluGradSimd, geluSimd } from "./geluKernel.js"

export type Name = "gelu" | "relu" | "tanh"

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI)

/** The activation, with the same kernels as `activation(name)`. */
export const activate = (name: Name, h: tf.Tensor): tf.Tensor => {
  switch (name) {
    case "gelu":
      return geluSimd(h) ?? tf.mul(tf.mul(h, 0.5), tf.add(1, tf.erf(tf.mul(h, Math.SQRT1_2))))
    case "relu":
      return tf.relu(h)
    case "tanh":
      return tf.tanh(h)
  }
}

/** The activation's derivative at `h`. */
export const derivative = (name: Name, h: tf.Tensor): tf.Tensor => {
  switch (name) {
    case "gelu": {
      const cdf = tf.mul(tf.add(1, tf.erf(tf.mul(h, Math.SQRT1_2))), 0.5)
      const pdf = tf.mul(tf.exp(tf.mul(tf.square(h), -0.5)), INV_SQRT_2PI)
      return tf.add(cdf, tf.mul(h, pdf))
    }
    case "relu":
      return tf.step(h, 0)
    case "tanh":
      return tf.sub(1, tf.square(tf.tanh(h)))
  }
}

/** `dy · activation'(h)`: the gradient through the activation (one SIMD pass for gelu on wasm). */
export const backpropagate = (name: Name, dy: tf.Tensor, h: tf.Tensor): tf.Tensor =>
  (name === "gelu" ? geluGradSimd(h, dy) : undefined) ?? tf.tidy(() => tf.mul(dy, derivative(name, h)))
