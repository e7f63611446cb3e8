import { fileURLToPath } from "node:url"
import * as tf from "@tensorflow/tfjs-core"
import { Effect, Exit, type Scope } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { Runtime, TensorBackend } from "../src/index.js"
import { makeDrivers } from "../src/internal/drivers.js"
import { runChild } from "./runChild.js"

const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) => Effect.runPromise(Effect.scoped(effect))
const failure = async <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) => {
  const exit = await Effect.runPromiseExit(Effect.scoped(effect))
  expect(Exit.isFailure(exit)).toBe(true)
  const reason = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
  return reason !== undefined && "error" in reason
    ? (reason.error as { _tag: string; reason?: string; install?: string })
    : undefined
}

const dawnRuntime = Runtime.current === "node" || Runtime.current === "bun"
const navigatorGpu = () => (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu

describe.runIf(dawnRuntime)("webgpu driver under Node and Bun, with a stand-in `webgpu` package", () => {
  // The real Dawn may already be installed in this process (below): hide it, as a fresh process has none.
  const holder = (globalThis as { navigator?: object }).navigator as { gpu?: unknown } | undefined
  let real: PropertyDescriptor | undefined
  beforeEach(() => {
    real = holder === undefined ? undefined : Object.getOwnPropertyDescriptor(holder, "gpu")
    if (real !== undefined && holder !== undefined) delete holder.gpu
  })
  afterEach(() => {
    if (real !== undefined && holder !== undefined) Object.defineProperty(holder, "gpu", real)
  })

  const importing = (webgpu: () => unknown) => (specifier: string) =>
    specifier === "webgpu" ? Promise.resolve(webgpu()) : import(/* @vite-ignore */ specifier)

  it("without the package, fails with BackendUnavailable naming the install", async () => {
    expect(navigatorGpu()).toBeUndefined()
    const drivers = makeDrivers(
      importing(() => {
        const error = Object.assign(new Error("Cannot find package 'webgpu' imported from x.js"), {
          code: "ERR_MODULE_NOT_FOUND"
        })
        throw error
      })
    )
    const error = await failure(TensorBackend.acquireWith(drivers.webgpu))
    expect(error).toMatchObject({
      _tag: "BackendUnavailable",
      reason: "package webgpu is not installed",
      install: "npm install webgpu"
    })
  })

  it("with no adapter from any of Dawn's backends, fails with the attempts and installs nothing", async () => {
    const flags: Array<Array<string>> = []
    const drivers = makeDrivers(
      importing(() => ({
        globals: { GPUBufferUsage: {} },
        create: (f: Array<string>) => {
          flags.push(f)
          return { requestAdapter: async () => null }
        }
      }))
    )
    const error = await failure(TensorBackend.acquireWith(drivers.webgpu))
    expect(error?._tag).toBe("BackendUnavailable")
    expect(error?.reason).toContain("Vulkan/Metal/D3D12: no adapter; OpenGL (EGL): no adapter")
    expect(error?.install).toContain("libgl1-mesa-dri")
    // The native backend first, then OpenGL; navigator.gpu stays absent so a later load tries again.
    expect(flags).toEqual([[], ["backend=opengl"]])
    expect(navigatorGpu()).toBeUndefined()
  })

  it("sets EGL_PLATFORM=surfaceless only when it is unset", async () => {
    const noAdapter = makeDrivers(
      importing(() => ({
        globals: {},
        create: () => ({ requestAdapter: async () => null })
      }))
    )
    const vars = process.env
    const before = vars.EGL_PLATFORM
    try {
      vars.EGL_PLATFORM = "x11"
      await failure(TensorBackend.acquireWith(noAdapter.webgpu))
      expect(vars.EGL_PLATFORM).toBe("x11")
      delete vars.EGL_PLATFORM
      await failure(TensorBackend.acquireWith(noAdapter.webgpu))
      expect(vars.EGL_PLATFORM).toBe("surfaceless")
    } finally {
      if (before === undefined) delete vars.EGL_PLATFORM
      else vars.EGL_PLATFORM = before
    }
  })
})

/**
 * Whether webgpu must start here: under CI, or when ADDROP_TEST_BACKENDS names it, a missing package or
 * adapter fails these tests instead of skipping them (scripts/setup-system.sh installs Mesa's EGL/llvmpipe).
 */
const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {}
const required =
  env.CI !== undefined || (env.ADDROP_TEST_BACKENDS ?? "").split(",").some((b) => b.trim() === "webgpu")
const started = dawnRuntime
  ? await Effect.runPromiseExit(Effect.scoped(TensorBackend.make("webgpu")))
  : undefined
const why =
  started !== undefined && Exit.isFailure(started) ? String(started.cause.reasons[0]) : "not Node or Bun"
const runs = dawnRuntime && (required || (started !== undefined && Exit.isSuccess(started)))

describe.runIf(runs)(`webgpu through Dawn${runs ? "" : ` (skipped: ${why})`}`, () => {
  it("starts, reports its adapter, computes a gradient and restores the previous backend", async () => {
    await run(TensorBackend.make("cpu"))
    await tf.setBackend("cpu")
    const inside = await run(
      Effect.gen(function* () {
        const backend = yield* TensorBackend.make("webgpu")
        // Multiply and Sum: gradients every backend layer registers.
        const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(x, x)))(tf.tensor1d([1, -2, 3]))
        const value = Array.from(yield* Effect.promise(() => g.data()))
        return { backend, value, current: tf.getBackend() }
      })
    )
    expect(inside.current).toBe("webgpu")
    expect(inside.value).toEqual([2, -4, 6])
    expect(inside.backend).toMatchObject({ name: "webgpu", prefersAsyncReads: true, threads: 1 })
    const adapter = inside.backend.adapter
    expect(adapter?.via).toMatch(/^Dawn, /)
    // An adapter names itself somewhere (llvmpipe puts it in `device`, GPUs in vendor/architecture).
    expect(`${adapter?.vendor}${adapter?.architecture}${adapter?.device}${adapter?.description}`).not.toBe("")
    if (/llvmpipe|lavapipe/.test(adapter?.device ?? "")) expect(adapter?.software).toBe(true)
    expect(tf.getBackend()).toBe("cpu")
    // The device is gone (released), the factory stays so that the next scope starts afresh.
    const engine = tf.engine() as unknown as { registry: Record<string, unknown> }
    expect(engine.registry.webgpu).toBeUndefined()
    expect(tf.findBackendFactory("webgpu")).not.toBeNull()
  })

  it("starts again in a later scope (a fresh device) with the same results", async () => {
    for (let i = 0; i < 2; i++) {
      const sum = await run(
        Effect.gen(function* () {
          yield* TensorBackend.make("webgpu")
          return (yield* Effect.promise(() => tf.sum(tf.range(0, 100)).data()))[0]
        })
      )
      expect(sum).toBe(4950)
    }
  })
})

const fixture = fileURLToPath(new URL("./fixtures/webgpu-child.ts", import.meta.url))

describe.runIf(runs)("a process using webgpu through Dawn", () => {
  it("exits by itself once the backend's scope closes (the device is destroyed)", async () => {
    const { code, stdout, stderr } = await runChild(fixture, [], 90_000)
    expect(code, stderr).toBe(0)
    const result = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}")
    expect(result).toMatchObject({ backend: "webgpu", sum: 64 * 64 * 64 })
    expect(result.adapter.via).toMatch(/^Dawn, /)
  })

  it("control: with the scope left open the device keeps the process alive", async () => {
    const { code, stdout } = await runChild(fixture, ["keep"], 90_000, 5_000)
    expect(stdout).toContain('"backend":"webgpu"')
    expect(code).toBeNull()
  })
})
