import * as tf from "@tensorflow/tfjs-core"
import { Effect, Exit, type Scope } from "effect"
import { describe, expect, it } from "vitest"
import { BackendName, Gradients, Runtime, TensorBackend, Tensors } from "../src/index.js"
import { dynamicImport, makeDrivers } from "../src/internal/drivers.js"

const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) => Effect.runPromise(Effect.scoped(effect))
const runExit = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) =>
  Effect.runPromiseExit(Effect.scoped(effect))
/** The typed failure of a scoped effect, if it failed with one. */
const failureOf = async (effect: Effect.Effect<unknown, unknown, Scope.Scope>) => {
  const exit = await runExit(effect)
  const reason = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
  return reason !== undefined && "error" in reason
    ? (reason.error as { _tag: string; reason: string; install?: string; message: string })
    : undefined
}

describe("Runtime", () => {
  it("detects each runtime from its globals", () => {
    expect(Runtime.detect({ Deno: {}, process: { versions: { node: "20" } } })).toBe("deno")
    expect(Runtime.detect({ Bun: {}, process: { versions: { node: "20" } } })).toBe("bun")
    expect(Runtime.detect({ process: { versions: { node: "20" } } })).toBe("node")
    expect(Runtime.detect({})).toBe("browser")
    // workerd with nodejs_compat also has process.versions.node; its user agent wins.
    expect(
      Runtime.detect({
        navigator: { userAgent: "Cloudflare-Workers" },
        process: { versions: { node: "22" } }
      })
    ).toBe("workerd")
    expect(Runtime.detect({ navigator: { userAgent: "Cloudflare-Workers" } })).toBe("workerd")
    expect(Runtime.detect({ navigator: { userAgent: "Mozilla/5.0" } })).toBe("browser")
  })
})

describe("BackendName", () => {
  it("orders auto candidates per runtime", () => {
    expect(BackendName.autoOrder("node")).toEqual(["node-gpu", "node", "wasm", "cpu"])
    expect(BackendName.autoOrder("bun")).toEqual(["wasm", "cpu"])
    expect(BackendName.autoOrder("workerd")).toEqual(["wasm", "cpu"])
    expect(BackendName.autoOrder("deno")).toEqual(["webgpu", "wasm", "cpu"])
    expect(BackendName.autoOrder("browser")).toEqual(["webgpu", "wasm", "cpu"])
  })
})

