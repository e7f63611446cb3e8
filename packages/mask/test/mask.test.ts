import { statuses, describeBackends, seededValues } from "@addrop/conformance"
import { Key } from "@addrop/random"
import * as tf from "@tensorflow/tfjs-core"
import { Effect, Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Mask, Options, Sampler, SettingsIssue } from "../src/index.js"
import { referenceCandidates } from "./reference.js"

const backends = await statuses()

const shape = [3, 2, 6, 6] as const
const size = shape.reduce((a, b) => a * b, 1)
// Real lengths 6, 4 and 1 (the last example is almost all padding).
const keyMaskValues = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0]
const keyMask = () => tf.tensor2d(keyMaskValues, [3, 6], "int32")

describeBackends("Mask.candidates", backends, () => {
  it("matches the loop reference for every p, with and without ties", async () => {
    const distinct = seededValues(size, 3)
    // Values rounded to 1 decimal: many ties within rows.
    const tied = distinct.map((v) => Math.round(v * 3) / 3)
    for (const values of [distinct, tied]) {
      for (const p of [0, 0.1, 0.15, 0.3, 0.5, 0.7, 0.99, 1]) {
        const scores = tf.tensor4d(values, [...shape])
        const mask = keyMask()
        const region = Mask.candidates(scores, mask, p)
        expect(Array.from(await region.data())).toEqual(
          Array.from(referenceCandidates(values, keyMaskValues, shape, p))
        )
        tf.dispose([scores, mask, region])
      }
    }
  })

  it("selects n − ⌊n(1−p)⌋ keys per row when scores are distinct, never pads", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 1000 }),
        async (p, seed) => {
          const scores = tf.tensor4d(seededValues(size, seed), [...shape])
          const mask = keyMask()
          const region = await Mask.candidates(scores, mask, p).data()
          const lengths = [6, 4, 1]
          for (let b = 0; b < 3; b++) {
            const n = lengths[b]!
            for (let r = 0; r < shape[1] * shape[2]; r++) {
              const row = (b * shape[1] * shape[2] + r) * 6
              let count = 0
              for (let j = 0; j < 6; j++) {
                if (keyMaskValues[b * 6 + j] === 0) expect(region[row + j]).toBe(0)
                count += region[row + j]!
              }
              expect(count).toBe(n - Math.floor(n * (1 - p)))
            }
          }
          tf.dispose([scores, mask])
        }
      ),
      { numRuns: 25 }
    )
  })
})

describeBackends("Mask.sample", backends, () => {
  it("drops only candidates, only where the draw is below q, never pads", async () => {
    const scores = tf.tensor4d(seededValues(size, 5), [...shape])
    const mask = keyMask()
    const uniforms = tf.tensor4d(
      seededValues(size, 6).map((v) => (v + 1) / 2),
      [...shape]
    )
    const options = { p: 0.5, q: 0.4, strategy: "high" as const }
    const dropped = await Mask.sample(scores, mask, options, { drop: uniforms }).data()
    const region = await Mask.candidates(scores, mask, 0.5).data()
    const u = await uniforms.data()
    for (let i = 0; i < size; i++) expect(dropped[i]).toBe(region[i] === 1 && u[i]! < 0.4 ? 1 : 0)
    tf.dispose([scores, mask, uniforms])
  })

  it("low drops the bottom of the ranking, random ranks by the region draws", async () => {
    const scores = tf.tensor4d(seededValues(size, 7), [...shape])
    const region = tf.tensor4d(seededValues(size, 8), [...shape])
    const mask = keyMask()
    const all = tf.zeros([...shape]) as tf.Tensor4D // every candidate is dropped when q = 1
    const low = await Mask.sample(scores, mask, { p: 0.3, q: 1, strategy: "low" }, { drop: all }).data()
    expect(Array.from(low)).toEqual(Array.from(await Mask.candidates(tf.neg(scores), mask, 0.3).data()))
    const random = await Mask.sample(
      scores,
      mask,
      { p: 0.3, q: 1, strategy: "random" },
      { drop: all, region }
    ).data()
    expect(Array.from(random)).toEqual(Array.from(await Mask.candidates(region, mask, 0.3).data()))
  })

  it("the drop rate over many draws tends to q among candidates", async () => {
    const big = [4, 4, 32, 32] as const
    const n = big.reduce((a, b) => a * b, 1)
    const scores = tf.tensor4d(seededValues(n, 9), [...big])
    const mask = tf.ones([4, 32], "int32") as tf.Tensor2D
    const options = { p: 0.3, q: 0.35, strategy: "high" as const }
    let dropped = 0
    let region = 0
    for (let s = 0; s < 8; s++) {
      const d = Sampler.sample(scores, mask, options, Key.foldAll(Key.make(1), [s]))
      dropped += (await tf.sum(d).data())[0]!
      d.dispose()
    }
    const c = Mask.candidates(scores, mask, 0.3)
    region = (await tf.sum(c).data())[0]! * 8
    // ~ 40k candidates: the standard error of the rate is ~0.0024.
    expect(Math.abs(dropped / region - 0.35)).toBeLessThan(0.01)
    tf.dispose([scores, mask, c])
  })

  it("is reproducible for a key, differs between keys, and leaks no tensors", async () => {
    const scores = tf.tensor4d(seededValues(size, 10), [...shape])
    const mask = keyMask()
    const options = { p: 0.4, q: 0.5, strategy: "random" as const }
    const before = tf.memory().numTensors
    const a = Sampler.sample(scores, mask, options, Key.make(3))
    const b = Sampler.sample(scores, mask, options, Key.make(3))
    const c = Sampler.sample(scores, mask, options, Key.make(4))
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()))
    expect(Array.from(await a.data())).not.toEqual(Array.from(await c.data()))
    tf.dispose([a, b, c])
    expect(tf.memory().numTensors).toBe(before)
  })

  it("toScoreBias puts the masked-score bias where dropped", async () => {
    const dropped = tf.tensor4d([1, 0, 0, 1], [1, 1, 2, 2])
    // 0·bias is −0 where kept, which adds to scores exactly like +0.
    expect(Array.from(await Mask.toScoreBias(dropped).data(), (v) => v + 0)).toEqual([-1e9, 0, 0, -1e9])
  })
})

