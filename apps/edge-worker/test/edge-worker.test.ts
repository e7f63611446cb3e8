/**
 * The Worker in workerd (through miniflare) against the same code under Node.
 *
 * The bundle is built from the packages' sources (as every test here runs against them), served by
 * workerd on 127.0.0.1, and asked for a run on cpu and on wasm; the same `AdDropDemo.run` then runs in
 * this Node process on tfjs' cpu backend, and the two are compared.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises"
import net from "node:net"
import { tmpdir } from "node:os"
import { basename, join } from "node:path"
import { TensorBackend } from "@addrop/backends"
import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"
import { Miniflare } from "miniflare"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Bundle, bundle } from "../scripts/bundle.js"
import * as AdDropDemo from "../src/AdDropDemo.js"

/**
 * Tolerances, as the largest |worker − node| relative to the largest |node| value of the same quantity
 * (an attribution map, a loss).
 *
 * - cpu: the same JavaScript kernels on the same V8 float32 arithmetic; only the engine's Math functions
 *   (exp, tanh) could differ by an ulp between workerd's V8 and Node's. 1e-6 is about 8 float32 ulps.
 * - wasm: XNNPACK's GEMM sums in another order (SIMD lanes, blocking) and the wasm kernels have their own
 *   exp/erf, so every op can differ in its last bits, and the error grows through 2 layers, softmax and a
 *   backward pass: measured 5e-7 on the maps and 1.2e-6 on the gradient norm. 1e-5 (about 80 float32
 *   ulps) leaves 8× room for another machine's rounding, while a wrong kernel or gradient is off by 1e-3
 *   and more.
 */
const tolerance = { cpu: 1e-6, wasm: 1e-5 } as const

/** Largest absolute difference relative to the reference's largest magnitude. */
const relativeError = (actual: ReadonlyArray<number>, expected: ReadonlyArray<number>): number => {
  expect(actual.length).toBe(expected.length)
  const scale = Math.max(...expected.map(Math.abs))
  expect(scale).toBeGreaterThan(0)
  return Math.max(...actual.map((a, i) => Math.abs(a - expected[i]!))) / scale
}

/** Every TCP connection this process opens, to check that it only talks to loopback. */
const connections: Array<string> = []
const originalConnect = net.Socket.prototype.connect
const loopback = new Set(["127.0.0.1", "localhost", "::1"])

let built: Bundle
let dir: string
let mf: Miniflare
let url: URL
const outbound: Array<string> = []
let reference: AdDropDemo.DemoResult
let tensorsLeft: number

beforeAll(async () => {
  net.Socket.prototype.connect = function (this: net.Socket, ...args: Array<unknown>) {
    // Node passes its own normalised [options, callback] pair; user code passes (options) or (port, host).
    const first = Array.isArray(args[0]) ? args[0][0] : args[0]
    const target =
      typeof first === "object" && first !== null
        ? (first as { path?: string; host?: string }).path !== undefined
          ? "unix"
          : ((first as { host?: string }).host ?? "localhost")
        : typeof args[1] === "string"
          ? args[1]
          : "localhost"
    connections.push(target)
    return (originalConnect as (...a: Array<unknown>) => net.Socket).apply(this, args)
  } as typeof net.Socket.prototype.connect

  dir = await mkdtemp(join(tmpdir(), "addrop-edge-worker-"))
  built = await bundle({ source: true, outdir: dir })
  console.log(
    `edge-worker bundle: ${[built.script, ...built.wasm].map((f) => `${basename(f.path)} ${f.bytes} bytes`).join(", ")}`
  )
  mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    compatibilityDate: "2026-04-01",
    modulesRoot: dir,
    modules: [
      { type: "ESModule", path: built.script.path },
      ...built.wasm.map((w) => ({ type: "CompiledWasm" as const, path: w.path }))
    ],
    // Every fetch the Worker makes lands here; it must make none.
    outboundService: (request: { readonly url: string }) => {
      outbound.push(request.url)
      return new Response("the edge-worker test allows no network", { status: 502 })
    }
  })
  url = await mf.ready
  const runOnCpu = () =>
    Effect.runPromise(Effect.scoped(Effect.provide(AdDropDemo.run, TensorBackend.layer("cpu"))))
  // A first run starts the backend (and its cached constants); the second is the reference, counted.
  await runOnCpu()
  const before = tf.memory().numTensors
  reference = await runOnCpu()
  tensorsLeft = tf.memory().numTensors - before
})

