/**
 * The tfjs wasm backend started from a precompiled `WebAssembly.Module`.
 *
 * workerd refuses to compile WebAssembly from bytes (`WebAssembly.instantiate(bytes)`, `compile`,
 * `instantiateStreaming`): a Worker gets its `.wasm` files as modules, already compiled, by importing them.
 * tfjs-backend-wasm 4.22 only loads its binary by URL (`setWasmPaths`, then fetch + compile), and has no
 * option for a module (tensorflow/tfjs#8157). Its Emscripten factory does take an `instantiateWasm` hook,
 * and the package exports the `BackendWasm` class, so this registers a `wasm` backend built from those two:
 * the same kernels, instantiated from the given module.
 *
 * @since 0.1.0
 */
import { BackendWasm } from "@tensorflow/tfjs-backend-wasm"
import * as factoryModule from "@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.js"
import type {
  BackendWasmModule,
  WasmFactoryConfig
} from "@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.js"
import * as tf from "@tensorflow/tfjs-core"

/** Emscripten's `cwrap`, which its module type leaves out: a C function as a JavaScript one. */
interface Cwrap {
  cwrap(ident: string, returnType: string | null, argTypes: Array<string>): (...args: Array<number>) => number
}

type Factory = (config: WasmFactoryConfig) => Promise<BackendWasmModule & Cwrap>

// The factory file is CommonJS (`module.exports = factory`): bundlers put the function at the namespace's
// `default`, TypeScript's types one `default` deeper. tfjs-backend-wasm unwraps it the same way.
const unwrap = (value: unknown): Factory =>
  typeof value === "function" ? (value as Factory) : unwrap((value as { default: unknown }).default)

const createWasmModule = unwrap(factoryModule)

/** tfjs' own registration priority for wasm (it only matters when no backend is set explicitly). */
const WASM_PRIORITY = 2

/**
 * Registers tfjs' `wasm` backend so that it instantiates `module` (the SIMD or the plain binary of
 * tfjs-backend-wasm 4.22, single-threaded: Workers have no threads). Replaces the registration that
 * importing `@tensorflow/tfjs-backend-wasm` made. Call it before the backend is first used.
 *
 * @example
 * ```ts
 * import simd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm"
 * import { WasmModule } from "./WasmModule.js"
 * WasmModule.register(simd)
 * await tf.setBackend("wasm")
 * ```
 * @since 0.1.0
 * @category registration
 */
export const register = (module: WebAssembly.Module): void => {
  // Both are answered for the binary we are handed: the feature probes would otherwise decide which file
  // to fetch, and the threaded build needs Web Workers.
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false)
  if (tf.findBackendFactory("wasm") !== null) tf.removeBackend("wasm")
  tf.registerBackend(
    "wasm",
    async () => {
      const wasm = await createWasmModule({
        // Emscripten asks for the binary's URL before calling the hook; there is none to resolve.
        locateFile: (path: string) => path,
        instantiateWasm: (
          imports: WebAssembly.Imports,
          receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void
        ) => {
          WebAssembly.instantiate(module, imports).then((instance) => receive(instance, module))
          // Emscripten's contract: an empty object means "exports arrive through the callback".
          return {}
        }
      })
      // The bridge BackendWasm expects, named as tfjs-backend-wasm's own init names it.
      wasm.tfjs = {
        init: wasm.cwrap("init", null, []),
        initWithThreadsCount: wasm.cwrap("init_with_threads_count", null, ["number"]),
        getThreadsCount: wasm.cwrap("get_threads_count", "number", []),
        registerTensor: wasm.cwrap("register_tensor", null, ["number", "number", "number"]),
        disposeData: wasm.cwrap("dispose_data", null, ["number"]),
        dispose: wasm.cwrap("dispose", null, [])
      }
      return new BackendWasm(wasm)
    },
    WASM_PRIORITY
  )
}
