/**
 * A fine-tuning session: a classifier, its tokenizer, training and dev text, and the run over them: AD-Drop
 * steps (`@addrop/trainer`'s `Step.train`) in the phases the schedule names, the dev set scored after every
 * epoch, each step and score reported as an {@link Event} as it happens.
 *
 * @since 0.1.0
 */
import type { Dataset } from "@addrop/data"
import { Batch } from "@addrop/data"
import { accuracy } from "@addrop/metrics"
import type { Model } from "@addrop/models"
import { Key } from "@addrop/random"
import { positionAt } from "@addrop/schedule"
import type { Tokenizer } from "@addrop/tokenizer"
import { Batch as TrainerBatch, Evaluate, Optimizer, Step } from "@addrop/trainer"
import { Effect, Stream } from "effect"
import type { Settings } from "./Settings.js"

/**
 * What a session trains: the model (its weights change in place), the tokenizer, and the labelled text.
 *
 * @since 0.1.0
 * @category models
 */
export interface Session {
  readonly model: Model.Model
  readonly tokenizer: Tokenizer.Tokenizer
  readonly train: Dataset.Dataset
  readonly dev: Dataset.Dataset
}

/**
 * One optimizer step (its phase, the trained loss and the gradient norm before clipping), or the dev scores
 * after an epoch.
 *
 * @since 0.1.0
 * @category models
 */
export type Event =
  | {
      readonly _tag: "Step"
      readonly step: number
      readonly epoch: number
      readonly phase: "ft" | "addrop"
      readonly loss: number
      readonly gradNorm: number
    }
  | { readonly _tag: "Dev"; readonly step: number; readonly epoch: number; readonly accuracy: number }

/** The first `n` examples of a dataset. */
const head = (dataset: Dataset.Dataset, n: number): Dataset.Dataset => ({
  ...dataset,
  examples: dataset.examples.slice(0, n)
})

/**
 * Dev accuracy of the model as it is now, in evaluation mode.
 *
 * @since 0.1.0
 * @category evaluation
 */
export const devAccuracy = (session: Session, settings: Settings) =>
  Effect.gen(function* () {
    const dev = head(session.dev, settings.devExamples)
    const batches = yield* Stream.runCollect(
      Batch.batches(dev, {
        tokenizer: session.tokenizer,
        batchSize: settings.batchSize,
        maxLength: settings.maxLength
      })
    )
    const { predictions, labels } = yield* Evaluate.predict(session.model, batches)
    return yield* Effect.fromResult(accuracy(predictions, labels))
  })

/**
 * Trains the session's model for `settings.epochs` epochs over its first `settings.trainExamples` training
 * examples, shuffled per epoch from the seed; AD-Drop (or plain fine-tuning, by the schedule) at every step;
 * the dev accuracy after each epoch. `emit` receives every event as it happens (a page draws it, and yields so
 * that the browser paints). The optimizer's state is freed when the run ends, fails or is interrupted.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as Session from "./Session.js"
 * yield* Session.train(session, settings, (event) => Effect.sync(() => console.log(event)))
 * ```
 * @since 0.1.0
 * @category training
 */
export const train = <E, R>(
  session: Session,
  settings: Settings,
  emit: (event: Event) => Effect.Effect<void, E, R>
) =>
  Effect.gen(function* () {
    const { model, tokenizer } = session
    const data = head(session.train, settings.trainExamples)
    const stepsPerEpoch = Math.ceil(data.examples.length / settings.batchSize)
    const root = Key.make(settings.seed)
    let state = Optimizer.init(model.parameters)
    yield* Effect.addFinalizer(() => Effect.sync(() => Optimizer.dispose(state)))
    let step = 0
    for (let epoch = 0; epoch < settings.epochs; epoch++) {
      const batches = Batch.batches(data, {
        tokenizer,
        batchSize: settings.batchSize,
        maxLength: settings.maxLength,
        shuffle: { seed: settings.seed, epoch }
      })
      let stepInEpoch = 0
      yield* Stream.runForEach(batches, (encoded) =>
        Effect.gen(function* () {
          const phase = settings.schedule(positionAt(epoch, stepInEpoch, stepsPerEpoch))
          const { inputs, labels } = TrainerBatch.toTensors(encoded, model.task)
          const result = yield* Step.train(model, state, inputs, labels, {
            phase,
            learningRate: settings.learningRate,
            maxGradNorm: 1,
            adamw: Optimizer.defaults,
            adDrop: {
              method: settings.method,
              layers: settings.layers,
              mask: { p: settings.p, q: settings.q, strategy: "high" },
              attributionMode: "train"
            },
            root,
            step
          }).pipe(Effect.ensuring(Effect.sync(() => TrainerBatch.dispose({ inputs, labels }))))
          state = result.state
          yield* emit({ _tag: "Step", step, epoch, phase, loss: result.loss, gradNorm: result.gradNorm })
          step++
          stepInEpoch++
        })
      )
      yield* emit({ _tag: "Dev", step, epoch, accuracy: yield* devAccuracy(session, settings) })
    }
    return { steps: step }
  }).pipe(Effect.scoped)
