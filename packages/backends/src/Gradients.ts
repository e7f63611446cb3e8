/**
 * Gradient registration that works under Node, Bun, Deno and in browsers.
 *
 * `@tensorflow/tfjs-core` registers no gradients by itself; its own `register_all_gradients` module is
 * ESM with extension-less imports, which Node and Deno cannot load from the CommonJS-typed package. The
 * `@tensorflow/tfjs` bundle registers them into tfjs' global registry in every runtime, so it is loaded
 * once here, unless a bundler already included `register_all_gradients`; then AD-Drop's own gradient
 * configs replace the stock ones where ours are faster.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"
import { batchMatMulGradConfig } from "@addrop/ops"

/**
 * Gradient configs that replace tfjs' stock ones after {@link install}.
 *
 * @since 0.1.0
 * @category constants
 */
export const overrides: ReadonlyArray<tf.GradConfig> = [batchMatMulGradConfig]

let installed: Promise<void> | undefined

/**
 * Registers tfjs' stock gradients and AD-Drop's overrides. Idempotent; every backend layer calls it.
 *
 * @example
 * ```ts
 * import { Gradients } from "@addrop/backends"
 * await Gradients.install()
 * const g = tf.grad((x) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2]))
 * ```
 * @since 0.1.0
 * @category registration
 */
export const install = (): Promise<void> => {
  installed ??= (stockRegistered() ? Promise.resolve() : import("@tensorflow/tfjs")).then(() => {
    for (const config of overrides) tf.registerGradient(config)
  })
  return installed
}

/**
 * Whether tfjs' stock gradients are registered already: a bundle that imports tfjs-core's
 * `register_all_gradients` (a Cloudflare Worker, which cannot import `@tensorflow/tfjs` at run time)
 * needs no `@tensorflow/tfjs`. Checked on kernels that none of the overrides replace.
 */
const stockRegistered = (): boolean => [tf.Softmax, tf.Tanh, tf.Sum, tf.Multiply].every(has)

/**
 * Whether a kernel has a registered gradient (for diagnostics and tests).
 *
 * @since 0.1.0
 * @category registration
 */
export const has = (kernelName: string): boolean => tf.getGradient(kernelName) !== undefined
