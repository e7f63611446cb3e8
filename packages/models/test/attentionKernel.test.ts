import { AttentionKernel, selfAttention } from "@addrop/attention"
import { describeBackends, statuses } from "@addrop/conformance"
import { Key } from "@addrop/random"
import { Effect } from "effect"
import { expect, it } from "vitest"
import { Model, Presets } from "../src/index.js"
import { disposeBatch, randomBatch } from "./helpers.js"

const backends = await statuses()
const config = { ...Presets.tiny, vocabSize: 30, hiddenSize: 16, intermediateSize: 32 }
const options = { task: "classification", numLabels: 2, key: Key.make(4) } as const

describeBackends("Model.makeWith: the attention kernel from the AttentionKernel service", backends, () => {
  it("every layer runs the provided kernel, and the default layer computes what make computes", async () => {
    const calls: Array<number> = []
    const counting: AttentionKernel.Kernel = (q, k, v, o) => {
      calls.push(o.heads)
      return selfAttention(q, k, v, o)
    }
    const counted = await Effect.runPromise(
      Model.makeWith(config, options).pipe(Effect.provide(AttentionKernel.layer("counting", counting)))
    )
    const viaDefault = await Effect.runPromise(
      Model.makeWith(config, options).pipe(Effect.provide(AttentionKernel.layerTfjs))
    )
    const plain = Model.makeUnsafe(config, options)
    const batch = randomBatch(2, 6, 30, 9)
    const logits = async (model: Model.Model) => {
      const out = model.forward(batch, { training: false }).logits
      const values = Array.from(await out.data())
      out.dispose()
      return values
    }
    const expected = await logits(plain)
    expect(await logits(viaDefault)).toEqual(expected)
    expect(await logits(counted)).toEqual(expected)
    expect(calls).toEqual([2, 2])
    disposeBatch(batch)
    for (const model of [counted, viaDefault, plain]) model.dispose()
  })
})