describe("Options", () => {
  it("accepts p, q in [0,1] and the three strategies", () => {
    expect(Effect.runSync(Options.make({ p: 0, q: 1 }))).toEqual({ p: 0, q: 1, strategy: "high" })
    expect(Effect.runSync(Options.make({ p: 0.3, q: 0.3, strategy: "random" })).strategy).toBe("random")
  })
  it.each([
    [{ p: -0.1, q: 0.3 }, "p"],
    [{ p: 1.1, q: 0.3 }, "p"],
    [{ p: Number.NaN, q: 0.3 }, "p"],
    [{ p: 0.3, q: 2 }, "q"],
    [{ p: 0.3, q: Number.POSITIVE_INFINITY }, "q"],
    [{ p: 0.3, q: 0.3, strategy: "middle" }, "strategy"]
  ])("rejects %o with a typed error naming %s", (input, option) => {
    const error = Effect.runSync(Effect.flip(Options.make(input)))
    expect(error._tag).toBe("InvalidMaskOption")
    expect(error.option).toBe(option)
    expect(error.value).toBe((input as Record<string, unknown>)[option])
    expect(error.message).toContain(option)
  })
  it("validates layer indices against the model depth, naming the first bad one", () => {
    expect(Effect.runSync(Options.layers([3, 0, 3], 12))).toEqual([0, 3])
    for (const bad of [-1, 12, 1.5]) {
      const error = Effect.runSync(Effect.flip(Options.layers([0, bad, 13], 12)))
      expect(error).toMatchObject({ _tag: "InvalidLayer", layer: bad, numLayers: 12 })
      expect(error.message).toContain("0..11")
    }
  })
  it("MaskSettings composes into a larger settings schema", () => {
    const Settings = Schema.Struct({ mask: Options.MaskSettings, layers: Schema.Array(Schema.Int) })
    const decode = Schema.decodeUnknownSync(Settings)
    expect(decode({ mask: { p: 0.3, q: 0.1 }, layers: [0] }).mask).toEqual({
      p: 0.3,
      q: 0.1,
      strategy: "high"
    })
    expect(() => decode({ mask: { p: 0.3, q: 1.5 }, layers: [0] })).toThrow(/q/)
  })
})

describe("SettingsIssue.first", () => {
  const firstOf = (schema: Schema.Codec<unknown>, input: unknown) =>
    SettingsIssue.first(Effect.runSync(Effect.flip(Schema.decodeUnknownEffect(schema)(input))).issue, input)
  it("gives the path, the actual value and Schema's message of the first failed check", () => {
    const schema = Schema.Struct({ a: Schema.Int, b: Schema.Struct({ c: Schema.Array(Schema.Finite) }) })
    expect(firstOf(schema, { a: 1, b: { c: [1, Number.NaN] } })).toEqual({
      path: ["b", "c", 1],
      actual: Number.NaN,
      message: "Expected a finite number"
    })
    expect(firstOf(schema, { a: 1.5, b: { c: [Number.NaN] } })).toMatchObject({ path: ["a"], actual: 1.5 })
  })
  it("uses a check's message annotation, and an empty path when the input itself is bad", () => {
    const schema = Schema.Number.check(Schema.isGreaterThan(0, { message: "must be positive" }))
    expect(firstOf(schema, -1)).toEqual({ path: [], actual: -1, message: "must be positive" })
    expect(firstOf(Schema.Struct({ a: Schema.Int }), null)).toMatchObject({ path: [], actual: null })
  })
})
