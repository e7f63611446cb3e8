/**
 * Every class of bad input reaches the caller as a tagged failure in the error channel of `Trainer.run` (or
 * of `Step.train` for tensors the trainer's batches cannot carry), never as a defect or a throw. Asserted by
 * tag and by the field that names the culprit. Runs under Node, Bun and Deno (scripts/matrix.mjs), on wasm.
 */
import { Key } from "@addrop/random"
import * as tf from "@tensorflow/tfjs-core"
import { Cause, Effect, Exit, type FileSystem } from "effect"
import { describe, expect, it } from "vitest"
import { Model } from "@addrop/models"
import { type Batch, Evaluate, Optimizer, RunState, Step, Trainer } from "../src/index.js"
import {
  accuracyEvaluator,
  config,
  makeModel,
  runWasm,
  syntheticData,
  trainerConfig,
  useWasm
} from "./helpers.js"

useWasm()

const { train, dev } = syntheticData(48, 8)
const evaluate = accuracyEvaluator(dev, Evaluate.predict)

/** The training data with its second batch of every epoch replaced. */
const withBatch = (replace: (batch: Batch.EncodedBatch) => Batch.EncodedBatch): Trainer.TrainData => ({
  stepsPerEpoch: train.stepsPerEpoch,
  batches: (epoch) =>
    [...(train.batches(epoch) as Iterable<Batch.EncodedBatch>)].map((b, i) => (i === 1 ? replace(b) : b))
})

/** A run of a fresh model with `config` overrides (AD-Drop on every step, so its services are exercised). */
const runWith = (
  overrides: Partial<Trainer.TrainerConfig> & {
    readonly data?: Trainer.TrainData
    readonly start?: Trainer.Start
  },
  prepare: (model: ReturnType<typeof makeModel>) => void = () => undefined
) =>
  Effect.suspend(() => {
    const model = makeModel()
    prepare(model)
    const { data = train, start, ...settings } = overrides
    return Trainer.run({
      model,
      data,
      evaluate,
      config: trainerConfig({ epochs: 1, schedule: () => "addrop", ...settings }),
      start
    }).pipe(
      Effect.ensuring(Effect.sync(() => model.dispose())),
      Effect.tap((result) => Effect.sync(() => Optimizer.dispose(result.optimizer)))
    )
  })

/** One AD-Drop step of a fresh model on hand-made tensors (ids, mask, labels). */
const stepOn = (ids: tf.Tensor, mask: tf.Tensor, labels: tf.Tensor) =>
  Effect.suspend(() => {
    const model = makeModel()
    const state = Optimizer.init(model.parameters)
    const config = trainerConfig()
    return Step.train(model, state, { inputIds: ids, attentionMask: mask } as never, labels as never, {
      phase: "addrop",
      learningRate: 1e-3,
      maxGradNorm: 1,
      adamw: Optimizer.defaults,
      adDrop: config.adDrop,
      root: Key.make(1),
      step: 0
    }).pipe(
      Effect.ensuring(
        Effect.sync(() => {
          Optimizer.dispose(state)
          model.dispose()
          tf.dispose([ids, mask, labels])
        })
      )
    )
  })

/**
 * Runs `effect` with the gradient of one kernel taken out of tfjs' registry, as if the backend layer had
 * not registered it (tfjs-core keeps the registry in `globalThis._tfGlobals`), and puts it back after.
 */
const withoutGradient = <A, E, R>(kernel: string, effect: Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const registry = (
        globalThis as unknown as { _tfGlobals: Map<string, Map<string, tf.GradConfig>> }
      )._tfGlobals.get("gradRegistry")!
      const config = registry.get(kernel)!
      registry.delete(kernel)
      return { registry, config }
    }),
    () => effect,
    ({ registry, config }) => Effect.sync(() => registry.set(kernel, config))
  )

const mask = (p: number, q: number) => {
  const config = trainerConfig()
  return { adDrop: { ...config.adDrop, mask: { ...config.adDrop.mask, p, q } } }
}

interface Case {
  readonly name: string
  readonly run: () => Effect.Effect<unknown, unknown, FileSystem.FileSystem>
  /** The failure's `_tag` and the fields that say what was wrong. */
  readonly expected: Readonly<Record<string, unknown>>
  /** Words the message must hold. */
  readonly says: string
}

