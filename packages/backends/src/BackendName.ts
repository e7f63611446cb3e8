/**
 * Names of the tensor backends AD-Drop can run on, and the order `auto` tries them in per runtime.
 *
 * @since 0.1.0
 */
import type { Runtime } from "./Runtime.js"

/**
 * A tensor backend. `node` is `@tensorflow/tfjs-node`, `node-gpu` is `@tensorflow/tfjs-node-gpu`.
 *
 * @since 0.1.0
 * @category models
 */
export type BackendName = "cpu" | "wasm" | "webgpu" | "node" | "node-gpu"

/**
 * Every backend name, in a stable order.
 *
 * @since 0.1.0
 * @category constants
 */
export const all: ReadonlyArray<BackendName> = ["cpu", "wasm", "webgpu", "node", "node-gpu"]

/**
 * Whether a string names a backend.
 *
 * @since 0.1.0
 * @category guards
 */
export const is = (name: string): name is BackendName => (all as ReadonlyArray<string>).includes(name)

/**
 * The order the `auto` layer tries backends in, fastest first, for a runtime.
 *
 * @example
 * ```ts
 * import { BackendName } from "@addrop/backends"
 * BackendName.autoOrder("node") // ["node-gpu", "node", "wasm", "cpu"]
 * ```
 * @since 0.1.0
 * @category constants
 */
export const autoOrder = (runtime: Runtime): ReadonlyArray<BackendName> => {
  switch (runtime) {
    case "node":
      return ["node-gpu", "node", "wasm", "cpu"]
    case "bun":
    // workerd has no WebGPU and cannot load tfjs-node's native addon.
    case "workerd":
      return ["wasm", "cpu"]
    case "deno":
    case "browser":
      return ["webgpu", "wasm", "cpu"]
  }
}
