/**
 * The one-pass row kernel (what `Sampler.sample` runs on cpu, and compiled to WebAssembly on wasm) against the tensor formulation
 * (`Mask.sample`, what it ran before and still runs elsewhere): the same mask bits for the same key, and the
 * PyTorch goldens from given draws.
 */
import { describeBackends, seededValues, statuses } from "@addrop/conformance"
import { loadGolden, tensorValues } from "@addrop/fixtures"
import { Draw, Key } from "@addrop/random"
import * as tf from "@tensorflow/tfjs-core"
import { describe, expect, it } from "vitest"
import { Mask, RowKernel, Sampler } from "../src/index.js"

const backends = await statuses()

const shape = [3, 2, 7, 7] as const
const size = shape.reduce((a, b) => a * b, 1)
// Real lengths 7, 4 (not a prefix) and 1.
const keyMaskValues = [1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0]
const strategies = ["high", "low", "random"] as const

/** `f`'s result and the kernels it ran. */
const profiled = async <T extends tf.Tensor>(f: () => T) => {
  let result: T | undefined
  const { kernels } = await tf.profile(() => {
    result = f()
    return result
  })
  return { kernels, result: result! }
}

describeBackends("Sampler.sample (row kernel on cpu and wasm)", backends, () => {
  it("gives the tensor formulation's bits for the same key: every strategy, p and q, with ties", async () => {
    const distinct = seededValues(size, 5)
    const tied = distinct.map((v) => Math.round(v * 3) / 3)
    let dropped = 0
    for (const values of [distinct, tied]) {
      for (const strategy of strategies) {
        for (const p of [0, 0.15, 0.3, 0.7, 1]) {
          for (const q of [0, 0.3, 1]) {
            const key = Key.make(1000 * p + 10 * q + values.length)
            const attribution = tf.tensor4d(values, [...shape])
            const keyMask = tf.tensor2d(keyMaskValues, [3, 7], "int32")
            const options = { p, q, strategy }
            const ours = Sampler.sample(attribution, keyMask, options, key)
            const draws = Sampler.draws(key, [...shape], strategy)
            const theirs = Mask.sample(attribution, keyMask, options, draws)
            const label = `${strategy} p=${p} q=${q}`
            const bits = Array.from(await ours.data())
            expect(bits, label).toEqual(Array.from(await theirs.data()))
            dropped += bits.filter((x) => x === 1).length
            tf.dispose([attribution, keyMask, ours, theirs, draws.drop, draws.region])
          }
        }
      }
    }
    // The comparison means something only if masks drop positions.
    expect(dropped).toBeGreaterThan(100)
  })

  it("runs the WebAssembly row kernel on wasm, with the JavaScript kernel's bits, NaN scores included (cpu, wasm)", async () => {
    const [b, h, l] = [3, 2, 64]
    const values = seededValues(b * h * l * l, 9)
    // NaN ordering is defined by the row kernels; the tensor formulation (webgpu) leaves it to its sort.
    if (tf.getBackend() !== "webgpu") for (let i = 0; i < values.length; i += 97) values[i] = Number.NaN
    const keyMask = Array.from({ length: b * l }, (_, i) => (i % l < l - 5 * Math.floor(i / l) ? 1 : 0))
    for (const strategy of strategies) {
      const options = { p: 0.3, q: 0.4, strategy }
      const key = Key.make(77)
      const attribution = tf.tensor4d(values, [b, h, l, l])
      const mask = tf.tensor2d(keyMask, [b, l], "int32")
      const { kernels, result } = await profiled(() => Sampler.sample(attribution, mask, options, key))
      const names = kernels.map((k) => k.name)
      expect(names.includes("AddropRowMask"), names.join(",")).toBe(tf.getBackend() === "wasm")
      // The JavaScript row kernel on the same scores and stream.
      const scores =
        strategy === "random"
          ? Draw.uniform(Key.fold(key, 1), values.length)
          : Float32Array.from(values, (x) => (strategy === "low" ? -x : x))
      const expected = RowKernel.sample(scores, keyMask, [b, h, l, l], 0.3, 0.4, {
        _tag: "Stream",
        key: Key.fold(key, 0)
      })
      const bits = Array.from(await result.data())
      expect(bits, strategy).toEqual(Array.from(expected))
      expect(bits.filter((x) => x === 1).length).toBeGreaterThan(1000)
      tf.dispose([attribution, mask, result])
    }
  })

  it("rejects a key mask of the wrong shape, leaving no tensor behind", () => {
    const before = tf.memory().numTensors
    const attribution = tf.zeros([1, 1, 3, 3]) as tf.Tensor4D
    const keyMask = tf.ones([1, 4]) as tf.Tensor2D
    expect(() =>
      Sampler.sample(attribution, keyMask, { p: 0.3, q: 0.3, strategy: "high" }, Key.make(0))
    ).toThrow(/does not match/)
    tf.dispose([attribution, keyMask])
    expect(tf.memory().numTensors).toBe(before)
  })
})

describe("RowKernel.entryKeys", () => {
  it("gives each batch entry's real positions in order and k = ⌊n·(1−p)⌋", () => {
    const entries = RowKernel.entryKeys(keyMaskValues, 3, 7, 0.3)
    expect(entries.map((e) => Array.from(e.real))).toEqual([[0, 1, 2, 3, 4, 5, 6], [0, 2, 3, 6], [4]])
    expect(entries.map((e) => e.k)).toEqual([4, 2, 0])
    // p = 0: k = n, no candidates in any entry.
    expect(RowKernel.entryKeys(keyMaskValues, 3, 7, 0).map((e) => e.k)).toEqual([7, 4, 1])
  })
})

describe("RowKernel.sample", () => {
  const golden = loadGolden("tiny-bert-cls")
  it.each(golden.masks.map((c, i) => [i, c] as const))("golden case %i from the given draws", (_, c) => {
    const ga = golden.ga[c.layer]!
    const scores = Float32Array.from(tensorValues(ga), (x) => (c.strategy === "low" ? -x : x))
    const dropped = RowKernel.sample(
      scores,
      golden.inputs.attention_mask.flat(),
      ga.shape as [number, number, number, number],
      c.p,
      c.q,
      { _tag: "Values", values: Float32Array.from(tensorValues(c.uniforms)) }
    )
    expect(Array.from(dropped)).toEqual(c.dropped.data)
  })

  it("NaN scores are never candidates and order after every number", () => {
    // One row of 5 real keys, k = ⌊5·0.6⌋ = 3: the threshold is the 4th smallest, counting NaN last.
    const row = Float32Array.of(0.5, Number.NaN, 0.1, 0.9, 0.3)
    const all = { _tag: "Values", values: new Float32Array(5) } as const // every draw 0 < q: drop every candidate
    expect(Array.from(RowKernel.sample(row, [1, 1, 1, 1, 1], [1, 1, 1, 5], 0.4, 0.5, all))).toEqual([
      0, 0, 0, 1, 0
    ])
    // k = ⌊5·0.9⌋ = 4 falls on the NaN: no candidates.
    expect(Array.from(RowKernel.sample(row, [1, 1, 1, 1, 1], [1, 1, 1, 5], 0.1, 0.5, all))).toEqual([
      0, 0, 0, 0, 0
    ])
  })
})
