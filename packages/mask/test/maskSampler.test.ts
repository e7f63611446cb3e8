import { describeBackends, seededValues, statuses } from "@addrop/conformance"
import { Key } from "@addrop/random"
import * as tf from "@tensorflow/tfjs-core"
import { Effect, type Layer } from "effect"
import { expect, it } from "vitest"
import { MaskSampler, Sampler } from "../src/index.js"

const shape = [2, 2, 5, 5] as const
const keyMaskValues = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]

const sampleWith = (layer: Layer.Layer<MaskSampler.MaskSampler, unknown>) =>
  Effect.runPromise(
    MaskSampler.MaskSampler.useSync((sampler) =>
      tf.tidy(() =>
        sampler.sample(
          tf.tensor4d(seededValues(100, 4), [...shape]),
          tf.tensor2d(keyMaskValues, [2, 5], "int32"),
          Key.make(9)
        )
      )
    ).pipe(Effect.provide(layer))
  )

const backends = await statuses()

describeBackends("MaskSampler: one service, a layer per strategy", backends, () => {
  it.each([
    ["high", MaskSampler.layerHigh],
    ["low", MaskSampler.layerLow],
    ["random", MaskSampler.layerRandom]
  ] as const)("layer %s samples exactly what Sampler.sample samples", async (strategy, layer) => {
    const expected = tf.tidy(() =>
      Sampler.sample(
        tf.tensor4d(seededValues(100, 4), [...shape]),
        tf.tensor2d(keyMaskValues, [2, 5], "int32"),
        { p: 0.5, q: 0.8, strategy },
        Key.make(9)
      )
    )
    const actual = await sampleWith(layer({ p: 0.5, q: 0.8 }))
    expect(Array.from(await actual.data())).toEqual(Array.from(await expected.data()))
    tf.dispose([actual, expected])
  })

  it("the strategies drop different keys", async () => {
    const high = await sampleWith(MaskSampler.layerHigh({ p: 0.5, q: 1 }))
    const low = await sampleWith(MaskSampler.layerLow({ p: 0.5, q: 1 }))
    expect(Array.from(await high.data())).not.toEqual(Array.from(await low.data()))
    tf.dispose([high, low])
  })

  it("p, q and the strategy are validated when the layer is built", async () => {
    const fails = (layer: Layer.Layer<MaskSampler.MaskSampler, unknown>) =>
      Effect.runPromise(
        Effect.flip(MaskSampler.MaskSampler.useSync((s) => s.options).pipe(Effect.provide(layer)))
      )
    expect(await fails(MaskSampler.layerLow({ p: 1.2, q: 0.3 }))).toMatchObject({
      _tag: "InvalidMaskOption",
      option: "p"
    })
    expect(await fails(MaskSampler.layerHigh({ p: 0.3, q: Number.NaN }))).toMatchObject({ option: "q" })
    expect(await fails(MaskSampler.layer({ p: 0.3, q: 0.3, strategy: "middle" }))).toMatchObject({
      option: "strategy"
    })
  })
})
