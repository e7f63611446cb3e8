import { describeBackends, statuses } from "@addrop/conformance"
import { Key } from "@addrop/random"
import * as tf from "@tensorflow/tfjs-core"
import { Effect, type Layer } from "effect"
import { afterAll, expect, it } from "vitest"
import { AttributionMethod, Method } from "../src/index.js"
import { makeToyModel, toyBatch } from "./toyModel.js"

const backends = await statuses()

describeBackends("AttributionMethod: one service, a layer per method", backends, () => {
  const model = makeToyModel({ layers: 3, heads: 2, width: 4, vocab: 8, classes: 3 })
  const batch = toyBatch()
  afterAll(() => model.dispose())

  const attributed = <E>(layer: Layer.Layer<AttributionMethod.AttributionMethod, E>) =>
    AttributionMethod.attribute(model, batch, { layers: [0, 2], key: Key.make(1) }).pipe(
      Effect.provide(layer)
    )
  const viaLayer = <E>(layer: Layer.Layer<AttributionMethod.AttributionMethod, E>) =>
    Effect.runPromise(attributed(layer))
  const values = async (result: { maps: ReadonlyMap<number, tf.Tensor>; logits: tf.Tensor }) => {
    const out = {
      layers: [...result.maps.keys()],
      maps: await Promise.all([...result.maps.values()].map(async (m) => Array.from(await m.data()))),
      logits: Array.from(await result.logits.data())
    }
    tf.dispose([...result.maps.values(), result.logits])
    return out
  }

  it.each([
    ["ga", AttributionMethod.layerGa, {}],
    ["aa", AttributionMethod.layerAa, {}],
    ["rd", AttributionMethod.layerRd, {}],
    ["loss", AttributionMethod.layerLoss, {}],
    ["iga", AttributionMethod.layerIga({ steps: 3 }), { steps: 3 }]
  ] as const)("layer %s computes exactly what Method.attribute computes", async (method, layer, settings) => {
    const expected = await values(
      await Effect.runPromise(
        Method.attribute(model, batch, { method, layers: [0, 2], key: Key.make(1), ...settings })
      )
    )
    const before = tf.memory().numTensors
    const actual = await values(await viaLayer(layer))
    expect(actual).toEqual(expected)
    expect(tf.memory().numTensors).toBe(before)
  })

  it("the methods differ: swapping the layer swaps what is computed", async () => {
    const ga = await values(await viaLayer(AttributionMethod.layerGa))
    const iga = await values(await viaLayer(AttributionMethod.layerIga({ steps: 3 })))
    expect(iga.maps).not.toEqual(ga.maps)
    expect(iga.logits).toEqual(ga.logits)
  })

  it("names its method and rejects bad settings when the layer is built", async () => {
    const name = await Effect.runPromise(
      AttributionMethod.AttributionMethod.useSync((m) => m.method).pipe(
        Effect.provide(AttributionMethod.layerGold)
      )
    )
    expect(name).toBe("gold")
    const error = await Effect.runPromise(Effect.flip(attributed(AttributionMethod.layerIga({ steps: 0 }))))
    expect(error).toMatchObject({
      _tag: "InvalidAttributionRequest",
      reason: expect.stringMatching(/steps ≥ 1, got 0/)
    })
  })

  it("a backward pass through a kernel without a gradient fails with MissingGradient naming it", async () => {
    // tfjs has no gradient for Cumprod on any backend: the logits' cumulative product stops the GA pass.
    const cumulative = {
      ...model,
      forward: (b: typeof batch, run: Parameters<typeof model.forward>[1]) => ({
        logits: tf.tidy(() => tf.cumprod(model.forward(b, run).logits, 1))
      })
    }
    const before = tf.memory().numTensors
    const error = await Effect.runPromise(
      Effect.flip(
        AttributionMethod.attribute(cumulative, batch, { layers: [0, 2] }).pipe(
          Effect.provide(AttributionMethod.layerGa)
        )
      )
    )
    expect(error).toMatchObject({ _tag: "MissingGradient", kernel: "Cumprod" })
    // The attention weights need no backward pass.
    const aa = await viaLayer(AttributionMethod.layerAa)
    tf.dispose([...aa.maps.values(), aa.logits])
    expect(tf.memory().numTensors).toBe(before)
  })
})
