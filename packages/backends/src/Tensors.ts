/**
 * Tensor lifetimes as Effect resources.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"
import { Effect, type Scope } from "effect"

/**
 * Creates tensors that are disposed when the enclosing scope closes, whatever the exit.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Tensors } from "@addrop/backends"
 * const program = Effect.scoped(Effect.gen(function* () {
 *   const x = yield* Tensors.scoped(() => tf.ones([2, 2]))
 *   return (yield* Effect.promise(() => x.data()))[0]
 * }))
 * ```
 * @since 0.1.0
 * @category resources
 */
export const scoped = <T extends tf.TensorContainer>(create: () => T): Effect.Effect<T, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => tf.tidy(() => create())),
    (tensors) => Effect.sync(() => tf.dispose(tensors))
  )

/**
 * The number of live tensors, for leak checks.
 *
 * @since 0.1.0
 * @category diagnostics
 */
export const count = (): number => tf.memory().numTensors

/**
 * Runs an effect and reports how many tensors it left alive beyond those it returned.
 *
 * @since 0.1.0
 * @category diagnostics
 */
export const measureLeaks = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<{ readonly value: A; readonly leaked: number }, E, R> =>
  Effect.gen(function* () {
    const before = count()
    const value = yield* effect
    return { value, leaked: count() - before }
  })
