/**
 * A run's persistent state and its checkpoints on disk.
 *
 * Layout of an output folder:
 * - `checkpoints/step-XXXXXXXX/`: `model.safetensors` + `config.json` (Hugging Face layout),
 *   `optimizer.safetensors` (AdamW moments, in the model's internal layout) and `trainer_state.json`;
 *   written into a temporary folder that is renamed into place only when complete;
 * - `checkpoints/latest.json`: which checkpoint is current, replaced atomically after the folder exists;
 * - `best/`: the best model so far as a Hugging Face folder (for `addrop eval` / `predict`);
 * - `metrics.jsonl`: one JSON line per step and per epoch.
 * A run killed at any moment leaves the previous checkpoint usable.
 *
 * @since 0.1.0
 */
import { CheckpointIoError, readModelFolder, Safetensors, writeFileAtomic } from "@addrop/checkpoint"
import { type Model, Pretrained } from "@addrop/models"
import type { Phase } from "@addrop/schedule"
import * as tf from "@tensorflow/tfjs-core"
import { Effect, FileSystem } from "effect"
import * as Optimizer from "./Optimizer.js"
import { ResumeFailed } from "./TrainerError.js"

/**
 * One optimizer step, as recorded.
 *
 * @since 0.1.0
 * @category models
 */
export interface StepRecord {
  readonly step: number
  readonly epoch: number
  readonly phase: Phase
  readonly loss: number
  readonly gradNorm: number
  readonly learningRate: number
}

/**
 * One epoch's evaluation, as recorded.
 *
 * @since 0.1.0
 * @category models
 */
export interface EpochRecord {
  readonly epoch: number
  readonly phase: Phase
  readonly trainLoss: number
  readonly metrics: Readonly<Record<string, number>>
  readonly main: number
  readonly seconds: number
}

/**
 * Everything needed to continue a run exactly: the next position, the optimizer's step count, the history
 * and the early-stopping bookkeeping. Random draws are keyed by (seed, step), so no generator state is needed.
 *
 * @since 0.1.0
 * @category models
 */
export interface TrainerState {
  readonly version: 1
  /** What the run was started with; a resume with other settings is refused. */
  readonly fingerprint: string
  /** The next global step to run, and where it falls. */
  readonly nextStep: number
  readonly epoch: number
  readonly stepInEpoch: number
  readonly optimizerStep: number
  readonly steps: ReadonlyArray<StepRecord>
  readonly epochs: ReadonlyArray<EpochRecord>
  readonly best: EpochRecord | undefined
  readonly evalsWithoutImprovement: number
}

/**
 * The state of a run that has not started.
 *
 * @since 0.1.0
 * @category constructors
 */
export const initial = (fingerprint: string): TrainerState => ({
  version: 1,
  fingerprint,
  nextStep: 0,
  epoch: 0,
  stepInEpoch: 0,
  optimizerStep: 0,
  steps: [],
  epochs: [],
  best: undefined,
  evalsWithoutImprovement: 0
})

const CHECKPOINTS = "checkpoints"
const LATEST = "latest.json"
const OPTIMIZER = "optimizer.safetensors"
const STATE = "trainer_state.json"

const join = (...parts: ReadonlyArray<string>) => parts.join("/").replace(/\/+/g, "/")
const stepDir = (step: number) => `step-${String(step).padStart(8, "0")}`

const io =
  (path: string, operation: CheckpointIoError["operation"]) =>
  (cause: unknown): CheckpointIoError =>
    new CheckpointIoError({ path, operation, cause })

/**
 * Writes a checkpoint of the model, the optimizer and the state, then points `latest.json` at it and
 * removes older checkpoints.
 *
 * @since 0.1.0
 * @category saving
 */
