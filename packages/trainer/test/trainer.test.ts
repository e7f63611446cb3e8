import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { Evaluate, Optimizer, RunState, Trainer } from "../src/index.js"
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
    const epochs = result.state.epochs
    expect(epochs.map((e) => e.phase)).toEqual(["ft", "addrop", "ft", "addrop"])
    const perEpoch = larger.train.stepsPerEpoch
    expect(result.state.steps).toHaveLength(4 * perEpoch)
    expect(result.state.steps.filter((s) => s.phase === "addrop")).toHaveLength(2 * perEpoch)
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
    const straight = await runWasm(
      Trainer.run({ model: makeModel(), data: train, evaluate, config: trainerConfig({ epochs: 3 }) })
    )
    dir = tempDir()
    const config = trainerConfig({ epochs: 3, outDir: dir.path, checkpointEvery: 4 })
    // Crash in the middle of epoch 2, after the checkpoint of step 16.
    const crashed = await Effect.runPromiseExit(
      Effect.promise(() =>
        runWasm(
          Trainer.run({
            model: makeModel(),
            data: train,
            evaluate,
            config,
            hooks: {
              onEvent: (e) => (e.type === "step" && e.step === 17 ? Effect.die("killed") : Effect.void)
            }
          })
        )
      )
    )
    expect(crashed._tag).toBe("Failure")
    const resumed = await runWasm(
      Effect.gen(function* () {
        const restored = yield* RunState.load(dir!.path, { task: "classification" })
        expect(restored.state.nextStep).toBe(16)
        return yield* Trainer.run({ model: restored.model, data: train, evaluate, config, start: restored })
      })
    )
    expect(resumed.state.steps.map((s) => s.loss)).toEqual(straight.state.steps.map((s) => s.loss))
    expect(resumed.state.epochs.map((e) => e.main)).toEqual(straight.state.epochs.map((e) => e.main))
    const log = readFileSync(join(dir.path, "metrics.jsonl"), "utf8").trim().split("\n")
    expect(log.filter((l) => l.includes('"type":"step"'))).toHaveLength(27)
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
    expect(result.state.epochs).toHaveLength(3)
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
})
