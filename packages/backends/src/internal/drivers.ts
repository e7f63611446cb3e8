import * as tf from "@tensorflow/tfjs-core"
import type { BackendName } from "../BackendName.js"
import { detect } from "../Runtime.js"
import type { AdapterInfo, NativeInfo } from "../TensorBackend.js"

/** How one backend is loaded into tfjs. Failures reject with a {@link DriverUnavailable}. */
export interface Driver {
  readonly name: BackendName
  /** The name the backend registers under in tfjs' registry. */
  readonly tfjsName: string
  /** Loads (and thereby registers) the backend's package, after checking the runtime can run it. */
  readonly load: (options: DriverOptions) => Promise<Loaded | undefined>
}

/** What a driver needs once the backend is current, and when its scope closes. */
export interface Loaded {
  /** Called once `tf.ready()` resolved: checks what started (throwing {@link DriverUnavailable}) and reports it. */
  readonly ready?: () => Started
  /** Called when the scope closes, after the previous backend was made current again (also on failure). */
  readonly release?: () => void
  /** webgpu: the adapter `navigator.gpu` offers, as tfjs will request it. */
  readonly adapter?: AdapterInfo
}

export interface DriverOptions {
  /**
   * wasm only: threads of its pool. A count, or `"auto"` for every core of the machine
   * (`navigator.hardwareConcurrency`, `os.availableParallelism()`); unset or 1 is single-threaded.
   */
  readonly threads?: number | "auto" | undefined
}

/** What a backend reports once started. */
export interface Started {
  /** The threads it computes on (wasm's pool; 1 otherwise). */
  readonly threads: number
  /** node, node-gpu: which tfjs-node package runs and whether TensorFlow placed ops on a GPU. */
  readonly native?: NativeInfo
}

/** A backend that cannot run here, with the reason and the command that would fix it, if any. */
export class DriverUnavailable extends Error {
  constructor(
    readonly reason: string,
    readonly install?: string
  ) {
    super(reason)
  }
}

/** Module resolution failures look different in Node, Bun and Deno; all name the missing specifier. */
export const isModuleNotFound = (error: unknown, specifier: string): boolean => {
  if (!(error instanceof Error)) return false
  const code = (error as { code?: unknown }).code
  const text = error.message
  const notFound =
    code === "ERR_MODULE_NOT_FOUND" ||
    code === "MODULE_NOT_FOUND" ||
    /cannot find (module|package)|could not (find|resolve)|not found/i.test(text)
  return notFound && text.includes(specifier)
}

/**
 * Imports a backend package. The specifier goes through a variable so that bundlers do not try to resolve
 * optional peers the user chose not to install.
 */
export const dynamicImport = (specifier: string): Promise<unknown> => import(/* @vite-ignore */ specifier)

/** Wraps an importer so that a missing package becomes a {@link DriverUnavailable} naming the install. */
const optional =
  (importer: (specifier: string) => Promise<unknown>) =>
  async (specifier: string): Promise<unknown> => {
    try {
      return await importer(specifier)
    } catch (error) {
      if (isModuleNotFound(error, specifier)) {
        throw new DriverUnavailable(`package ${specifier} is not installed`, `npm install ${specifier}`)
      }
      throw error
    }
  }

interface WasmModule {
  readonly setThreadsCount?: (count: number) => void
  readonly getThreadsCount?: () => number
}

interface CoreNavigator {
  readonly hardwareConcurrency?: number
}

/** The threads a `threads` option asks for, before any runtime check; 1 means single-threaded. */
export const requestedThreads = (threads: DriverOptions["threads"], cores: () => number): number => {
  if (threads === undefined) return 1
  if (threads === "auto") return Math.max(1, Math.min(cores(), MAX_WASM_THREADS))
  if (!Number.isSafeInteger(threads) || threads < 1) {
    throw new DriverUnavailable(`threads must be a positive integer or "auto", got ${threads}`)
  }
  if (threads > MAX_WASM_THREADS) {
    throw new DriverUnavailable(
      `tfjs' wasm build runs at most ${MAX_WASM_THREADS} threads, ${threads} were requested`
    )
  }
  return threads
}

/** The most threads tfjs' compiled wasm pool allows (`max_num_threads` in its backend.cc). */
export const MAX_WASM_THREADS = 8

/** Whether this is a browser or a Worker (tfjs' own threaded path applies there) rather than Node, Bun or Deno. */
const isBrowser = (): boolean => {
  const runtime = detect()
  return runtime === "browser" || runtime === "workerd"
}