export const save = (
  outDir: string,
  model: Model.Model,
  optimizer: Optimizer.AdamWState,
  state: TrainerState
) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const root = join(outDir, CHECKPOINTS)
    const name = stepDir(state.nextStep)
    const final = join(root, name)
    const temp = join(root, `.${name}.${Date.now().toString(36)}.tmp`)
    const moments = new Map<string, Safetensors.TensorInput>()
    for (const [label, map] of [
      ["exp_avg", optimizer.firstMoment],
      ["exp_avg_sq", optimizer.secondMoment]
    ] as const) {
      for (const [param, variable] of map) {
        const data = (yield* Effect.promise(() => variable.data())) as Float32Array
        moments.set(`${label}.${param}`, {
          dtype: "F32",
          shape: [...variable.shape],
          data: Float32Array.from(data)
        })
      }
    }
    const extraFiles = {
      [OPTIMIZER]: Safetensors.serialize(moments, { optimizer: "adamw", step: String(optimizer.step) }),
      [STATE]: `${JSON.stringify(state)}\n`
    }
    yield* Pretrained.save(model, temp, extraFiles).pipe(
      Effect.onError(() => Effect.ignore(fs.remove(temp, { recursive: true })))
    )
    if (yield* fs.exists(final).pipe(Effect.mapError(io(final, "list")))) {
      yield* fs.remove(final, { recursive: true }).pipe(Effect.mapError(io(final, "remove")))
    }
    yield* fs.rename(temp, final).pipe(Effect.mapError(io(final, "rename")))
    yield* writeFileAtomic(
      join(root, LATEST),
      `${JSON.stringify({ checkpoint: name, step: state.nextStep })}\n`
    )
    for (const entry of yield* fs.readDirectory(root).pipe(Effect.mapError(io(root, "list")))) {
      if (entry !== name && entry !== LATEST)
        yield* Effect.ignore(fs.remove(join(root, entry), { recursive: true }))
    }
    return final
  })

/**
 * A run restored from its latest checkpoint.
 *
 * @since 0.1.0
 * @category models
 */
export interface Restored {
  readonly model: Model.Model
  readonly optimizer: Optimizer.AdamWState
  readonly state: TrainerState
  readonly dir: string
}

/**
 * Loads the latest checkpoint of `outDir`: the model (through the Hugging Face loader), the optimizer
 * moments and the trainer state.
 *
 * @since 0.1.0
 * @category loading
 */
export const load = (outDir: string, options: Pretrained.PretrainedOptions = {}) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const fail = (reason: string) => Effect.fail(new ResumeFailed({ dir: outDir, reason }))
    const latestPath = join(outDir, CHECKPOINTS, LATEST)
    if (!(yield* fs.exists(latestPath).pipe(Effect.orElseSucceed(() => false)))) {
      return yield* fail(`no checkpoint found (${latestPath} is missing); start the run without --resume`)
    }
    const latest = yield* fs.readFileString(latestPath).pipe(Effect.mapError(io(latestPath, "read")))
    const parsed = yield* Effect.try({
      try: () => JSON.parse(latest) as { checkpoint?: unknown },
      catch: () => new ResumeFailed({ dir: outDir, reason: `${latestPath} is not valid JSON` })
    })
    if (typeof parsed.checkpoint !== "string") return yield* fail(`${latestPath} names no checkpoint`)
    const dir = join(outDir, CHECKPOINTS, parsed.checkpoint)
    const folder = yield* readModelFolder(dir)
    const { model } = yield* Pretrained.fromPretrained(folder, options)
    const stateText = yield* fs
      .readFileString(join(dir, STATE))
      .pipe(Effect.mapError(io(join(dir, STATE), "read")))
    const state = JSON.parse(stateText) as TrainerState
    const moments = Safetensors.parse(
      yield* fs.readFile(join(dir, OPTIMIZER)).pipe(Effect.mapError(io(join(dir, OPTIMIZER), "read")))
    )
    const first = new Map<string, tf.Tensor>()
    const second = new Map<string, tf.Tensor>()
    for (const name of model.parameters.keys()) {
      const m = moments.tensors.get(`exp_avg.${name}`)
      const v = moments.tensors.get(`exp_avg_sq.${name}`)
      if (m === undefined || v === undefined) {
        model.dispose()
        tf.dispose([...first.values(), ...second.values()])
        return yield* fail(`the optimizer state lacks the moments of ${name}`)
      }
      first.set(name, tf.tensor(Safetensors.toFloat32(m), [...m.shape]))
      second.set(name, tf.tensor(Safetensors.toFloat32(v), [...v.shape]))
    }
    const optimizer = Optimizer.restore(state.optimizerStep, first, second)
    tf.dispose([...first.values(), ...second.values()])
    return { model, optimizer, state, dir } satisfies Restored
  })

/**
 * The metrics log's lines for a state's history (used to rewrite it when a run resumes).
 *
 * @since 0.1.0
 * @category saving
 */
export const historyLines = (state: TrainerState): string => {
  const lines: Array<string> = []
  let next = 0
  for (const s of state.steps) {
    while (next < state.epochs.length && state.epochs[next]!.epoch < s.epoch) {
      lines.push(JSON.stringify({ type: "epoch", ...state.epochs[next++] }))
    }
    lines.push(JSON.stringify({ type: "step", ...s }))
  }
  for (; next < state.epochs.length; next++)
    lines.push(JSON.stringify({ type: "epoch", ...state.epochs[next] }))
  return lines.map((line) => `${line}\n`).join("")
}
