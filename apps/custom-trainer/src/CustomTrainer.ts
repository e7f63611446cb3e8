/**
 * A trainer written as a user would: the packages composed, nothing of the reference trainer's settings.
 * IGA attribution and the low strategy are chosen by the layers provided, not by options; the schedule is a
 * plain function (AD-Drop on every third step); events are handled as a stream.
 */
import { AttentionKernel } from "@addrop/attention"
import { AttributionMethod } from "@addrop/attribution"
import { TensorBackend } from "@addrop/backends"
import { MaskSampler } from "@addrop/mask"
import { Model, Presets } from "@addrop/models"
import { Draw, Key } from "@addrop/random"
import { type Batch, Evaluate, Optimizer, Trainer } from "@addrop/trainer"
import { Effect, FileSystem, Layer, Stream } from "effect"

const L = 8
/** A learnable toy task: label 1 when token 7 occurs in the sequence. */
const example = (u: ArrayLike<number>, i: number) => {
  const ids = Array.from({ length: L }, (_, j) => 3 + Math.floor(u[i * L + j]! * 37))
  if (i % 2 === 0) ids[i % L] = 7
  return { ids, label: ids.includes(7) ? 1 : 0 }
}
const encode = (rows: ReadonlyArray<{ ids: Array<number>; label: number }>): Batch.EncodedBatch => ({
  shape: [rows.length, L],
  inputIds: Int32Array.from(rows.flatMap((r) => r.ids)),
  attentionMask: new Int32Array(rows.length * L).fill(1),
  tokenTypeIds: new Int32Array(rows.length * L),
  labels: Int32Array.from(rows.map((r) => r.label))
})
const u = Draw.uniform(Key.make(7), 64 * L)
const rows = Array.from({ length: 64 }, (_, i) => example(u, i))
const batches = Array.from({ length: 8 }, (_, b) => encode(rows.slice(b * 8, b * 8 + 8)))

/** What the trainer reports: each step's phase and loss, and the last evaluation. */
export interface Report {
  readonly steps: ReadonlyArray<{ readonly step: number; readonly phase: string; readonly loss: number }>
  readonly accuracy: number | undefined
}

/** The swappable pieces, chosen here once: IGA on the attention maps, the low-attribution region. */
export const Services = Layer.mergeAll(
  AttentionKernel.layerTfjs,
  AttributionMethod.layerIga({ steps: 4 }),
  MaskSampler.layerLow({ p: 0.3, q: 0.3 }),
  Optimizer.layerAdamW({ ...Optimizer.defaults, weightDecay: 0 }),
  FileSystem.layerNoop({})
)

/** Trains a tiny BERT for `epochs` epochs of 6 batches (the last 2 batches are the dev set). */
export const train = (epochs: number) =>
  Effect.gen(function* () {
    const config = { ...Presets.tiny, vocabSize: 40, hiddenSize: 32, intermediateSize: 64 }
    const model = yield* Model.makeWith(config, { task: "classification", numLabels: 2, key: Key.make(0) })
    const evaluate: Evaluate.Evaluator = (m) =>
      Effect.map(Evaluate.predict(m, batches.slice(6)), ({ predictions, labels }) => {
        const accuracy = predictions.filter((p, i) => p === labels[i]).length / labels.length
        return { metrics: { accuracy }, main: accuracy }
      })
    const events = Trainer.stream({
      model,
      data: { stepsPerEpoch: 6, batches: () => batches.slice(0, 6) },
      evaluate,
      config: {
        epochs,
        learningRate: 3e-3,
        warmupRatio: 0.1,
        maxGradNorm: 1,
        schedule: ({ step }) => (step % 3 === 2 ? "addrop" : "ft"),
        adDrop: { layers: [0, 1], attributionMode: "train" },
        seed: 1,
        fingerprint: "custom"
      }
    })
    // Our own event handling: keep the steps, remember the last evaluation.
    const report = yield* Stream.runFold(
      events,
      (): Report => ({ steps: [], accuracy: undefined }),
      (report, event) =>
        event.type === "step"
          ? {
              ...report,
              steps: [...report.steps, { step: event.step, phase: event.phase, loss: event.loss }]
            }
          : event.type === "epoch"
            ? { ...report, accuracy: event.main }
            : report
    ).pipe(Effect.ensuring(Effect.sync(() => model.dispose())))
    return report
  }).pipe(Effect.provide(Layer.merge(Services, TensorBackend.layerCpu)))
