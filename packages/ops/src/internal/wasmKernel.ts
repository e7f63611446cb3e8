/**
 * Instances of this package's WebAssembly kernels (wasm/*.wat, embedded by scripts/build-wasm.mjs) that
 * import tfjs-backend-wasm's own memory, so they read and write tensors where the backend keeps them.
 *
 * One instance per kernel and per tfjs wasm module (its memory), made on first use. Where compiling
 * WebAssembly from bytes is forbidden (Cloudflare's workerd) or the memory cannot be found, there is no
 * instance and callers take their JavaScript path.
 */
import { wasmModules } from "./wasmModules.js"

export type WasmKernelName = keyof typeof wasmModules

/**
 * The memory of a tfjs-backend-wasm Emscripten module: exported as `asm.memory` by its single-threaded
 * builds; the threaded build creates a shared memory itself and keeps it as `wasmMemory`.
 */
const memoryOf = (module: unknown): WebAssembly.Memory | undefined => {
  const m = module as { asm?: { memory?: unknown }; wasmMemory?: unknown } | undefined
  for (const candidate of [m?.asm?.memory, m?.wasmMemory]) {
    if (candidate instanceof WebAssembly.Memory) return candidate
  }
  return undefined
}

const isShared = (memory: WebAssembly.Memory) =>
  typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer

const decode = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))

/** Compiled modules, per kernel and memory kind; `null` when this runtime refuses to compile them. */
const compiled = new Map<string, WebAssembly.Module | null>()

const compile = (name: WasmKernelName, shared: boolean): WebAssembly.Module | null => {
  const key = `${name}:${shared ? "shared" : "plain"}`
  let module = compiled.get(key)
  if (module === undefined) {
    try {
      // Synchronous compilation: the modules are a few hundred bytes, under browsers' main-thread limit.
      module = new WebAssembly.Module(decode(wasmModules[name][shared ? "shared" : "plain"]))
    } catch {
      module = null
    }
    compiled.set(key, module)
  }
  return module
}

const instances = new WeakMap<WebAssembly.Memory, Map<WasmKernelName, WebAssembly.Exports | null>>()

/**
 * The exports of kernel `name` instantiated over the memory of tfjs-backend-wasm module `module`
 * (`backend.wasm`), or `undefined` where it cannot run (then use the JavaScript path).
 */
export const wasmKernelExports = <Exports>(name: WasmKernelName, module: unknown): Exports | undefined => {
  const memory = memoryOf(module)
  if (memory === undefined) return undefined
  let byName = instances.get(memory)
  if (byName === undefined) {
    byName = new Map()
    instances.set(memory, byName)
  }
  let exports = byName.get(name)
  if (exports === undefined) {
    const compiledModule = compile(name, isShared(memory))
    try {
      exports =
        compiledModule === null ? null : new WebAssembly.Instance(compiledModule, { env: { memory } }).exports
    } catch {
      exports = null
    }
    byName.set(name, exports)
  }
  return (exports ?? undefined) as Exports | undefined
}

/** The parts of tfjs-backend-wasm's `BackendWasm` that kernels over its memory use (stable across 4.x). */
export interface WasmHeapBackend {
  /** The Emscripten module, whose memory the kernels import. */
  readonly wasm: unknown
  readonly dataIdMap: { get(dataId: object): { readonly memoryOffset: number } }
  makeOutput(
    shape: Array<number>,
    dtype: "float32"
  ): { readonly dataId: object; readonly shape: Array<number> }
}

/** The byte offset of a tensor's buffer in the backend's memory. */
export const heapOffset = (backend: WasmHeapBackend, tensor: { readonly dataId: object }): number =>
  backend.dataIdMap.get(tensor.dataId).memoryOffset
