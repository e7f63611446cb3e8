import { AttributionMethod } from "@addrop/attribution"
import { TensorBackend } from "@addrop/backends"
import { MaskSampler } from "@addrop/mask"
import { Key } from "@addrop/random"
import * as tf from "@tensorflow/tfjs-core"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { Batch, Optimizer, Step } from "../src/index.js"
import { makeModel, syntheticData, useWasm } from "./helpers.js"

useWasm()

const { train } = syntheticData(64, 8)
const encoded = [...(train.batches(0) as Iterable<Batch.EncodedBatch>)][0]!
const config: Step.AdDropConfig = {
  method: "ga",
  layers: [0, 1],
  mask: { p: 0.5, q: 0.9, strategy: "high" },
  attributionMode: "train"
}
const common = { phase: "addrop" as const, learningRate: 1e-3, maxGradNorm: 1, root: Key.make(3), step: 5 }

/** One step of a fresh model; returns its loss and the classifier weight after the update. */
const oneStep = async <E>(
  run: (model: ReturnType<typeof makeModel>, batch: Batch.TensorBatch) => Effect.Effect<Step.StepResult, E>
) => {
  const model = makeModel()
  const batch = Batch.toTensors(encoded, model.task)
  const result = await Effect.runPromise(run(model, batch))
  const weight = Array.from(await model.parameters.get("classifier.weight")!.data())
  Batch.dispose(batch)
  Optimizer.dispose(result.state)
  model.dispose()
  return { loss: result.loss, weight }
}

const withServices = (services: Layer.Layer<Step.StepServices, unknown>) =>
  oneStep((model, batch) =>
    Step.trainWith(model, Optimizer.init(model.parameters), batch.inputs, batch.labels, {
      ...common,
      adDrop: { layers: config.layers, attributionMode: config.attributionMode }
    }).pipe(Effect.provide(Layer.merge(services, TensorBackend.layerWasm())))
  )

describe("Step.trainWith: a step composed from services", () => {
  it("with the layers an options object names, it is exactly Step.train with those options", async () => {
    const composed = await withServices(Step.layerFromConfig(config, Optimizer.defaults))
    const byOptions = await oneStep((model, batch) =>
      Step.train(model, Optimizer.init(model.parameters), batch.inputs, batch.labels, {
        ...common,
        adamw: Optimizer.defaults,
        adDrop: config
      })
    )
    expect(composed).toEqual(byOptions)
  })

  it("swapping the mask sampler's layer swaps the strategy: low drops other keys than high", async () => {
    const base = Layer.mergeAll(AttributionMethod.layerGa, Optimizer.layerAdamW())
    const high = await withServices(Layer.merge(base, MaskSampler.layerHigh({ p: 0.5, q: 0.9 })))
    const low = await withServices(Layer.merge(base, MaskSampler.layerLow({ p: 0.5, q: 0.9 })))
    const lowAgain = await withServices(Layer.merge(base, MaskSampler.layerLow({ p: 0.5, q: 0.9 })))
    expect(low.loss).not.toBe(high.loss)
    expect(lowAgain).toEqual(low)
  })

  it("swapping the optimizer's layer swaps its settings: AdamW's weight decay changes the update, not the loss", async () => {
    const base = Layer.mergeAll(
      AttributionMethod.layerIga({ steps: 2 }),
      MaskSampler.layerHigh({ p: 0.5, q: 0.9 })
    )
    const strongDecay = await withServices(
      Layer.merge(base, Optimizer.layerAdamW({ ...Optimizer.defaults, weightDecay: 0.5 }))
    )
    const noDecay = await withServices(
      Layer.merge(base, Optimizer.layerAdamW({ ...Optimizer.defaults, weightDecay: 0 }))
    )
    // Same loss (the update comes after it), different parameters afterwards.
    expect(strongDecay.loss).toBe(noDecay.loss)
    expect(strongDecay.weight).not.toEqual(noDecay.weight)
  })

  it("bad layer settings fail in the error channel when the layers are built", async () => {
    const model = makeModel()
    const batch = Batch.toTensors(encoded, model.task)
    const state = Optimizer.init(model.parameters)
    const attempt = (services: Layer.Layer<Step.StepServices, unknown>) =>
      Effect.runPromise(
        Effect.flip(
          Step.trainWith(model, state, batch.inputs, batch.labels, {
            ...common,
            adDrop: { layers: [0], attributionMode: "eval" }
          }).pipe(Effect.provide(Layer.merge(services, TensorBackend.layerWasm())))
        )
      )
    const before = tf.memory().numTensors
    const badQ = await attempt(
      Layer.mergeAll(
        AttributionMethod.layerGa,
        MaskSampler.layerLow({ p: 0.3, q: 1.5 }),
        Optimizer.layerAdamW()
      )
    )
    expect(badQ).toMatchObject({ _tag: "InvalidMaskOption", option: "q" })
    const badSteps = await attempt(
      Layer.mergeAll(
        AttributionMethod.layerIga({ steps: 0 }),
        MaskSampler.layerLow({ p: 0.3, q: 0.3 }),
        Optimizer.layerAdamW()
      )
    )
    expect(badSteps).toMatchObject({ _tag: "InvalidAttributionRequest" })
    expect(tf.memory().numTensors).toBe(before)
    Optimizer.dispose(state)
    Batch.dispose(batch)
    model.dispose()
  })
})

describe("Optimizer.layerAdamW", () => {
  it("binds its configuration to the pure update", async () => {
    const config = { ...Optimizer.defaults, weightDecay: 0.3 }
    const run = async (
      update: (s: Optimizer.AdamWState, p: ReadonlyMap<string, tf.Variable>) => Optimizer.AdamWState
    ) => {
      const p = new Map([["w", tf.variable(tf.tensor1d([1, -2, 3]))]])
      const s = update(Optimizer.init(p), p)
      const out = Array.from(await p.get("w")!.data())
      Optimizer.dispose(s)
      tf.dispose([...p.values()])
      return { out, step: s.step }
    }
    const grads = () => ({ w: tf.tensor1d([0.5, 0.5, -1]) })
    const service = await Effect.runPromise(
      Effect.provide(
        Optimizer.Optimizer.useSync((s) => s),
        Optimizer.layerAdamW(config)
      )
    )
    const viaService = await run((s, p) => service.update(s, grads(), p, 0.1))
    const viaFunction = await run((s, p) => Optimizer.update(s, grads(), p, 0.1, config))
    expect(viaService).toEqual(viaFunction)
    expect(viaService.step).toBe(1)
  })
})
