import os from "node:os"
import { fileURLToPath } from "node:url"
import * as tf from "@tensorflow/tfjs-core"
import { Effect, Exit, type Scope } from "effect"
import { runChild } from "./runChild.js"
import { describe, expect, it } from "vitest"
import { Runtime, TensorBackend, Tensors } from "../src/index.js"

const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) => Effect.runPromise(Effect.scoped(effect))
const failure = async <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) => {
  const exit = await Effect.runPromiseExit(Effect.scoped(effect))
  const reason = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
  return reason !== undefined && "error" in reason
    ? (reason.error as { _tag: string; reason?: string; message: string })
    : undefined
}

/** A 96×80 · 80×72 product of seeded values, read back as plain numbers. */
const product = (): Array<number> =>
  tf.tidy(() => {
    const a = tf.randomUniform([96, 80], -1, 1, "float32", 7)
    const b = tf.randomUniform([80, 72], -1, 1, "float32", 8)
    return Array.from(tf.matMul(a, b).dataSync())
  })

const onWasm = (threads: number | "auto" | undefined) =>
  run(
    Effect.gen(function* () {
      const backend = yield* TensorBackend.make("wasm", threads === undefined ? {} : { threads })
      const before = Tensors.count()
      const values = product()
      return { backend, values, leaked: Tensors.count() - before }
    })
  )

describe.skipIf(Runtime.current === "browser")("threaded wasm under Node, Bun and Deno", () => {
  it("starts a pool of the requested threads and computes what one thread computes", async () => {
    const single = await onWasm(undefined)
    const threaded = await onWasm(2)
    expect(single.backend.threads).toBe(1)
    expect(threaded.backend.threads).toBe(2)
    expect(threaded.backend.name).toBe("wasm")
    // XNNPACK splits the output into tiles per thread; each element is the same dot product.
    expect(threaded.values).toEqual(single.values)
    expect(threaded.leaked).toBe(0)
  })

  it("restores Blob, URL.createObjectURL and os.cpus once started, and is single-threaded after its scope", async () => {
    const blob = globalThis.Blob
    const createObjectURL = URL.createObjectURL
    const cpus = os.cpus().length
    const during = await run(
      Effect.gen(function* () {
        yield* TensorBackend.make("wasm", { threads: 2 })
        return {
          blob: globalThis.Blob === blob,
          url: URL.createObjectURL === createObjectURL,
          cpus: os.cpus().length
        }
      })
    )
    expect(during).toEqual({ blob: true, url: true, cpus })
    const after = await onWasm(undefined)
    expect(after.backend.threads).toBe(1)
  })

  it('"auto" uses every core the machine has (at most tfjs\' 8)', async () => {
    const { backend } = await onWasm("auto")
    const cores = os.availableParallelism?.() ?? os.cpus().length
    expect(backend.threads).toBe(Math.min(cores, 8))
  })

  it("thread counts tfjs cannot run fail with BackendUnavailable and the reason", async () => {
    const tooMany = await failure(TensorBackend.make("wasm", { threads: 9 }))
    expect(tooMany?._tag).toBe("BackendUnavailable")
    expect(tooMany?.reason).toBe("tfjs' wasm build runs at most 8 threads, 9 were requested")
    for (const threads of [0, 1.5]) {
      const bad = await failure(TensorBackend.make("wasm", { threads }))
      expect(bad?._tag).toBe("BackendUnavailable")
      expect(bad?.reason).toContain("positive integer")
    }
  })
})

const fixture = fileURLToPath(new URL("./fixtures/threaded-child.ts", import.meta.url))

describe.skipIf(Runtime.current === "browser")("a process using threaded wasm", () => {
  it("exits by itself once the backend's scope closes (the pool is terminated)", async () => {
    const { code, stdout, stderr } = await runChild(fixture, [], 90_000)
    expect(code, stderr).toBe(0)
    expect(JSON.parse(stdout.trim().split("\n").at(-1)!)).toEqual({ threads: 2, sum: 64 * 64 * 64 })
  })

  it("control: with the scope left open the pool keeps the process alive", async () => {
    const { code, stdout } = await runChild(fixture, ["keep"], 90_000, 5_000)
    // It computed (so it started), and was still running 5 s later when killed.
    expect(stdout).toContain('"threads":2')
    expect(code).toBeNull()
  })
})