describe("TensorBackend layers", () => {
  it("cpu and wasm start, report themselves, and restore the previous backend on scope close", async () => {
    await run(TensorBackend.make("cpu"))
    await tf.setBackend("cpu")
    const inside = await run(
      Effect.gen(function* () {
        const backend = yield* TensorBackend.make("wasm")
        return { backend, current: tf.getBackend() }
      })
    )
    expect(inside.current).toBe("wasm")
    expect(inside.backend).toMatchObject({
      name: "wasm",
      tfjsName: "wasm",
      runtime: Runtime.current,
      prefersAsyncReads: false,
      threads: 1
    })
    expect(tf.getBackend()).toBe("cpu")
  })

  it("computes a gradient on every backend it starts (gradients registered)", async () => {
    for (const name of ["cpu", "wasm"] as const) {
      const value = await run(
        Effect.gen(function* () {
          yield* TensorBackend.make(name)
          const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(x, x)))(tf.tensor1d([1, -2, 3]))
          return Array.from(yield* Effect.promise(() => g.data()))
        })
      )
      expect(value).toEqual([2, -4, 6])
    }
    expect(Gradients.has("BatchMatMul")).toBe(true)
    expect(tf.getGradient("BatchMatMul")).toBe(Gradients.overrides[0])
  })

  it("absent optional peers fail with a typed error that names the package to install", async () => {
    for (const name of ["node", "node-gpu"] as const) {
      const failure = await failureOf(TensorBackend.make(name))
      const pkg = name === "node" ? "@tensorflow/tfjs-node" : "@tensorflow/tfjs-node-gpu"
      expect(failure?._tag).toBe("BackendUnavailable")
      expect(failure?.install).toBe(`npm install ${pkg}`)
      expect(failure?.message).toContain(pkg)
    }
  })

  // A fake tfjs-node / tfjs-node-gpu: importing either registers a cpu-backed backend under tfjs-node's
  // registry name, with the two fields tfjs-node's NodeJSKernelBackend sets when it starts. As with the real
  // packages, the first one imported in the process owns the name; `native` says what it reports.
  const native: { isGPUPackage?: boolean; isUsingGpuDevice?: boolean } = {}
  const fakeNativeImporter = (installed: ReadonlyArray<string>, imported: Array<string> = []) =>
    makeDrivers(async (specifier) => {
      imported.push(specifier)
      if (!installed.includes(specifier)) throw new Error(`Cannot find package '${specifier}'`)
      await import("@tensorflow/tfjs-backend-cpu")
      const cpu = tf.findBackend("cpu")
      if (tf.findBackendFactory("tensorflow") === null) {
        tf.registerBackend("tensorflow", () =>
          Object.create(cpu, {
            isGPUPackage: { get: () => native.isGPUPackage },
            isUsingGpuDevice: { get: () => native.isUsingGpuDevice }
          })
        )
        for (const config of tf.getKernelsForBackend("cpu"))
          tf.registerKernel({ ...config, backendName: "tensorflow" })
      }
      return {}
    })

  it("a present package takes the same path: a fake tfjs-node that registers a backend is loaded and started", async () => {
    Object.assign(native, { isGPUPackage: false, isUsingGpuDevice: false })
    const imported: Array<string> = []
    const drivers = fakeNativeImporter(["@tensorflow/tfjs-node"], imported)
    const result = await run(
      Effect.gen(function* () {
        const auto = yield* TensorBackend.autoWith(drivers, { candidates: ["node-gpu", "node", "cpu"] })
        return { auto, current: tf.getBackend() }
      })
    )
    expect(imported).toEqual(["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"])
    expect(result.auto.name).toBe("node")
    expect(result.auto.native).toEqual({ package: "@tensorflow/tfjs-node", gpu: false })
    expect(result.current).toBe("tensorflow")
    expect(result.auto.skipped).toEqual([
      { backend: "node-gpu", reason: "package @tensorflow/tfjs-node-gpu is not installed" }
    ])
  })

  it("node-gpu starts only on a CUDA device, and says which package runs", async () => {
    const drivers = fakeNativeImporter(["@tensorflow/tfjs-node-gpu"])
    // tfjs-node-gpu without a usable CUDA device runs TensorFlow on the CPU: refused, with the reason.
    Object.assign(native, { isGPUPackage: true, isUsingGpuDevice: false })
    const noCuda = await failureOf(TensorBackend.acquireWith(drivers["node-gpu"]))
    expect(noCuda?._tag).toBe("BackendUnavailable")
    expect(noCuda?.reason).toMatch(/found no CUDA GPU/)
    expect(tf.getBackend()).not.toBe("tensorflow")
    Object.assign(native, { isGPUPackage: true, isUsingGpuDevice: true })
    const started = await run(TensorBackend.acquireWith(drivers["node-gpu"]))
    expect(started).toMatchObject({ name: "node-gpu", tfjsName: "tensorflow" })
    expect(started.native).toEqual({ package: "@tensorflow/tfjs-node-gpu", gpu: true })
  })

  it("node and node-gpu share tfjs' name, so asking for the one that did not load it fails instead of running the other", async () => {
    const both = fakeNativeImporter(["@tensorflow/tfjs-node", "@tensorflow/tfjs-node-gpu"])
    Object.assign(native, { isGPUPackage: false, isUsingGpuDevice: false })
    const gpuAsked = await failureOf(TensorBackend.acquireWith(both["node-gpu"]))
    expect(gpuAsked?._tag).toBe("BackendUnavailable")
    expect(gpuAsked?.reason).toContain("is @tensorflow/tfjs-node, not @tensorflow/tfjs-node-gpu")
    Object.assign(native, { isGPUPackage: true, isUsingGpuDevice: true })
    const cpuAsked = await failureOf(TensorBackend.acquireWith(both.node))
    expect(cpuAsked?.reason).toContain("is @tensorflow/tfjs-node-gpu, not @tensorflow/tfjs-node")
    // A backend that reports nothing is not taken for either.
    Object.assign(native, { isGPUPackage: undefined, isUsingGpuDevice: undefined })
    expect((await failureOf(TensorBackend.acquireWith(both.node)))?.reason).toContain("isGPUPackage missing")
    Object.assign(native, { isGPUPackage: false, isUsingGpuDevice: false })
  })

  it("auto picks the fastest backend that starts and reports what it skipped", async () => {
    const chosen = await run(TensorBackend.autoWith(makeDrivers(dynamicImport), {}))
    if (Runtime.current === "node") {
      expect(chosen.name).toBe("wasm")
      expect(chosen.skipped.map((s) => s.backend)).toEqual(["node-gpu", "node"])
    }
    if (Runtime.current === "bun") expect(chosen.name).toBe("wasm")
    expect(["webgpu", "wasm", "cpu"]).toContain(chosen.name)
  })

  it("a cpu/wasm backend already registered with tfjs is reused without importing its package (Worker bundles)", async () => {
    // A Worker bundle cannot import packages at run time: the importer fails as workerd's would.
    await import("@tensorflow/tfjs-backend-cpu")
    const imported: Array<string> = []
    const failing = async (specifier: string) => {
      imported.push(specifier)
      throw new Error(`No such module "${specifier}"`)
    }
    const reusing = makeDrivers(failing, (name) => tf.findBackendFactory(name) !== null)
    const started = await run(TensorBackend.acquireWith(reusing.cpu))
    expect(started.name).toBe("cpu")
    expect(imported).toEqual([])
    // Without the check the same importer fails, and tfjs-node is always imported (it shares its name).
    expect((await runExit(TensorBackend.acquireWith(makeDrivers(failing).cpu)))._tag).toBe("Failure")
    expect((await runExit(TensorBackend.acquireWith(reusing.node)))._tag).toBe("Failure")
    expect(imported).toEqual(["@tensorflow/tfjs-backend-cpu", "@tensorflow/tfjs-node"])
    // A thread count needs the package's setThreadsCount, so it still imports wasm.
    await import("@tensorflow/tfjs-backend-wasm")
    await reusing.wasm
      .load({})
      .then(() => reusing.wasm.load({ threads: 2 }))
      .catch(() => undefined)
    expect(imported).toEqual([
      "@tensorflow/tfjs-backend-cpu",
      "@tensorflow/tfjs-node",
      "@tensorflow/tfjs-backend-wasm"
    ])
  })

  it("auto fails with every attempt listed when nothing starts", async () => {
    const exit = await runExit(
      TensorBackend.autoWith(
        makeDrivers(() => Promise.reject(new Error("Cannot find module 'x'"))),
        { candidates: ["node"] }
      )
    )
    expect(Exit.isFailure(exit)).toBe(true)
  })

  it("layerFromName rejects unknown names with the list of known ones", async () => {
    const current = Effect.gen(function* () {
      return yield* TensorBackend.TensorBackend
    })
    const error = await Effect.runPromise(
      Effect.flip(Effect.provide(current, TensorBackend.layerFromName("tpu")))
    )
    expect(error._tag).toBe("UnknownBackend")
    expect(error.message).toBe(
      'Unknown backend "tpu"; expected one of: cpu, wasm, webgpu, node, node-gpu, auto'
    )
    const ok = await Effect.runPromise(Effect.provide(current, TensorBackend.layerFromName("cpu")))
    expect(ok.name).toBe("cpu")
  })
})