const cases: ReadonlyArray<Case> = [
  {
    name: "p out of range",
    run: () => runWith(mask(1.5, 0.3)),
    expected: { _tag: "InvalidMaskOption", option: "p", value: 1.5 },
    says: "[0, 1]"
  },
  {
    name: "q out of range",
    run: () => runWith(mask(0.3, -0.1)),
    expected: { _tag: "InvalidMaskOption", option: "q", value: -0.1 },
    says: "[0, 1]"
  },
  {
    name: "unknown layer",
    run: () => {
      const config = trainerConfig()
      return runWith({ adDrop: { ...config.adDrop, layers: [0, 5] } })
    },
    expected: { _tag: "InvalidAttributionRequest" },
    says: "5"
  },
  {
    name: "shape mismatch (input ids shorter than the batch's shape)",
    run: () => runWith({ data: withBatch((b) => ({ ...b, inputIds: b.inputIds.subarray(1) })) }),
    expected: { _tag: "InvalidInput", input: "batch" },
    says: "batch 1 of epoch 0"
  },
  {
    name: "shape mismatch (attention mask of another shape than the ids)",
    run: () => stepOn(tf.zeros([2, 8], "int32"), tf.ones([2, 7], "int32"), tf.tensor1d([0, 1], "int32")),
    expected: { _tag: "InvalidInput", input: "attentionMask" },
    says: "[2,8]"
  },
  {
    name: "dtype mismatch (float input ids)",
    run: () => stepOn(tf.zeros([2, 8], "float32"), tf.ones([2, 8], "int32"), tf.tensor1d([0, 1], "int32")),
    expected: { _tag: "InvalidInput", input: "inputIds" },
    says: "int32"
  },
  {
    name: "dtype mismatch (float class labels)",
    run: () => stepOn(tf.zeros([2, 8], "int32"), tf.ones([2, 8], "int32"), tf.tensor1d([0, 1], "float32")),
    expected: { _tag: "InvalidInput", input: "labels" },
    says: "int32"
  },
  {
    name: "shape mismatch (optimizer state of another model)",
    run: () =>
      Effect.suspend(() => {
        const other = Model.makeUnsafe(config, { task: "classification", numLabels: 3, key: Key.make(0) })
        const optimizer = Optimizer.init(other.parameters)
        other.dispose()
        return runWith({ start: { optimizer, state: RunState.initial("test") } }).pipe(
          Effect.ensuring(Effect.sync(() => Optimizer.dispose(optimizer)))
        )
      }),
    expected: { _tag: "InvalidInput", input: "optimizer" },
    says: "classifier"
  },
  {
    name: "NaN loss",
    run: () =>
      runWith({}, (model) => {
        const bias = model.parameters.get("classifier.bias")!
        const nan = tf.fill(bias.shape, Number.NaN)
        bias.assign(nan)
        nan.dispose()
      }),
    expected: { _tag: "NonFiniteLoss", step: 0, epoch: 0 },
    says: "diverged at step 1"
  },
  {
    name: "empty batch",
    run: () =>
      runWith({
        data: withBatch((b) => ({
          ...b,
          shape: [0, b.shape[1]],
          inputIds: new Int32Array(0),
          attentionMask: new Int32Array(0),
          tokenTypeIds: new Int32Array(0),
          labels: new Int32Array(0)
        }))
      }),
    expected: { _tag: "InvalidInput" },
    says: "empty"
  },
  {
    name: "missing gradient registration",
    run: () => withoutGradient("Tanh", runWith({})),
    expected: { _tag: "MissingGradient", kernel: "Tanh" },
    says: "Tanh"
  },
  {
    name: "unknown label",
    run: () => runWith({ data: withBatch((b) => ({ ...b, labels: b.labels.map(() => 7) as Int32Array })) }),
    expected: { _tag: "InvalidInput", input: "labels" },
    says: "label 7"
  }
]

describe("typed errors end to end [wasm]", () => {
  it.each(cases)("$name fails with its tag in the error channel [wasm]", async ({ run, expected, says }) => {
    const before = tf.memory().numTensors
    const exit = await runWasm(Effect.exit(run()))
    // A failure, not a defect (a throw that escaped) and not a success.
    expect(Exit.isFailure(exit) && Cause.hasFails(exit.cause)).toBe(true)
    const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
    expect(error).toMatchObject(expected)
    expect((error as Error).message).toContain(says)
    // The failed run freed what it made.
    expect(tf.memory().numTensors).toBe(before)
  })
})
