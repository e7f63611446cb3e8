import { describeBackends, seededValues, statuses } from "@addrop/conformance"
import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"
import { expect, it } from "vitest"
import { AttentionKernel, selfAttention } from "../src/index.js"

const backends = await statuses()
const projection = (seed: number) => tf.tensor3d(seededValues(2 * 4 * 6, seed), [2, 4, 6])

describeBackends("AttentionKernel", backends, () => {
  it("the default layer is the generic tfjs kernel the models use", async () => {
    const kernel = await Effect.runPromise(
      AttentionKernel.AttentionKernel.useSync((k) => k).pipe(Effect.provide(AttentionKernel.layerTfjs))
    )
    expect(kernel.name).toBe("tfjs")
    expect(kernel.selfAttention).toBe(selfAttention)
    const [q, k, v] = [projection(1), projection(2), projection(3)]
    const viaService = kernel.selfAttention(q, k, v, { heads: 2 })
    const direct = selfAttention(q, k, v, { heads: 2 })
    expect(Array.from(await viaService.context.data())).toEqual(Array.from(await direct.context.data()))
    tf.dispose([q, k, v, viaService.context, viaService.probs, direct.context, direct.probs])
  })

  it("another kernel is another layer: programs asking for the service get it", async () => {
    const calls: Array<number> = []
    const counting: AttentionKernel.Kernel = (q, k, v, options) => {
      calls.push(options.heads)
      return selfAttention(q, k, v, options)
    }
    const name = await Effect.runPromise(
      AttentionKernel.AttentionKernel.useSync((kernel) => {
        const [q, k, v] = [projection(4), projection(5), projection(6)]
        const out = kernel.selfAttention(q, k, v, { heads: 3 })
        tf.dispose([q, k, v, out.context, out.probs])
        return kernel.name
      }).pipe(Effect.provide(AttentionKernel.layer("counting", counting)))
    )
    expect(name).toBe("counting")
    expect(calls).toEqual([3])
  })
})