describe("Tensors", () => {
  it("scoped tensors are disposed when the scope closes, also on failure", async () => {
    await tf.setBackend("cpu")
    const before = Tensors.count()
    await run(Tensors.scoped(() => [tf.ones([2]), tf.zeros([3])]))
    expect(Tensors.count()).toBe(before)
    await runExit(
      Effect.flatMap(
        Tensors.scoped(() => tf.ones([2])),
        () => Effect.fail("boom")
      )
    )
    expect(Tensors.count()).toBe(before)
  })
  it("a keeper's tensors live until the scope closes, then are disposed, also on failure or interruption", async () => {
    await tf.setBackend("cpu")
    const before = Tensors.count()
    const alive = await run(
      Effect.gen(function* () {
        const keep = yield* Tensors.keeper
        const x = keep(tf.ones([2]))
        keep({ y: tf.mul(x, 2), z: [tf.zeros([3])] })
        return Tensors.count() - before
      })
    )
    expect(alive).toBe(3)
    expect(Tensors.count()).toBe(before)
    for (const end of [Effect.fail("boom"), Effect.interrupt]) {
      await runExit(
        Effect.flatMap(Tensors.keeper, (keep) => {
          keep(tf.ones([2]))
          return end
        })
      )
      expect(Tensors.count()).toBe(before)
    }
  })
  it("measureLeaks counts tensors left alive", async () => {
    const { leaked, value } = await Effect.runPromise(Tensors.measureLeaks(Effect.sync(() => tf.ones([1]))))
    expect(leaked).toBe(1)
    value.dispose()
  })
})
