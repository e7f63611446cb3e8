/**
 * Predictions of a model over batches, in evaluation mode.
 *
 * @since 0.1.0
 */
import { InvalidInput, Loss, type Model } from "@addrop/models"
import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"
import * as Batch from "./Batch.js"

/**
 * Dev-set scores: every metric, and `main`, the one maximised for model selection.
 *
 * @since 0.1.0
 * @category models
 */
export interface Scores {
  readonly metrics: Readonly<Record<string, number>>
  readonly main: number
}

/**
 * Scores the current model; supplied by the caller (the CLI scores GLUE tasks with `@addrop/metrics`). By
 * default it may fail with the model's `InvalidInput` (as {@link predict} does for a batch the model
 * rejects), which `Trainer.run` passes on.
 *
 * @since 0.1.0
 * @category models
 */
export type Evaluator<E = InvalidInput, R = never> = (model: Model.Model) => Effect.Effect<Scores, E, R>

/**
 * The model's predictions (class ids, regression values, or token class ids flattened `[B·L]`), the gold
 * labels when the batches have them, and each row's logits, over `batches`, in order.
 *
 * @example
 * ```ts
 * import { Evaluate } from "@addrop/trainer"
 * const { predictions, labels } = yield* Evaluate.predict(model, devBatches)
 * ```
 * @since 0.1.0
 * @category evaluation
 */
export const predict = (
  model: Model.Model,
  batches: Iterable<Batch.InputBatch & { readonly labels?: Int32Array | Float32Array | undefined }>
): Effect.Effect<
  {
    readonly predictions: Float64Array
    readonly labels: Float64Array
    readonly logits: Array<Float32Array>
  },
  InvalidInput
> =>
  Effect.gen(function* () {
    const predictions: Array<number> = []
    const labels: Array<number> = []
    const logits: Array<Float32Array> = []
    for (const encoded of batches) {
      const inputs = yield* Effect.try({
        try: () => Batch.inputTensors(encoded),
        catch: (cause) =>
          new InvalidInput({ input: "batch", reason: cause instanceof Error ? cause.message : String(cause) })
      })
      // The model throws InvalidInput for a batch it cannot use (ids outside its vocabulary, say).
      const out = yield* Effect.try({
        try: () =>
          tf.tidy(() => {
            const l = model.forward(inputs, { training: false }).logits
            return { logits: l, predictions: Loss.predictions(model.task, l) }
          }),
        catch: (cause) =>
          cause instanceof InvalidInput
            ? cause
            : new InvalidInput({
                input: "batch",
                reason: cause instanceof Error ? cause.message : String(cause)
              })
      }).pipe(Effect.onError(() => Effect.sync(() => Batch.disposeInputs(inputs))))
      const [p, l] = yield* Effect.promise(() => Promise.all([out.predictions.data(), out.logits.data()]))
      tf.dispose([out.predictions, out.logits])
      Batch.disposeInputs(inputs)
      const rows = encoded.shape[0]
      const rowWidth = l.length / rows
      for (let i = 0; i < rows; i++)
        logits.push(Float32Array.from(l.subarray(i * rowWidth, (i + 1) * rowWidth)))
      for (const v of p) predictions.push(v)
      for (const v of encoded.labels ?? []) labels.push(v)
    }
    return { predictions: Float64Array.from(predictions), labels: Float64Array.from(labels), logits }
  })
