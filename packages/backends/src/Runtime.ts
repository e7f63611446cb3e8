/**
 * The JavaScript runtime the process is running in, detected once from globals.
 *
 * @since 0.1.0
 */

/**
 * A JavaScript runtime that AD-Drop supports.
 *
 * @since 0.1.0
 * @category models
 */
export type Runtime = "node" | "bun" | "deno" | "workerd" | "browser"

interface RuntimeGlobals {
  readonly Deno?: unknown
  readonly Bun?: unknown
  readonly navigator?: { readonly userAgent?: string }
  readonly process?: { readonly versions?: { readonly node?: string } }
  readonly document?: unknown
  readonly WorkerGlobalScope?: unknown
}

/**
 * Detects the runtime from its globals. Bun and Deno both emulate `process`, so they are checked first;
 * so is Cloudflare's workerd, which emulates `process` under its `nodejs_compat` flag and is recognised
 * by the fixed `navigator.userAgent` it reports (tfjs, which looks for `window`/`WorkerGlobalScope`,
 * takes it for a browser).
 *
 * @example
 * ```ts
 * import { Runtime } from "@addrop/backends"
 * console.log(Runtime.detect()) // "node" under Node.js
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const detect = (globals: RuntimeGlobals = globalThis as RuntimeGlobals): Runtime => {
  if (globals.Deno !== undefined) return "deno"
  if (globals.Bun !== undefined) return "bun"
  if (globals.navigator?.userAgent === "Cloudflare-Workers") return "workerd"
  if (globals.process?.versions?.node !== undefined) return "node"
  return "browser"
}

/**
 * The runtime of the current process.
 *
 * @since 0.1.0
 * @category constants
 */
export const current: Runtime = detect()