interface GpuAdapter {
  readonly info?: Partial<Record<"vendor" | "architecture" | "device" | "description", string>>
  readonly isFallbackAdapter?: boolean
  readonly requestAdapterInfo?: () => Promise<GpuAdapter["info"]>
}

interface Gpu {
  requestAdapter(options?: object): Promise<GpuAdapter | null>
  readonly [dawn: symbol]: string | undefined
}

/** The runtime's `navigator.gpu`, if any (typed loosely: Node's lib has no WebGPU types). */
const navigatorGpu = (): Gpu | undefined =>
  (globalThis as unknown as { navigator?: { gpu?: Gpu } }).navigator?.gpu

/** Names of software rasterisers behind WebGPU adapters (Mesa's llvmpipe/lavapipe/softpipe, SwiftShader, WARP). */
const SOFTWARE = /llvmpipe|lavapipe|softpipe|swiftshader|microsoft basic render/i

/** What an adapter says about itself (`info`, or `requestAdapterInfo()` in older browsers). */
export const describeAdapter = async (adapter: GpuAdapter, via: string): Promise<AdapterInfo> => {
  const info = adapter.info ?? (await adapter.requestAdapterInfo?.()) ?? {}
  const fields = {
    vendor: info.vendor ?? "",
    architecture: info.architecture ?? "",
    device: info.device ?? "",
    description: info.description ?? ""
  }
  const software = adapter.isFallbackAdapter === true || SOFTWARE.test(Object.values(fields).join(" "))
  return { ...fields, software, via }
}

/**
 * The drivers over an importer. With `isRegistered`, a cpu, wasm or webgpu backend already registered
 * with tfjs is used as it is and its package is not imported: a bundle for a runtime without module
 * resolution at run time (a Cloudflare Worker) imports those backends statically, or registers one itself
 * (wasm from a precompiled module), and the dynamic import would find nothing there. tfjs-node and
 * tfjs-node-gpu share one registry name, so they are always imported to tell them apart, and so is wasm
 * when a thread count is asked for.
 */
export const makeDrivers = (
  rawImporter: (specifier: string) => Promise<unknown>,
  isRegistered: (tfjsName: string) => boolean = () => false
): Record<BackendName, Driver> => {
  const drivers = makeImportingDrivers(optional(rawImporter), isRegistered)
  // A thread count is applied by the package's own module, so asking for one still imports it.
  const reuse = (driver: Driver): Driver => ({
    ...driver,
    load: (options) =>
      isRegistered(driver.tfjsName) && options.threads === undefined
        ? Promise.resolve(undefined)
        : driver.load(options)
  })
  // webgpu checks for an adapter (and, under Node and Bun, sets up Dawn) first, then skips the import itself.
  return { ...drivers, cpu: reuse(drivers.cpu), wasm: reuse(drivers.wasm) }
}

