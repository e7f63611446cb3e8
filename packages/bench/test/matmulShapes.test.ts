/**
 * Every matrix product of a training step, as the kernels see it: recorded at the engine (`runKernel`, which
 * every op and gradient goes through, so kernels a backend installs later are seen too) during the forward
 * and backward of a plain and an AD-Drop step of the tiny model. Each product must cover the whole batch in
 * one GEMM — the dense layers on the `[B·L, ·]` rows, the attention products on `[B, H, ·, ·]` — so the call
 * count does not grow with the batch; and none may ask for a transposed operand, which tfjs-backend-wasm
 * runs as a scalar loop instead of XNNPACK's GEMM.
 */
import { TensorBackend } from "@addrop/backends"
import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"
import { expect, it } from "vitest"
import { type BenchCase, StepBench } from "../src/index.js"

interface Product {
  readonly kernel: string
  readonly a: ReadonlyArray<number>
  readonly b: ReadonlyArray<number>
  readonly transposeA: boolean
  readonly transposeB: boolean
}

const PRODUCT_KERNELS = new Set<string>([tf.BatchMatMul, tf._FusedMatMul])
const SEQ = 8
const HEADS = 2 // the tiny preset's

/** The products of one step of `kind` (after a warm-up step that installs the backend's kernels). */
const recordStep = (backend: "cpu" | "wasm", batch: number, kind: BenchCase.StepKind) =>
  Effect.gen(function* () {
    const spec = { preset: "tiny", backend, batch, seq: SEQ, warmup: 0, steps: 1, vocabSize: 64 } as const
    yield* StepBench.measureTimes(spec, [kind], { breakdownSamples: 0 })
    const products: Array<Product> = []
    const engine = tf.engine()
    const runKernel = engine.runKernel
    engine.runKernel = function (this: ReturnType<typeof tf.engine>, name, inputs, attrs) {
      if (PRODUCT_KERNELS.has(name)) {
        const { a, b } = inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo }
        const flags = attrs as unknown as { transposeA?: boolean; transposeB?: boolean }
        products.push({
          kernel: name,
          a: a.shape,
          b: b.shape,
          transposeA: flags.transposeA === true,
          transposeB: flags.transposeB === true
        })
      }
      return runKernel.call(this, name, inputs, attrs)
    } as typeof runKernel
    yield* Effect.ensuring(
      StepBench.measureTimes(spec, [kind], { breakdownSamples: 0 }),
      Effect.sync(() => {
        engine.runKernel = runKernel
      })
    )
    return products
  })

const describe = (p: Product) =>
  `${p.kernel} [${p.a}]${p.transposeA ? "ᵀ" : ""} × [${p.b}]${p.transposeB ? "ᵀ" : ""}`

for (const backend of ["cpu", "wasm"] as const) {
  for (const kind of [{ phase: "ft" }, { phase: "addrop", layers: "all" }] as const) {
    it(`${backend} ${kind.phase}: one un-transposed GEMM per product over the whole batch`, async () => {
      const [small, large] = await Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            yield* TensorBackend.make(backend)
            return [yield* recordStep(backend, 3, kind), yield* recordStep(backend, 5, kind)] as const
          })
        )
      )
      expect(small.length).toBeGreaterThan(0)
      // A per-example or per-head loop would make more products for a larger batch.
      expect(large.length, "products per step, batch 3 vs 5").toBe(small.length)
      const batch = 5
      for (const p of large) {
        expect(p.transposeA || p.transposeB, describe(p)).toBe(false)
        const dims = [...p.a, ...p.b]
        if (p.a.length === 4) {
          // Attention scores and context: the batch and every head in one batched product.
          expect(p.a.slice(0, 2), describe(p)).toEqual([batch, HEADS])
          expect(p.b.slice(0, 2), describe(p)).toEqual([batch, HEADS])
        } else {
          // Dense layers and their gradients: the rows of every token (B·L) or every example (B, the pooler
          // and classifier) in one product, as the rows or the summed inner axis.
          expect(p.a.length, describe(p)).toBe(2)
          expect(dims.includes(batch * SEQ) || dims.includes(batch), describe(p)).toBe(true)
        }
      }
    }, 120_000)
  }
}
