import { existsSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { AttributionMethod } from "@addrop/attribution"
import { TensorBackend } from "@addrop/backends"
import { MaskSampler } from "@addrop/mask"
import { Draw, Key } from "@addrop/random"
import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import * as tf from "@tensorflow/tfjs-core"
import { Effect, Fiber, Layer, Stream } from "effect"
import { describe, expect, it } from "vitest"
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

const { train, dev } = syntheticData(48, 8)
const evaluate = accuracyEvaluator(dev, Evaluate.predict)
const Services = Layer.mergeAll(
  AttributionMethod.layerGa,
  MaskSampler.layerHigh({ p: 0.3, q: 0.3 }),
  Optimizer.layerAdamW(),
  TensorBackend.layerWasm(),
  NodeFileSystem.layer
)
const config = (outDir: string): Trainer.StreamConfig => ({
  ...trainerConfig({ epochs: 2, checkpointEvery: 1, outDir }),
  // Plain and AD-Drop steps alternate, so interruptions land in both.
  schedule: (position) => (position.step % 2 === 1 ? "addrop" : "ft"),
  adDrop: { layers: [0, 1], attributionMode: "train" }
})
const run = <A, E>(effect: Effect.Effect<A, E, Layer.Success<typeof Services>>) =>
  Effect.runPromise(Effect.provide(effect, Services))

describe("Trainer.stream [wasm]", () => {
  it("emits the run's events, with the step phases its schedule chose", async () => {
    const dir = tempDir()
    const model = makeModel()
    const before = tf.memory().numTensors
    const events = await run(
      Stream.runCollect(Trainer.stream({ model, data: train, evaluate, config: config(dir.path) }))
    )
    const types = events.map((e) => e.type)
    expect(types[0]).toBe("run-started")
    expect(types.at(-1)).toBe("run-completed")
    const steps = events.filter((e) => e.type === "step")
    expect(steps.map((s) => s.phase)).toEqual(steps.map((s) => (s.step % 2 === 1 ? "addrop" : "ft")))
    expect(types.filter((t) => t === "epoch")).toHaveLength(2)
    expect(types.filter((t) => t === "checkpoint").length).toBeGreaterThan(0)
    // The moments the stream made are freed when it ends.
    expect(tf.memory().numTensors).toBe(before)
    model.dispose()
    dir.cleanup()
  })

  it("moves in lockstep with its consumer: a consumer that stops at a step stops the run at that step", async () => {
    const dir = tempDir()
    const model = makeModel()
    const before = tf.memory().numTensors
    const events = await run(
      Stream.runCollect(
        Trainer.stream({ model, data: train, evaluate, config: config(dir.path) }).pipe(
          // A slow consumer: a run that went on while it handles an event would get ahead of it here.
          Stream.tap((e) => (e.type === "step" ? Effect.sleep(300) : Effect.void)),
          Stream.takeUntil((e) => e.type === "step" && e.step === 1)
        )
      )
    )
    expect(events.at(-1)).toMatchObject({ type: "step", step: 1 })
    // Nothing ran ahead of the consumer: step 1 is the last one logged, and its checkpoint (which follows its
    // event) was never written; the last checkpoint is the one after step 0.
    const history = await runWasm(RunState.readHistory(dir.path))
    expect(history.steps.map((s) => s.step)).toEqual([0, 1])
    const restored = await runWasm(RunState.load(dir.path, { task: "classification" }))
    expect(restored.state.nextStep).toBe(1)
    Optimizer.dispose(restored.optimizer)
    restored.model.dispose()
    expect(tf.memory().numTensors).toBe(before)
    model.dispose()
    dir.cleanup()
  })

  it("interrupted at 50 seeded random points, frees every tensor it made and leaves only whole checkpoints", async () => {
    const model = makeModel()
    const u = Draw.uniform(Key.make(2026), 100)
    // 2 epochs × 3 steps: run-started, 6 steps, 6 checkpoints, 2 epochs, best-saved ×≤2, run-completed.
    let reloaded = 0
    for (let i = 0; i < 50; i++) {
      const dir = tempDir()
      const baseline = tf.memory()
      const events = Trainer.stream({ model, data: train, evaluate, config: config(dir.path) })
      if (i % 2 === 0) {
        // Stop after k events: the consumer is done, the producer is interrupted wherever it is.
        const k = 1 + Math.floor(u[i]! * 16)
        await run(Stream.runDrain(Stream.take(events, k)))
      } else {
        // Interrupt the fiber running the stream after a random delay.
        const delay = Math.floor(u[i]! * 400)
        await run(
          Effect.gen(function* () {
            const fiber = yield* Effect.forkChild(Stream.runDrain(events))
            yield* Effect.sleep(delay)
            yield* Fiber.interrupt(fiber)
          })
        )
      }
      const after = tf.memory()
      expect({ i, tensors: after.numTensors, bytes: after.numBytes }).toEqual({
        i,
        tensors: baseline.numTensors,
        bytes: baseline.numBytes
      })
      const checkpoints = join(dir.path, "checkpoints")
      if (existsSync(checkpoints)) {
        // No half-written checkpoint folder or file is left behind.
        expect(
          readdirSync(checkpoints).filter((name) => name.startsWith(".") || name.endsWith(".tmp"))
        ).toEqual([])
      }
      if (existsSync(join(checkpoints, "latest.json")) && i % 5 === 0) {
        const restored = await runWasm(RunState.load(dir.path, { task: "classification" }))
        expect(restored.state.nextStep).toBeGreaterThan(0)
        Optimizer.dispose(restored.optimizer)
        restored.model.dispose()
        reloaded++
      }
      dir.cleanup()
    }
    expect(reloaded).toBeGreaterThan(0)
    model.dispose()
  }, 120_000)
})