const makeImportingDrivers = (
  importer: (specifier: string) => Promise<unknown>,
  isRegistered: (tfjsName: string) => boolean
): Record<BackendName, Driver> => {
  return {
    cpu: {
      name: "cpu",
      tfjsName: "cpu",
      load: async () => {
        await importer("@tensorflow/tfjs-backend-cpu")
        return undefined
      }
    },
    wasm: {
      name: "wasm",
      tfjsName: "wasm",
      load: async (options) => {
        if (isBrowser()) {
          const cores = (globalThis.navigator as CoreNavigator | undefined)?.hardwareConcurrency ?? 1
          const threads = requestedThreads(options.threads, () => cores)
          const wasm = (await importer("@tensorflow/tfjs-backend-wasm")) as WasmModule
          // tfjs' own threaded build applies where the page is cross-origin isolated.
          if (options.threads !== undefined) wasm.setThreadsCount?.(threads)
          return { ready: () => ({ threads: wasm.getThreadsCount?.() ?? 1 }) }
        }
        // Node, Bun, Deno: the only place `node:` modules are loaded.
        const { dropThreadedInstance, machineCores, prepare } = await (
          await import("./wasmThreads.js")
        ).load()
        const threads = requestedThreads(options.threads, machineCores)
        const wasm = (await importer("@tensorflow/tfjs-backend-wasm")) as WasmModule
        const actual = () => wasm.getThreadsCount?.() ?? 1
        if (threads === 1) {
          // A threaded instance left by an earlier scope must not serve a single-threaded request.
          dropThreadedInstance()
          return { ready: () => ({ threads: actual() }) }
        }
        wasm.setThreadsCount?.(threads)
        const threaded = prepare(threads)
        return {
          ready: () => {
            threaded.started()
            const got = actual()
            if (got !== threads) {
              throw new DriverUnavailable(
                `asked for ${threads} wasm threads, tfjs' pool started ${got} (needs SharedArrayBuffer and worker_threads)`
              )
            }
            return { threads: got }
          },
          release: threaded.release
        }
      }
    },
    webgpu: {
      name: "webgpu",
      tfjsName: "webgpu",
      load: async () => {
        let gpu = navigatorGpu()
        let release: (() => void) | undefined
        const runtime = detect()
        let via = `${runtime}'s navigator.gpu`
        if (runtime === "node" || runtime === "bun") {
          // Node and Bun have no WebGPU of their own: Dawn from the `webgpu` package stands in, and the
          // only place that module is loaded is here.
          const dawn = await import("./webgpuDawn.js")
          if (gpu === undefined) await dawn.install(importer)
          gpu = navigatorGpu()
          if (gpu !== undefined && dawn.DAWN in gpu) {
            release = dawn.release
            via = `Dawn, ${gpu[dawn.DAWN]}`
          }
        }
        if (gpu === undefined) throw new DriverUnavailable("this runtime has no navigator.gpu (WebGPU)")
        // As tfjs-backend-webgpu asks for it (base.ts), so that this is the adapter it will get.
        const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" })
        if (adapter === null || adapter === undefined) {
          throw new DriverUnavailable("navigator.gpu.requestAdapter() found no GPU adapter")
        }
        const info = await describeAdapter(adapter, via)
        if (!isRegistered("webgpu")) await importer("@tensorflow/tfjs-backend-webgpu")
        return release === undefined ? { adapter: info } : { adapter: info, release }
      }
    },
    node: {
      name: "node",
      tfjsName: "tensorflow",
      load: async () => {
        await importer(NODE_PACKAGE.node)
        return { ready: () => ({ threads: 1, native: verifyNative("node") }) }
      }
    },
    "node-gpu": {
      name: "node-gpu",
      tfjsName: "tensorflow",
      load: async () => {
        await importer(NODE_PACKAGE["node-gpu"])
        return { ready: () => ({ threads: 1, native: verifyNative("node-gpu") }) }
      }
    }
  }
}

/** The npm package behind each native backend. */
export const NODE_PACKAGE = {
  node: "@tensorflow/tfjs-node",
  "node-gpu": "@tensorflow/tfjs-node-gpu"
} as const

/** The fields tfjs-node's `NodeJSKernelBackend` sets when it starts (tfjs-node 4.x). */
interface NativeBackend {
  readonly isGPUPackage?: boolean
  readonly isUsingGpuDevice?: boolean
}

/**
 * Checks that the current `tensorflow` backend is the package asked for, and for node-gpu that TensorFlow
 * found a CUDA device. tfjs-node and tfjs-node-gpu register under one name and the first one imported in a
 * process keeps it, so with both installed a `node-gpu` request could otherwise run CPU TensorFlow; and
 * tfjs-node-gpu itself falls back to the CPU silently when CUDA or cuDNN is missing.
 */
export const verifyNative = (asked: "node" | "node-gpu"): NativeInfo => {
  const backend = tf.backend() as unknown as NativeBackend
  if (typeof backend.isGPUPackage !== "boolean") {
    throw new DriverUnavailable(
      `the "tensorflow" backend does not report which tfjs-node package it is (isGPUPackage missing); ${NODE_PACKAGE[asked]} 4.x is required`
    )
  }
  const running = backend.isGPUPackage ? "node-gpu" : "node"
  if (running !== asked) {
    throw new DriverUnavailable(
      `the "tensorflow" backend in this process is ${NODE_PACKAGE[running]}, not ${NODE_PACKAGE[asked]}: both register under one tfjs name and the first imported keeps it, so only one can run per process`
    )
  }
  const gpu = backend.isUsingGpuDevice === true
  if (asked === "node-gpu" && !gpu) {
    throw new DriverUnavailable(
      `${NODE_PACKAGE["node-gpu"]} loaded but TensorFlow found no CUDA GPU (it would run on the CPU): check the NVIDIA driver, CUDA and cuDNN versions TensorFlow requires, and CUDA_VISIBLE_DEVICES`
    )
  }
  return { package: NODE_PACKAGE[asked], gpu }
}
