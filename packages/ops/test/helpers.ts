/**
 * Test helpers: run a body on the cpu and wasm backends (without @addrop/backends, which depends on this
 * package), with tfjs' gradients and this package's BatchMatMul gradient registered.
 */
import "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import * as tf from "@tensorflow/tfjs-core"
import { afterAll, beforeAll, describe, expect } from "vitest"
import { batchMatMulGradConfig } from "../src/index.js"

tf.registerGradient(batchMatMulGradConfig)

export const backends = ["cpu", "wasm"] as const

export const describeBackends = (name: string, body: (backend: (typeof backends)[number]) => void) => {
  for (const backend of backends) {
    describe(`${name} [${backend}]`, () => {
      let previous: string | undefined
      beforeAll(async () => {
        previous = tf.engine().backendName ?? undefined
        await tf.setBackend(backend)
        await tf.ready()
      })
      afterAll(async () => {
        if (previous !== undefined && previous !== tf.getBackend()) await tf.setBackend(previous)
      })
      body(backend)
    })
  }
}

/** Deterministic values in [−scale, scale). */
export const seeded = (count: number, seed: number, scale = 1): Float32Array => {
  let state = seed * 2654435761 + 1
  return Float32Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return ((state / 2 ** 32) * 2 - 1) * scale
  })
}

export const expectClose = async (actual: tf.Tensor, expected: tf.Tensor, rtol = 1e-5, atol = 1e-6) => {
  expect(actual.shape).toEqual(expected.shape)
  const a = await actual.data()
  const e = await expected.data()
  let worst = 0
  let at = -1
  for (let i = 0; i < a.length; i++) {
    const excess = Math.abs(a[i]! - e[i]!) - (atol + rtol * Math.abs(e[i]!))
    if (!(excess <= worst)) {
      worst = Number.isNaN(excess) ? Number.POSITIVE_INFINITY : excess
      at = i
    }
  }
  expect(at, `worst element ${at}: ${a[at]} vs ${e[at]}`).toBe(-1)
}
