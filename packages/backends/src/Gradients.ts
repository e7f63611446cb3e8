/**
 * Gradient registration, explicit and light, that works under Node, Bun, Deno, in browsers and in workerd.
 *
 * `@tensorflow/tfjs-core` registers no gradients by itself. The ones AD-Drop's models use are tfjs-core's
 * own configs for the kernels in {@link kernels}, bundled from its `dist/gradients` into a module that takes
 * every op from the `@tensorflow/tfjs-core` entry (`scripts/stockGradients.ts` generates it and lists how
 * the kernels were measured); AD-Drop's own configs replace the stock ones where ours are faster
 * ({@link overrides}). Every backend layer calls {@link install}, so a program that provides a
 * `TensorBackend` layer has them; the whole `@tensorflow/tfjs` bundle is never loaded.
 *
 * A backward pass through a kernel outside the list fails, in the Effect error channel of whoever runs it,
 * with a {@link MissingGradient} naming the kernel ({@link missingGradient} recognises tfjs' error).
 *
 * @since 0.1.0
 */
import { batchMatMulGradConfig } from "@addrop/ops"
import * as tf from "@tensorflow/tfjs-core"
import { MissingGradient } from "./BackendError.js"
import { stockGradients } from "./internal/stockGradients.js"

/**
 * tfjs-core's own gradient configs that AD-Drop's models, attribution and trainer use.
 *
 * @since 0.1.0
 * @category constants
 */
export const stock: ReadonlyArray<tf.GradConfig> = stockGradients as ReadonlyArray<tf.GradConfig>

/**
 * Gradient configs that replace tfjs' stock ones after {@link install}.
 *
 * @since 0.1.0
 * @category constants
 */
export const overrides: ReadonlyArray<tf.GradConfig> = [batchMatMulGradConfig]

/**
 * The kernels whose gradients {@link install} registers.
 *
 * @since 0.1.0
 * @category constants
 */
export const kernels: ReadonlyArray<string> = [...new Set([...stock, ...overrides].map((c) => c.kernelName))]

let installed = false

/**
 * Registers the gradients of {@link kernels}: the stock ones where none is registered yet (an application
 * that registered tfjs' own keeps them), and AD-Drop's overrides. Idempotent; every backend layer calls it.
 *
 * @example
 * ```ts
 * import { Gradients } from "@addrop/backends"
 * import * as tf from "@tensorflow/tfjs-core"
 * Gradients.install()
 * const g = tf.grad((x) => tf.sum(tf.mul(x, x)))(tf.tensor1d([1, 2])) // [2, 4]
 * ```
 * @since 0.1.0
 * @category registration
 */
export const install = (): void => {
  if (installed) return
  for (const config of stock) if (!has(config.kernelName)) tf.registerGradient(config)
  for (const config of overrides) tf.registerGradient(config)
  installed = true
}

/**
 * Whether a kernel has a registered gradient (for diagnostics and tests).
 *
 * @since 0.1.0
 * @category registration
 */
export const has = (kernelName: string): boolean => tf.getGradient(kernelName) !== undefined

/** The part of tfjs' engine state that a failed backward pass leaves behind. */
interface TapeState {
  readonly state: {
    activeTape: ReadonlyArray<{ readonly saved?: ReadonlyArray<tf.Tensor> }> | null
    readonly gradientDepth: number
  }
}

/**
 * Runs `f`, a computation around `tf.grad`/`tf.valueAndGrads`/`tf.variableGrads`, as `tf.tidy` does (only
 * what it returns survives), so that a backward pass that throws (a {@link MissingGradient}, a shape error
 * in a gradient) leaves no tensors behind: tfjs disposes the tensors it saved for the backward pass only
 * when that pass succeeds, so they are disposed here when it does not, and the error is rethrown.
 *
 * @example
 * ```ts
 * import { Gradients } from "@addrop/backends"
 * import * as tf from "@tensorflow/tfjs-core"
 * const { value, grads } = Gradients.backward(() => tf.valueAndGrads((x) => tf.sum(tf.mul(x, x)))([x]))
 * ```
 * @since 0.1.0
 * @category registration
 */
export const backward = <A extends tf.TensorContainer>(f: () => A): A => {
  try {
    return tf.tidy(f)
  } catch (cause) {
    const engine = tf.engine() as unknown as TapeState
    if (engine.state.gradientDepth === 0 && engine.state.activeTape !== null) {
      for (const node of engine.state.activeTape) tf.dispose([...(node.saved ?? [])])
      engine.state.activeTape = null
    }
    throw cause
  }
}

const NOT_FOUND = /gradient function not found for (\w+)/

/**
 * The {@link MissingGradient} that tfjs' error `cause` reports, if it is one: for the `catch` of the
 * `Effect.try` around a backward pass.
 *
 * @example
 * ```ts
 * import { Gradients } from "@addrop/backends"
 * import * as tf from "@tensorflow/tfjs-core"
 * import { Effect } from "effect"
 * const backward = Effect.try({
 *   try: () => tf.grad((x) => tf.sum(tf.exp(x)))(tf.tensor1d([1, 2])),
 *   catch: (cause) => Gradients.missingGradient(cause) ?? new Error(String(cause))
 * }) // fails with MissingGradient { kernel: "Exp" }
 * ```
 * @since 0.1.0
 * @category errors
 */
export const missingGradient = (cause: unknown): MissingGradient | undefined => {
  if (cause instanceof MissingGradient) return cause
  const kernel = cause instanceof Error ? NOT_FOUND.exec(cause.message)?.[1] : undefined
  return kernel === undefined ? undefined : new MissingGradient({ kernel })
}
