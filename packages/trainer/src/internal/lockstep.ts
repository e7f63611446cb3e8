import { Array as Arr, type Cause, Channel, Effect, Queue, Scope, Stream } from "effect"

/**
 * A stream whose producer runs only while its consumer waits for the next element: `produce` starts at the
 * first pull and pauses in `emit` until the consumer pulls again. So a consumer handling an element sees the
 * producer stopped at that element (not one element or one step ahead of it, as with a buffered
 * `Stream.callback`), and ending the stream there (`Stream.take`, a failing consumer, an interrupt)
 * interrupts the producer inside that `emit`.
 */
export const lockstep = <A, E, R>(
  produce: (emit: (a: A) => Effect.Effect<void>) => Effect.Effect<unknown, E, R | Scope.Scope>
): Stream.Stream<A, E, Exclude<R, Scope.Scope>> =>
  Stream.fromChannel(
    Channel.fromTransform((_, scope) =>
      Effect.gen(function* () {
        const elements = yield* Queue.make<A, E | Cause.Done>({ capacity: 1 })
        const demand = yield* Queue.make<void>()
        const emit = (a: A) => Effect.andThen(Queue.offer(elements, a), Queue.take(demand))
        yield* Queue.take(demand).pipe(
          Effect.andThen(produce(emit)),
          Effect.andThen(Queue.end(elements)),
          Effect.catchCause((cause) => Queue.failCause(elements, cause)),
          (effect) => Scope.provide(effect, scope),
          Effect.forkIn(scope, { startImmediately: true })
        )
        return Queue.offer(demand, undefined).pipe(Effect.andThen(Queue.take(elements)), Effect.map(Arr.of))
      })
    )
  )
