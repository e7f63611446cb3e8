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
 * A function that hands each tensor (or container of tensors) given to it to the enclosing scope, which
 * disposes them all when it closes, whatever the exit: for tensors made one by one along a program (a batch,
 * the logits, each layer's attribution map) where one {@link scoped} block does not fit.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Tensors } from "@addrop/backends"
 * const program = Effect.scoped(Effect.gen(function* () {
 *   const keep = yield* Tensors.keeper
 *   const x = keep(tf.ones([2, 2]))
 *   const y = keep(tf.mul(x, 2))
 *   return (yield* Effect.promise(() => y.data()))[0] // 2; x and y are disposed when the scope closes
 * }))
 * ```
 * @since 0.1.0
 * @category resources
 */
export const keeper: Effect.Effect<<T extends tf.TensorContainer>(tensors: T) => T, never, Scope.Scope> =
  Effect.gen(function* () {
    const kept: Array<tf.TensorContainer> = []
    yield* Effect.addFinalizer(() => Effect.sync(() => tf.dispose(kept)))
    return (tensors) => {
      kept.push(tensors)
      return tensors
    }
  })

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
