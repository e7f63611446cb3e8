import {
  describeBackends,
  expectAllClose,
  finiteDifference,
  seededValues,
  statuses,
  weightedSum
} from "@addrop/conformance"
import { keyPaddingBias } from "@addrop/ops"
import * as tf from "@tensorflow/tfjs-core"
import { expect, it } from "vitest"
import { attention, Intervention, mergeHeads, splitHeads } from "../src/index.js"

const backends = await statuses()
const shape = [2, 2, 4, 3] as const
const size = 2 * 2 * 4 * 3
const tensor = (seed: number) => tf.tensor4d(seededValues(size, seed), [...shape])
const padding = () =>
  keyPaddingBias(
    tf.tensor2d(
      [
        [1, 1, 1, 1],
        [1, 1, 0, 0]
      ],
      [2, 4],
      "int32"
    )
  )

/** Float64 reference of softmax(q·kᵀ/√D + bias)·v for the shapes above. */
const reference = (
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  bias: (b: number, h: number, i: number, j: number) => number
) => {
  const [B, H, L, D] = shape
  const probs = new Float64Array(B * H * L * L)
  const context = new Float64Array(size)
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < L; i++) {
        const base = (b * H + h) * L
        const scores = Array.from({ length: L }, (_, j) => {
          let s = 0
          for (let d = 0; d < D; d++) s += q[(base + i) * D + d]! * k[(base + j) * D + d]!
          return s / Math.sqrt(D) + bias(b, h, i, j)
        })
        const max = Math.max(...scores)
        const exps = scores.map((s) => Math.exp(s - max))
        const total = exps.reduce((x, y) => x + y, 0)
        for (let j = 0; j < L; j++) probs[(base + i) * L + j] = exps[j]! / total
        for (let d = 0; d < D; d++) {
          let c = 0
          for (let j = 0; j < L; j++) c += probs[(base + i) * L + j]! * v[(base + j) * D + d]!
          context[(base + i) * D + d] = c
        }
      }
  return { probs, context }
}

describeBackends("attention", backends, ({ backend }) => {
  const tolerance = backend === "webgpu" ? { rtol: 1e-4, atol: 1e-5 } : { rtol: 1e-5, atol: 1e-6 }

  it("forward matches a float64 reference with padding and a drop bias", async () => {
    const [q, k, v] = [tensor(1), tensor(2), tensor(3)]
    const dropped = (b: number, h: number, i: number, j: number) => (b + h + i + j) % 5 === 0 && j < 2
    const dropBias = tf.tensor4d(
      Array.from({ length: 2 * 2 * 4 * 4 }, (_, n) => {
        const j = n % 4
        const i = Math.floor(n / 4) % 4
        const h = Math.floor(n / 16) % 2
        const b = Math.floor(n / 32)
        return dropped(b, h, i, j) ? -1e9 : 0
      }),
      [2, 2, 4, 4]
    )
    const { context, probs } = attention(q, k, v, {
      keyPaddingBias: padding(),
      intervention: { scoreBias: dropBias }
    })
    const expected = reference(
      await q.data(),
      await k.data(),
      await v.data(),
      (b, h, i, j) => (b === 1 && j >= 2 ? -1e9 : 0) + (dropped(b, h, i, j) ? -1e9 : 0)
    )
    await expectAllClose(probs, expected.probs, tolerance)
    await expectAllClose(context, expected.context, tolerance)
  })

  it("gradients w.r.t. q, k and v match finite differences", async () => {
    const inputs = [tensor(4), tensor(5), tensor(6)]
    const bias = padding()
    for (let which = 0; which < 3; which++) {
      const loss = (x: tf.Tensor) => {
        const args = inputs.map((t, i) => (i === which ? x : t)) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D]
        return weightedSum(attention(...args, { keyPaddingBias: bias }).context)
      }
      const grad = tf.grad(loss)(inputs[which]!)
      await expectAllClose(grad, await finiteDifference(loss, inputs[which]!), { rtol: 1e-2, atol: 5e-3 })
    }
  })

  it("a zero tap through mapProbs yields ∂output/∂probs (= ∂output/∂context · vᵀ)", async () => {
    const [q, k, v] = [tensor(7), tensor(8), tensor(9)]
    const tap = tf.zeros([2, 2, 4, 4])
    const w = tf.tensor4d(seededValues(size, 10), [...shape])
    const dTap = tf.grad((t: tf.Tensor) =>
      tf.sum(
        tf.mul(
          attention(q, k, v, { intervention: { mapProbs: (p) => tf.add(p, t) as tf.Tensor4D } }).context,
          w
        )
      )
    )(tap)
    // d sum(w ⊙ P·v) / dP = w · vᵀ
    await expectAllClose(dTap, tf.matMul(w, v, false, true), { rtol: 1e-5, atol: 1e-6 })
  })

  it("splitHeads and mergeHeads are inverse", async () => {
    const x = tf.tensor3d(seededValues(2 * 3 * 8, 11), [2, 3, 8])
    const heads = splitHeads(x, 4)
    expect(heads.shape).toEqual([2, 4, 3, 2])
    await expectAllClose(mergeHeads(heads), x, { rtol: 0, atol: 0 })
    expect(() => splitHeads(x, 3)).toThrow(/not divisible/)
  })

  it("Intervention.merge adds biases and composes maps", async () => {
    const a = new Map([
      [0, { scoreBias: tf.scalar(1), mapProbs: (p: tf.Tensor4D) => tf.mul(p, 2) as tf.Tensor4D }]
    ])
    const b = new Map([
      [0, { scoreBias: tf.scalar(2), mapProbs: (p: tf.Tensor4D) => tf.add(p, 1) as tf.Tensor4D }]
    ])
    const merged = Intervention.merge(a, b).get(0)!
    expect((await merged.scoreBias!.data())[0]).toBe(3)
    const out = merged.mapProbs!(tf.ones([1, 1, 1, 1]) as tf.Tensor4D)
    expect((await out.data())[0]).toBe(3) // (1·2)+1: a first
  })

  it("leaks no tensors", () => {
    const [q, k, v] = [tensor(1), tensor(2), tensor(3)]
    const before = tf.memory().numTensors
    const { context, probs } = attention(q, k, v, { keyPaddingBias: tf.zeros([2, 1, 1, 4]) })
    tf.dispose([context, probs])
    // keyPaddingBias zeros above was created by the caller: one tensor.
    expect(tf.memory().numTensors).toBe(before + 1)
  })
})
