import type { BackendName } from "../BackendName.js"

/** How one backend is loaded into tfjs. Failures reject with a {@link DriverUnavailable}. */
export interface Driver {
  readonly name: BackendName
  /** The name the backend registers under in tfjs' registry. */
  readonly tfjsName: string
  /** Loads (and thereby registers) the backend's package, after checking the runtime can run it. */
  readonly load: (options: DriverOptions) => Promise<void>
}

export interface DriverOptions {
  /** wasm only: worker threads to use where the runtime supports them. */
  readonly threads?: number | undefined
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
}

interface GpuNavigator {
  readonly gpu?: { requestAdapter(): Promise<unknown> }
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
  const drivers = makeImportingDrivers(optional(rawImporter))
  // A thread count is applied by the package's own module, so asking for one still imports it.
  const reuse = (driver: Driver): Driver => ({
    ...driver,
    load: (options) =>
      isRegistered(driver.tfjsName) && options.threads === undefined
        ? Promise.resolve()
        : driver.load(options)
  })
  return { ...drivers, cpu: reuse(drivers.cpu), wasm: reuse(drivers.wasm), webgpu: reuse(drivers.webgpu) }
}

const makeImportingDrivers = (
  importer: (specifier: string) => Promise<unknown>
): Record<BackendName, Driver> => {
  return {
    cpu: {
      name: "cpu",
      tfjsName: "cpu",
      load: async () => {
        await importer("@tensorflow/tfjs-backend-cpu")
      }
    },
    wasm: {
      name: "wasm",
      tfjsName: "wasm",
      load: async (options) => {
        const wasm = (await importer("@tensorflow/tfjs-backend-wasm")) as WasmModule
        if (options.threads !== undefined) wasm.setThreadsCount?.(options.threads)
      }
    },
    webgpu: {
      name: "webgpu",
      tfjsName: "webgpu",
      load: async () => {
        const gpu = (globalThis.navigator as GpuNavigator | undefined)?.gpu
        if (gpu === undefined) throw new DriverUnavailable("this runtime has no navigator.gpu (WebGPU)")
        const adapter = await gpu.requestAdapter()
        if (adapter === null || adapter === undefined) {
          throw new DriverUnavailable("navigator.gpu.requestAdapter() found no GPU adapter")
        }
        await importer("@tensorflow/tfjs-backend-webgpu")
      }
    },
    node: {
      name: "node",
      tfjsName: "tensorflow",
      load: async () => {
        await importer("@tensorflow/tfjs-node")
      }
    },
    "node-gpu": {
      name: "node-gpu",
      tfjsName: "tensorflow",
      load: async () => {
        await importer("@tensorflow/tfjs-node-gpu")
      }
    }
  }
}
