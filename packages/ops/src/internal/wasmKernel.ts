/** This package's WebAssembly kernels (wasm/*.wat), loaded over tfjs-backend-wasm's memory. */
import { loader } from "../WasmKernel.js"
import { wasmModules } from "./wasmModules.js"

export { heapOffset, type WasmHeapBackend } from "../WasmKernel.js"

/** The exports of this package's kernel `name` over tfjs module `module`'s memory, or `undefined`. */
export const wasmKernelExports = loader(wasmModules)