afterAll(async () => {
  await mf?.dispose()
  net.Socket.prototype.connect = originalConnect
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

const request = async (backend: string) => {
  const response = await mf.dispatchFetch(new URL(`/?backend=${backend}`, url))
  const body = (await response.json()) as AdDropDemo.DemoResult & { error?: string }
  expect(body.error, `the Worker failed on ${backend}`).toBeUndefined()
  expect(response.status).toBe(200)
  return body
}

describe("edge-worker in workerd", () => {
  it("bundles one ES module and the SIMD wasm binary as a separate module", () => {
    expect(basename(built.script.path)).toBe("worker.js")
    expect(built.wasm.map((w) => basename(w.path))).toEqual(["tfjs-backend-wasm-simd.wasm"])
    // Guards against the bundle pulling in all of @tensorflow/tfjs (several MB).
    expect(built.script.bytes).toBeLessThan(1_500_000)
    // The per-package breakdown accounts for the script (esbuild adds only its own glue) and names tfjs.
    const counted = built.byPackage.reduce((sum, p) => sum + p.bytes, 0)
    expect(counted).toBeLessThanOrEqual(built.script.bytes)
    expect(counted).toBeGreaterThan(0.95 * built.script.bytes)
    expect(built.byPackage.map((p) => p.name)).toContain("@tensorflow/tfjs-core")
  })

  it("imports no Node built-in (the trainer's data and checkpoint modules are left out)", async () => {
    const script = await readFile(built.script.path, "utf8")
    expect(script.match(/(from|import)\s*\(?\s*["']node:[^"']+["']/g) ?? []).toEqual([])
    expect(script).not.toContain("fs/promises")
  })

  it("the Node reference itself trains (the loss falls) and leaves no tensors behind", () => {
    expect(reference.runtime).toBe("node")
    expect(reference.lossAfter).toBeLessThan(reference.lossBefore - 1e-3)
    expect(reference.lossReplayed).toBe(reference.lossBefore)
    expect(tensorsLeft).toBe(0)
  })

  for (const backend of ["cpu", "wasm"] as const) {
    // The backend in brackets is what scripts/matrix.mjs counts as this test's cell (workerd × backend).
    it(`[${backend}] runs attribute and an AD-Drop step, equal to Node's cpu within ${tolerance[backend]}`, async () => {
      const result = await request(backend)
      expect(result.runtime).toBe("workerd")
      expect(result.backend).toBe(backend)
      expect(result.shape).toEqual([2, 2, 8, 8])
      expect(result.lossAfter).toBeLessThan(result.lossBefore - 1e-3)
      // The reported masks are the ones the step trained with: replaying its pass gives its loss.
      expect(relativeError([result.lossReplayed], [result.lossBefore])).toBeLessThanOrEqual(1e-6)

      const errors: Record<string, number> = {}
      for (const layer of ["0", "1"]) {
        const map = result.attribution[layer]!
        expect(map.length).toBe(2 * 2 * 8 * 8)
        expect(map.every(Number.isFinite)).toBe(true)
        errors[`attribution[${layer}]`] = relativeError(map, reference.attribution[layer]!)
        // Masks are decided by ranks; within these tolerances no candidate changes sides.
        expect(result.dropped[layer]).toEqual(reference.dropped[layer])
      }
      errors.lossBefore = relativeError([result.lossBefore], [reference.lossBefore])
      errors.lossAfter = relativeError([result.lossAfter], [reference.lossAfter])
      errors.gradNorm = relativeError([result.gradNorm], [reference.gradNorm])
      console.log(
        `${backend} in workerd: loss ${result.lossBefore} → ${result.lossAfter}; vs cpu in Node, relative max |Δ|: ${Object.entries(
          errors
        )
          .map(([k, v]) => `${k} ${v.toExponential(2)}`)
          .join(", ")}`
      )
      for (const [quantity, error] of Object.entries(errors)) {
        expect(error, quantity).toBeLessThanOrEqual(tolerance[backend])
      }
      // wasm's own kernels round differently somewhere: identical results would mean cpu ran instead.
      if (backend === "wasm") expect(Math.max(...Object.values(errors))).toBeGreaterThan(0)
    })
  }

  it("rejects a backend it does not serve", async () => {
    const response = await mf.dispatchFetch(new URL("/?backend=webgpu", url))
    expect(response.status).toBe(400)
    await response.text()
  })

  it("used no network beyond loopback", () => {
    expect(url.hostname).toBe("127.0.0.1")
    expect(outbound).toEqual([])
    // The spy saw miniflare's own connections to workerd, so an empty check cannot pass by accident.
    expect(connections.length).toBeGreaterThan(0)
    expect(connections.filter((host) => host !== "unix" && !loopback.has(host))).toEqual([])
  })
})
