/**
 * Numerical assertions and finite-difference gradients for backend tests.
 */
import * as tf from "@tensorflow/tfjs-core"
import { expect } from "vitest"

/** Tolerances: |actual − expected| ≤ atol + rtol·|expected|, element-wise. */
export interface Tolerance {
  readonly rtol: number
  readonly atol: number
}

type Values = tf.Tensor | ArrayLike<number> | ReadonlyArray<number>

/** Reads a tensor's values asynchronously (WebGPU needs async reads) or passes arrays through. */
export const values = async (x: Values): Promise<ArrayLike<number>> =>
  x instanceof tf.Tensor ? ((await x.data()) as ArrayLike<number>) : x

/** Asserts element-wise closeness, reporting the worst element. */
export const expectAllClose = async (
  actual: Values,
  expected: Values,
  tolerance: Tolerance
): Promise<void> => {
  const a = await values(actual)
  const e = await values(expected)
  expect(a.length, "element count").toBe(e.length)
  let worst = -1
  let worstExcess = 0
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i]! - e[i]!)
    const allowed = tolerance.atol + tolerance.rtol * Math.abs(e[i]!)
    const excess = Number.isNaN(diff) ? Number.POSITIVE_INFINITY : diff - allowed
    if (excess > worstExcess) {
      worstExcess = excess
      worst = i
    }
  }
  if (worst >= 0) {
    expect.fail(
      `element ${worst}: got ${a[worst]}, expected ${e[worst]} (|diff| exceeds atol ${tolerance.atol} + rtol ${tolerance.rtol}·|expected| by ${worstExcess})`
    )
  }
}

/** A deterministic float array in [-scale, scale) from a small LCG, for test inputs. */
export const seededValues = (count: number, seed: number, scale = 1): Float32Array => {
  const out = new Float32Array(count)
  let state = seed >>> 0 || 1
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    out[i] = ((state / 2 ** 32) * 2 - 1) * scale
  }
  return out
}

/** A float32 tensor of `shape` filled with {@link seededValues}. */
export const seededTensor = (shape: Array<number>, seed: number, scale = 1): tf.Tensor =>
  tf.tensor(
    seededValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
      scale
    ),
    shape
  )

/**
 * Central finite differences of a scalar function at `x`, computed in float64 around float32 evaluations:
 * `(f(x + h·e_i) − f(x − h·e_i)) / 2h` for every element i.
 */
export const finiteDifference = async (
  f: (x: tf.Tensor) => tf.Scalar,
  x: tf.Tensor,
  step = 1e-2
): Promise<Float64Array> => {
  const base = Float32Array.from(await x.data())
  const out = new Float64Array(base.length)
  const evaluate = async (data: Float32Array): Promise<number> => {
    const input = tf.tensor(data, x.shape, "float32")
    const y = f(input)
    const [v] = await y.data()
    input.dispose()
    y.dispose()
    return v!
  }
  for (let i = 0; i < base.length; i++) {
    const plus = base.slice()
    plus[i] = base[i]! + step
    const minus = base.slice()
    minus[i] = base[i]! - step
    out[i] = ((await evaluate(plus)) - (await evaluate(minus))) / (2 * step)
  }
  return out
}

/** Reduces any tensor to a scalar with fixed pseudo-random weights, so a gradient check sees every element. */
export const weightedSum = (y: tf.Tensor, seed = 7): tf.Scalar =>
  tf.tidy(() => tf.sum(tf.mul(y, tf.tensor(seededValues(y.size, seed), y.shape))))
