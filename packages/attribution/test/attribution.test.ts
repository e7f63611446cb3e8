import { describeBackends, expectAllClose, statuses } from "@addrop/conformance"
import { Key } from "@addrop/random"
import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"
import { afterAll, describe, expect, it, vi } from "vitest"
import { Attribution, Method, Target } from "../src/index.js"
import { makeToyModel, toyBatch } from "./toyModel.js"

const backends = await statuses()

describeBackends("attribution on a toy attention model", backends, () => {
  const model = makeToyModel({ layers: 3, heads: 2, width: 4, vocab: 8, classes: 3 })
  const batch = toyBatch()
  const shape = model.attentionShape(batch)
  const forward: Attribution.Forward = (interventions) =>
    model.forward(batch, { training: false, interventions }).logits
  afterAll(() => model.dispose())

  it("GA equals central finite differences of F with respect to each layer's attention probabilities", async () => {
    const { maps, logits } = Attribution.gradient({
      forward,
      layers: [0, 1, 2],
      shape,
      target: Target.pseudoLabel
    })
    const pseudo = Array.from(await tf.argMax(logits, 1).data())
    // F with the pseudo labels held fixed, as a function of a perturbation of one layer's probabilities.
    const F = async (layer: number, perturbation: tf.Tensor4D) => {
      const out = tf.tidy(() => {
        const l = forward(
          new Map([[layer, { mapProbs: (p: tf.Tensor4D) => tf.add(p, perturbation) as tf.Tensor4D }]])
        )
        return tf.sum(tf.mul(l, tf.oneHot(tf.tensor1d(pseudo, "int32"), 3)))
      })
      const [v] = await out.data()
      out.dispose()
      return v!
    }
    const h = 1e-2
    const size = shape.reduce((a, b) => a * b, 1)
    for (const layer of [0, 1, 2]) {
      const ga = await maps.get(layer)!.data()
      // Spot-check 12 entries per layer (every entry would take 2·400 forwards per layer).
      for (let s = 0; s < 12; s++) {
        const index = (s * 37 + layer * 11) % size
        const e = new Float32Array(size)
        e[index] = h
        const plus = tf.tensor4d(e, [...shape])
        const minus = tf.neg(plus) as tf.Tensor4D
        const fd = ((await F(layer, plus)) - (await F(layer, minus))) / (2 * h)
        tf.dispose([plus, minus])
        expect(
          Math.abs(ga[index]! - fd),
          `layer ${layer} index ${index}: GA ${ga[index]} vs FD ${fd}`
        ).toBeLessThan(5e-3 + 1e-2 * Math.abs(fd))
      }
    }
    tf.dispose([logits, ...maps.values()])
  })

  it("all requested layers come from one backward pass", () => {
    const gradients = vi.spyOn(tf.engine(), "gradients")
    const { maps, logits } = Attribution.gradient({
      forward,
      layers: [0, 1, 2],
      shape,
      target: Target.pseudoLabel
    })
    expect(gradients).toHaveBeenCalledTimes(1)
    gradients.mockRestore()
    tf.dispose([logits, ...maps.values()])
  })

  it("gold-label GA equals GA when the gold labels are the pseudo labels", async () => {
    const ga = Attribution.gradient({ forward, layers: [1], shape, target: Target.pseudoLabel })
    const pseudo = tf.argMax(ga.logits, 1) as tf.Tensor1D
    const gold = Attribution.gradient({ forward, layers: [1], shape, target: Target.goldLabel(pseudo) })
    await expectAllClose(gold.maps.get(1)!, ga.maps.get(1)!, { rtol: 1e-6, atol: 1e-7 })
    tf.dispose([pseudo, ga.logits, gold.logits, ...ga.maps.values(), ...gold.maps.values()])
  })

  it("AA returns the attention probabilities, rows summing to 1 over real keys", async () => {
    const { maps, logits } = Attribution.attentionWeights(forward, [0, 2])
    expect([...maps.keys()]).toEqual([0, 2])
    const rows = await tf.sum(maps.get(2)!, 3).data()
    for (const r of rows) expect(r).toBeCloseTo(1, 5)
    const probs = await maps.get(0)!.data()
    // Example 1's pads (keys 3, 4) get zero probability.
    for (let i = 0; i < 2 * 5; i++) expect(probs[2 * 5 * 5 + i * 5 + 3]).toBe(0)
    tf.dispose([logits, ...maps.values()])
  })

  it("IGA with m steps equals A/m ⊙ Σ ∂F/∂A′ at the scaled maps (completeness: sums near F(A) − F(0))", async () => {
    const base = Attribution.attentionWeights(forward, [1])
    const pseudo = tf.argMax(base.logits, 1) as tf.Tensor1D
    const target = Target.goldLabel(pseudo)
    const iga = Attribution.integratedGradients({
      forward,
      layers: [1],
      shape,
      target,
      attentions: base.maps,
      steps: 50
    })
    // Integrated gradients' completeness axiom: Σ IGA ≈ F(A) − F(0·A) for the replaced layer.
    const F = (scale: number) =>
      tf.tidy(() =>
        target(forward(new Map([[1, { mapProbs: () => tf.mul(base.maps.get(1)!, scale) as tf.Tensor4D }]])))
      )
    const total = (await tf.sum(iga.get(1)!).data())[0]!
    const delta = (await F(1).data())[0]! - (await F(0).data())[0]!
    expect(Math.abs(total - delta)).toBeLessThan(2e-2 * Math.max(1, Math.abs(delta)))
    tf.dispose([pseudo, base.logits, ...base.maps.values(), ...iga.values()])
  })

  it("no tensors leak across repeated attributions", () => {
    const run = () => {
      const r = Attribution.gradient({ forward, layers: [0, 2], shape, target: Target.pseudoLabel })
      tf.dispose([r.logits, ...r.maps.values()])
    }
    run()
    const before = tf.memory().numTensors
    for (let i = 0; i < 5; i++) run()
    expect(tf.memory().numTensors).toBe(before)
  })

  it("Method.attribute dispatches every method and validates requests", async () => {
    for (const method of Method.methods) {
      const options = {
        method,
        layers: [0, 1],
        key: Key.make(1),
        steps: 3,
        labels: tf.tensor1d([0, 2], "int32")
      }
      const { maps, logits } = await Effect.runPromise(Method.attribute(model, batch, options))
      expect([...maps.keys()], method).toEqual([0, 1])
      for (const map of maps.values()) expect(map.shape).toEqual([...shape])
      tf.dispose([logits, ...maps.values(), options.labels])
    }
    const bad = await Effect.runPromise(
      Effect.flip(Method.attribute(model, batch, { method: "ga", layers: [3] }))
    )
    expect(bad.message).toContain("layers 0..2")
    const noLabels = await Effect.runPromise(
      Effect.flip(Method.attribute(model, batch, { method: "gold", layers: [0] }))
    )
    expect(noLabels.message).toContain("labels")
  })

  it("Method.attribute fails with a tagged InvalidAttributionRequest instead of throwing", async () => {
    const flip = (m: Method.AttributableModel<typeof batch>, options: Method.AttributeOptions) =>
      Effect.runPromise(Effect.flip(Method.attribute(m, batch, options)))
    const steps = await flip(model, { method: "iga", layers: [0], steps: 0 })
    expect(steps).toMatchObject({
      _tag: "InvalidAttributionRequest",
      reason: expect.stringContaining("steps ≥ 1, got 0")
    })
    const noKey = await flip(model, { method: "rd", layers: [0] })
    expect(noKey).toMatchObject({ _tag: "InvalidAttributionRequest", reason: 'method "rd" needs a key' })
    // Gold labels for 3 examples on a batch of 2: the target's tensor ops throw, the Effect fails.
    const labels = tf.tensor1d([0, 1, 2], "int32")
    const mismatch = await flip(model, { method: "gold", layers: [0], labels })
    labels.dispose()
    expect(mismatch._tag).toBe("InvalidAttributionRequest")
    expect(mismatch.cause).toBeInstanceOf(Error)
    // What the model throws (e.g. its InvalidInput for a bad batch) is kept as the cause.
    const rejected = new RangeError("the model rejects this batch")
    const rejecting: Method.AttributableModel<typeof batch> = {
      numLayers: model.numLayers,
      task: model.task,
      attentionShape: (b) => model.attentionShape(b),
      forward: () => {
        throw rejected
      }
    }
    const error = await flip(rejecting, { method: "ga", layers: [0] })
    expect(error).toMatchObject({ _tag: "InvalidAttributionRequest", reason: rejected.message })
    expect(error.cause).toBe(rejected)
  })
})

describe("targets for regression", () => {
  it("ga attributes −MSE against given targets, and the prediction itself without targets", async () => {
    const predictions = tf.tensor1d([0.5, 2])
    expect((await Target.prediction(predictions).data())[0]).toBeCloseTo(2.5, 6)
    const negativeMse = await Target.regression(tf.tensor1d([1, 1]))(predictions).data()
    expect(negativeMse[0]).toBeCloseTo(-(0.25 + 1) / 2, 6)
  })
})
