import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as tf from "@tensorflow/tfjs-core"
import { Data, Effect, Schema, Stream } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { type Batch, Evaluate, Optimizer, RunState, Trainer } from "../src/index.js"
import {
  accuracyEvaluator,
  makeModel,
  runWasm,
  syntheticData,
  tempDir,
  trainerConfig,
  useWasm
} from "./helpers.js"

useWasm()

let dir: ReturnType<typeof tempDir> | undefined
afterEach(() => {
  dir?.cleanup()
  dir = undefined
})

const { train, dev } = syntheticData(96, 8)
const evaluate = accuracyEvaluator(dev, Evaluate.predict)
// Enough data for the tiny model to learn the task within four epochs.
const larger = syntheticData(256, 8)

/** Runs a fresh model with `config` and kills the run as step `step` starts (a crash); returns its exit. */
const runKilledAtStep = (config: Trainer.TrainerConfig, step: number) =>
  Effect.runPromiseExit(
    Effect.promise(() =>
      runWasm(
        Trainer.run({
          model: makeModel(),
          data: train,
          evaluate,
          config,
          hooks: {
            onEvent: (e) => (e.type === "step" && e.step === step ? Effect.die("killed") : Effect.void)
          }
        })
      )
    )
  )

describe("Trainer.run", () => {
  it("learns a synthetic task with cross-tuned AD-Drop, following the schedule, and reports events", async () => {
    dir = tempDir()
    const events: Array<Trainer.TrainerEvent> = []
    const model = makeModel()
    const result = await runWasm(
      Trainer.run({
        model,
        data: larger.train,
        evaluate: accuracyEvaluator(larger.dev, Evaluate.predict),
        config: trainerConfig({ outDir: dir.path, learningRate: 5e-3 }),
        hooks: { onEvent: (e) => Effect.sync(() => events.push(e)) }
      })
    )
    const history = await runWasm(RunState.readHistory(dir.path))
    const epochs = history.epochs
    expect(epochs.map((e) => e.phase)).toEqual(["ft", "addrop", "ft", "addrop"])
    const perEpoch = larger.train.stepsPerEpoch
    expect(history.steps).toHaveLength(4 * perEpoch)
    expect(history.steps.map((s) => s.step)).toEqual(Array.from({ length: 4 * perEpoch }, (_, i) => i))
    expect(history.steps.filter((s) => s.phase === "addrop")).toHaveLength(2 * perEpoch)
    // Each epoch's training loss is the mean of its logged step losses.
    for (const e of epochs) {
      const losses = history.steps.filter((s) => s.epoch === e.epoch).map((s) => s.loss)
      expect(e.trainLoss).toBe(losses.reduce((a, b) => a + b, 0) / losses.length)
    }
    expect(result.state.lastEval).toEqual(epochs.at(-1))
    expect(result.state.epoch).toBe(4)
    // It learns: the last epoch's mean loss is far below the first's and dev accuracy is well above chance.
    expect(epochs.at(-1)!.trainLoss).toBeLessThan(epochs[0]!.trainLoss / 2)
    expect(result.best!.main).toBeGreaterThan(0.9)
    expect(events[0]!.type).toBe("run-started")
    expect(events.at(-1)!.type).toBe("run-completed")
    expect(events.filter((e) => e.type === "step")).toHaveLength(4 * perEpoch)
    expect(events.filter((e) => e.type === "epoch")).toHaveLength(4)
    // On disk: the best model in HF layout, one checkpoint, the metrics log.
    expect(existsSync(join(dir.path, "best", "model.safetensors"))).toBe(true)
    expect(JSON.parse(readFileSync(join(dir.path, "best", "eval_results.json"), "utf8")).main).toBe(
      result.best!.main
    )
    expect(readdirSync(join(dir.path, "checkpoints")).sort()).toEqual([
      "latest.json",
      `step-${String(4 * perEpoch).padStart(8, "0")}`
    ])
    const log = readFileSync(join(dir.path, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
    expect(log.filter((l) => l.type === "step")).toHaveLength(4 * perEpoch)
    expect(log.filter((l) => l.type === "epoch").map((l) => l.main)).toEqual(epochs.map((e) => e.main))
    Optimizer.dispose(result.optimizer)
    model.dispose()
  })

  it("leaks no tensors per step", async () => {
    const model = makeModel()
    const counts: Array<number> = []
    const result = await runWasm(
      Trainer.run({
        model,
        data: train,
        evaluate,
        config: trainerConfig({ epochs: 2 }),
        hooks: { onEvent: (e) => Effect.sync(() => e.type === "step" && counts.push(tf.memory().numTensors)) }
      })
    )
    // Every step (FT in epoch 1, AD-Drop in epoch 2) ends with the same number of live tensors.
    expect(new Set(counts).size).toBe(1)
    Optimizer.dispose(result.optimizer)
    model.dispose()
  })

  it("a run interrupted after a checkpoint and resumed ends exactly like an uninterrupted run", async () => {
    const straightDir = tempDir()
    await runWasm(
      Trainer.run({
        model: makeModel(),
        data: train,
        evaluate,
        config: trainerConfig({ epochs: 3, outDir: straightDir.path })
      })
    )
    const straight = await runWasm(RunState.readHistory(straightDir.path))
    straightDir.cleanup()
    dir = tempDir()
    const config = trainerConfig({ epochs: 3, outDir: dir.path, checkpointEvery: 4 })
    // Crash in the middle of epoch 2, after the checkpoint of step 16.
    const crashed = await runKilledAtStep(config, 17)
    expect(crashed._tag).toBe("Failure")
    const resumed = await runWasm(
      Effect.gen(function* () {
        const restored = yield* RunState.load(dir!.path, { task: "classification" })
        expect(restored.state.nextStep).toBe(16)
        return yield* Trainer.run({ model: restored.model, data: train, evaluate, config, start: restored })
      })
    )
    expect(resumed.state.nextStep).toBe(27)
    const history = await runWasm(RunState.readHistory(dir.path))
    expect(history.steps.map((s) => s.step)).toEqual(Array.from({ length: 27 }, (_, i) => i))
    expect(history.steps.map((s) => s.loss)).toEqual(straight.steps.map((s) => s.loss))
    expect(history.epochs.map((e) => e.main)).toEqual(straight.epochs.map((e) => e.main))
    expect(history.epochs.map((e) => e.trainLoss)).toEqual(straight.epochs.map((e) => e.trainLoss))
    expect(resumed.state.best?.main).toBe(Math.max(...straight.epochs.map((e) => e.main)))
    const log = readFileSync(join(dir.path, "metrics.jsonl"), "utf8").trim().split("\n")
    expect(log.filter((l) => l.includes('"type":"step"'))).toHaveLength(27)
  })

  it("checkpoints a state whose size does not grow with the number of steps", async () => {
    dir = tempDir()
    const sizes: Array<{ step: number; state: string }> = []
    const result = await runWasm(
      Trainer.run({
        model: makeModel(),
        data: train,
        evaluate,
        config: trainerConfig({ epochs: 3, outDir: dir.path, checkpointEvery: 2 }),
        hooks: {
          onEvent: (e) =>
            Effect.sync(() => {
              if (e.type === "checkpoint")
                sizes.push({ step: e.step, state: readFileSync(join(e.path, "trainer_state.json"), "utf8") })
            })
        }
      })
    )
    expect(result.state.nextStep).toBe(27)
    // From the first checkpoint after an evaluation (which adds lastEval and best) to the last one, 18 more
    // steps ran; a state holding the history would have grown by ~2 kB (over 100 bytes a step).
    const afterEval = sizes.filter((c) => c.step >= 9)
    expect(afterEval.at(-1)!.step).toBe(27)
    const lengths = afterEval.map((c) => c.state.length)
    expect(Math.max(...lengths) - Math.min(...lengths)).toBeLessThan(100)
    for (const { state } of sizes) {
      expect(Object.values(JSON.parse(state)).some(Array.isArray)).toBe(false)
    }
  })

  it("loads a version-1 state (which held the history) as the constant-size one, and refuses a damaged one", async () => {
    dir = tempDir()
    const config = trainerConfig({ epochs: 2, outDir: dir.path, checkpointEvery: 4 })
    // Stop in epoch 2 after the checkpoint of step 12, so the state has a current epoch and a last evaluation.
    await runKilledAtStep(config, 13)
    const latest = JSON.parse(readFileSync(join(dir.path, "checkpoints", "latest.json"), "utf8"))
    const statePath = join(dir.path, "checkpoints", latest.checkpoint, "trainer_state.json")
    const v2 = JSON.parse(readFileSync(statePath, "utf8")) as RunState.TrainerState
    expect(v2).toMatchObject({ version: 2, nextStep: 12, epoch: 1, stepInEpoch: 3, epochSteps: 3 })
    const history = await runWasm(RunState.readHistory(dir.path))
    const { epochLossSum, epochSteps, epochAddropSteps, lastEval, ...common } = v2
    const v1 = {
      ...common,
      version: 1,
      steps: history.steps.filter((s) => s.step < 12),
      epochs: history.epochs
    }
    writeFileSync(statePath, JSON.stringify(v1))
    const migrated = await runWasm(
      Effect.map(RunState.load(dir.path, { task: "classification" }), (r) => {
        r.model.dispose()
        Optimizer.dispose(r.optimizer)
        return r.state
      })
    )
    expect(migrated).toEqual(v2)
    writeFileSync(statePath, "{ not json")
    const error = await runWasm(Effect.flip(RunState.load(dir.path, { task: "classification" })))
    expect(error._tag).toBe("ResumeFailed")
    expect(error.message).toContain("trainer_state.json is not valid JSON")
  })

  it("cuts the log back to the checkpoint when resuming, skipping a torn last line", () => {
    const state = {
      ...RunState.initial("x"),
      nextStep: 3,
      epoch: 1,
      stepInEpoch: 1
    }
    const step = (n: number, epoch: number) => JSON.stringify({ type: "step", step: n, epoch, loss: n })
    const text = [
      step(0, 0),
      step(1, 0),
      JSON.stringify({ type: "epoch", epoch: 0, main: 0.5 }),
      step(2, 1),
      step(3, 1),
      JSON.stringify({ type: "epoch", epoch: 1, main: 0.6 }),
      '{"type":"step","st'
    ].join("\n")
    expect(RunState.truncateLog(text, state).trim().split("\n")).toEqual([
      step(0, 0),
      step(1, 0),
      JSON.stringify({ type: "epoch", epoch: 0, main: 0.5 }),
      step(2, 1)
    ])
  })

  it("refuses to resume with different settings", async () => {
    dir = tempDir()
    await runWasm(
      Trainer.run({
        model: makeModel(),
        data: train,
        evaluate,
        config: trainerConfig({ epochs: 1, outDir: dir.path })
      })
    )
    const error = await runWasm(
      Effect.gen(function* () {
        const restored = yield* RunState.load(dir!.path, { task: "classification" })
        return yield* Effect.flip(
          Trainer.run({
            model: restored.model,
            data: train,
            evaluate,
            config: trainerConfig({ epochs: 2, outDir: dir!.path, fingerprint: "other" }),
            start: restored
          })
        )
      })
    )
    expect(error._tag).toBe("ResumeFailed")
    expect(error.message).toContain("other settings")
  })

  it("stops with NonFiniteLoss naming the step and leaves the last checkpoint intact", async () => {
    dir = tempDir()
    const model = makeModel()
    const config = trainerConfig({ epochs: 2, outDir: dir.path })
    await runWasm(Trainer.run({ model, data: train, evaluate, config: { ...config, epochs: 1 } }))
    const weightsPath = join(dir.path, "checkpoints", "step-00000009", "model.safetensors")
    const before = readFileSync(weightsPath)
    const error = await runWasm(
      Effect.gen(function* () {
        const restored = yield* RunState.load(dir!.path, { task: "classification" })
        const poisoned = restored.model.parameters.get("classifier.bias")!
        poisoned.assign(tf.fill(poisoned.shape, Number.NaN))
        return yield* Effect.flip(
          Trainer.run({ model: restored.model, data: train, evaluate, config, start: restored })
        )
      })
    )
    expect(error._tag).toBe("NonFiniteLoss")
    expect(error.message).toContain("step 10 (epoch 2)")
    expect(readFileSync(weightsPath).equals(before)).toBe(true)
    expect(readdirSync(join(dir.path, "checkpoints")).sort()).toEqual(["latest.json", "step-00000009"])
  })

  it("stops early after `patience` evaluations without improvement", async () => {
    // A learning rate of ~0 leaves the model unchanged: the dev score never improves after epoch 1.
    const result = await runWasm(
      Trainer.run({
        model: makeModel(),
        data: train,
        evaluate,
        config: trainerConfig({ epochs: 6, patience: 2, learningRate: 1e-12 })
      })
    )
    expect(result.stoppedEarly).toBe(true)
    expect(result.state.epoch).toBe(3)
  })

  it("rejects bad settings with a typed error", async () => {
    const error = await runWasm(
      Effect.flip(
        Trainer.run({ model: makeModel(), data: train, evaluate, config: trainerConfig({ epochs: 0 }) })
      )
    )
    expect(error._tag).toBe("InvalidTrainerConfig")
    expect(error.message).toContain("epochs")
  })

  it.each([
    ["epochs", 1.5, "Expected an integer"],
    ["learningRate", Number.NaN, "Expected a finite number"],
    ["learningRate", 0, "greater than 0"],
    ["warmupRatio", 1, "between 0 and 1"],
    ["maxGradNorm", -1, "greater than 0"],
    ["patience", 0, "greater than or equal to 1"],
    ["checkpointEvery", 2.5, "Expected an integer"],
    ["stepsPerEpoch", 0, "the training data yields no batch"]
  ] as const)("InvalidTrainerConfig names %s = %s with the reason", async (field, value, reason) => {
    const data = field === "stepsPerEpoch" ? { ...train, stepsPerEpoch: value } : train
    const config = trainerConfig(field === "stepsPerEpoch" ? {} : { [field]: value })
    const model = makeModel()
    const error = await runWasm(
      Effect.flip(Trainer.run({ model, data, evaluate, config })).pipe(
        Effect.ensuring(Effect.sync(() => model.dispose()))
      )
    )
    expect(error).toMatchObject({ _tag: "InvalidTrainerConfig", field, value })
    expect(error._tag === "InvalidTrainerConfig" && error.reason).toContain(reason)
  })

  it("TrainerSettings decodes the settings of the test runs and composes into a larger schema", () => {
    const Job = Schema.Struct({ name: Schema.String, trainer: Trainer.TrainerSettings })
    const trainer = { epochs: 3, learningRate: 2e-5, warmupRatio: 0.1, maxGradNorm: 1, patience: 2 }
    expect(Schema.decodeUnknownSync(Job)({ name: "sst2", trainer }).trainer).toEqual(trainer)
    expect(() => Schema.decodeUnknownSync(Job)({ name: "sst2", trainer: { ...trainer, epochs: 0 } })).toThrow(
      /epochs/
    )
  })

  it("rejects p or q out of range before the first step, with InvalidMaskOption", async () => {
    const steps: Array<number> = []
    const config = trainerConfig()
    const error = await runWasm(
      Effect.flip(
        Trainer.run({
          model: makeModel(),
          data: train,
          evaluate,
          config: { ...config, adDrop: { ...config.adDrop, mask: { p: 0.3, q: 2, strategy: "high" } } },
          hooks: { onEvent: (e) => Effect.sync(() => e.type === "step" && steps.push(e.step)) }
        })
      )
    )
    expect(error).toMatchObject({ _tag: "InvalidMaskOption", option: "q", value: 2 })
    expect(steps).toEqual([])
  })

  it("a schedule that throws fails the run with InvalidTrainerConfig naming the position", async () => {
    const error = await runWasm(
      Effect.flip(
        Trainer.run({
          model: makeModel(),
          data: train,
          evaluate,
          config: trainerConfig({
            schedule: (position) => {
              if (position.step === 2) throw new RangeError("no phase at step 2")
              return "ft"
            }
          })
        })
      )
    )
    expect(error).toMatchObject({ _tag: "InvalidTrainerConfig", field: "schedule" })
    expect(error.message).toContain("no phase at step 2")
  })

  it("a bad batch or an unknown label fails the run with InvalidInput, not a defect", async () => {
    const withBatch = (replace: (batch: Batch.EncodedBatch) => Batch.EncodedBatch): Trainer.TrainData => ({
      stepsPerEpoch: train.stepsPerEpoch,
      batches: (epoch) =>
        [...(train.batches(epoch) as Iterable<Batch.EncodedBatch>)].map((b, i) => (i === 1 ? replace(b) : b))
    })
    const fail = (data: Trainer.TrainData) =>
      runWasm(Effect.flip(Trainer.run({ model: makeModel(), data, evaluate, config: trainerConfig() })))
    const label = await fail(withBatch((b) => ({ ...b, labels: b.labels.map(() => 7) as Int32Array })))
    expect(label).toMatchObject({ _tag: "InvalidInput", input: "labels" })
    expect(label.message).toContain("label 7")
    const torn = await fail(withBatch((b) => ({ ...b, inputIds: b.inputIds.subarray(1) })))
    expect(torn).toMatchObject({ _tag: "InvalidInput", input: "batch" })
    expect(torn.message).toContain("batch 1 of epoch 0")
  })

  it("batches from a Stream: an encoding failure is the run's typed failure", async () => {
    class EncodeFailed extends Data.TaggedError("EncodeFailed")<{ readonly index: number }> {}
    const data: Trainer.TrainData<EncodeFailed> = {
      stepsPerEpoch: train.stepsPerEpoch,
      batches: (epoch) =>
        Stream.fromIterable(train.batches(epoch) as Iterable<Batch.EncodedBatch>).pipe(
          Stream.mapEffect((batch, index) =>
            index === 2 ? Effect.fail(new EncodeFailed({ index })) : Effect.succeed(batch)
          )
        )
    }
    const steps: Array<number> = []
    const error = await runWasm(
      Effect.flip(
        Trainer.run({
          model: makeModel(),
          data,
          evaluate,
          config: trainerConfig(),
          hooks: { onEvent: (e) => Effect.sync(() => e.type === "step" && steps.push(e.step)) }
        })
      )
    )
    expect(error).toMatchObject({ _tag: "EncodeFailed", index: 2 })
    expect(steps).toEqual([0, 1])
  })
})
