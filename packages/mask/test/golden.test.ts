import { describeBackends, statuses } from "@addrop/conformance"
import { loadGolden, tensorValues } from "@addrop/fixtures"
import * as tf from "@tensorflow/tfjs-core"
import { expect, it } from "vitest"
import { Mask } from "../src/index.js"

const backends = await statuses()
const golden = loadGolden("tiny-bert-cls")

describeBackends("masks vs PyTorch (given the same attribution and uniform draws)", backends, () => {
  it.each(golden.masks.map((c, i) => [i, c] as const))("case %i matches exactly", async (_, c) => {
    const ga = golden.ga[c.layer]!
    const shape = ga.shape as [number, number, number, number]
    const attribution = tf.tensor4d(tensorValues(ga), shape)
    const keyMask = tf.tensor2d(golden.inputs.attention_mask.flat(), [shape[0], shape[3]], "int32")
    const uniforms = tf.tensor4d(tensorValues(c.uniforms), shape)
    const options = { p: c.p, q: c.q, strategy: c.strategy }
    const region = Mask.candidates(
      options.strategy === "low" ? tf.neg(attribution) : attribution,
      keyMask,
      c.p
    )
    expect(Array.from(await region.data())).toEqual(c.candidates.data)
    const dropped = Mask.sample(attribution, keyMask, options, { drop: uniforms })
    expect(Array.from(await dropped.data())).toEqual(c.dropped.data)
    tf.dispose([attribution, keyMask, uniforms, region, dropped])
  })
})
