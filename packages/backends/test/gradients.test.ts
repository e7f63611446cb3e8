import { readFileSync } from "node:fs"
import * as tf from "@tensorflow/tfjs-core"
import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { generate, kernels as measured, target } from "../scripts/stockGradients.js"
import { Gradients, MissingGradient, TensorBackend } from "../src/index.js"

const onCpu = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.runPromiseExit(Effect.scoped(Effect.andThen(TensorBackend.make("cpu"), effect)))

/** A backward pass, its failures classified as Step and Method classify them. */
const backward = (f: (x: tf.Tensor) => tf.Tensor) =>
  Effect.try({
    try: () => {
      const g = tf.grad(f)(tf.tensor1d([0.5, -1]))
      return Array.from(g.dataSync())
    },
    catch: (cause) => Gradients.missingGradient(cause) ?? new Error(String(cause))
  })

describe("Gradients", () => {
  it("a backend layer registers the measured kernels' gradients, AD-Drop's overrides, and nothing else", async () => {
    const exit = await onCpu(Effect.sync(() => Gradients.kernels.filter((k) => !Gradients.has(k))))
    expect(exit).toEqual(Exit.succeed([]))
    expect([...Gradients.kernels].sort()).toEqual([...measured, "BatchMatMul"].sort())
    expect(tf.getGradient("BatchMatMul")).toBe(Gradients.overrides[0])
    // The @tensorflow/tfjs bundle (which registers every stock gradient) was not loaded.
    for (const kernel of ["Exp", "Log", "Cumprod", "Conv2D"]) expect(Gradients.has(kernel)).toBe(false)
  })

  it("the stock configs differentiate as tfjs' do: d/dx sum(tanh(x) * x / 2) = (tanh'(x) x + tanh x) / 2", async () => {
    const exit = await onCpu(backward((x) => tf.sum(tf.div(tf.mul(tf.tanh(x), x), 2))))
    const expected = [0.5, -1].map((x) => ((1 - Math.tanh(x) ** 2) * x + Math.tanh(x)) / 2)
    expect(Exit.isSuccess(exit)).toBe(true)
    // float32 arithmetic over a handful of ops: 5e-6 is ~40 ulps at these magnitudes (< 1).
    const got = Exit.isSuccess(exit) ? exit.value : []
    for (const [i, g] of got.entries()) expect(g).toBeCloseTo(expected[i]!, 5)
  })

  it("a backward pass through a kernel without a gradient fails with MissingGradient naming the kernel", async () => {
    const exit = await onCpu(backward((x) => tf.sum(tf.exp(x))))
    expect(exit).toEqual(Exit.fail(new MissingGradient({ kernel: "Exp" })))
    expect(Gradients.missingGradient(new Error("something else"))).toBeUndefined()
  })

  it("src/internal/stockGradients.ts is what scripts/stockGradients.ts generates from the installed tfjs-core", async () => {
    expect(await generate()).toBe(readFileSync(target, "utf8"))
  })
})
