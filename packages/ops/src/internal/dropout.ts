/** Dropout masks: what `dropout`, `residualNorm` and attention draw and keep for the backward pass. */
import * as tf from "@tensorflow/tfjs-core"

/** The keep mask (bool: one byte per element where a backend stores bools so) from a seeded draw. */
export const keepMask = (shape: Array<number>, rate: number, seed: number): tf.Tensor =>
  tf.greaterEqual(tf.randomUniform(shape, 0, 1, "float32", seed), rate)

/** `x · keep / (1 − rate)`: the kept elements scaled, the others zero. */
export const applyMask = (x: tf.Tensor, keep: tf.Tensor, rate: number): tf.Tensor =>
  tf.mul(x, tf.mul(tf.cast(keep, x.dtype), 1 / (1 - rate)))
