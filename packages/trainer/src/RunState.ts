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
 * Everything needed to continue a run exactly, and nothing that grows with it: the next position, the
 * optimizer's step count, running totals of the current epoch (for its epoch record), the last and best
 * evaluations and the early-stopping bookkeeping. Random draws are keyed by (seed, step), so no generator
 * state is needed. The per-step and per-epoch history lives in `metrics.jsonl` only (see
 * {@link readHistory}): a checkpoint is the same size at step 10 and at step 100,000.
 *
 * @since 0.1.0
 * @category models
 */
export interface TrainerState {
  readonly version: 2
  /** What the run was started with; a resume with other settings is refused. */
  readonly fingerprint: string
  /** The next global step to run, and where it falls. */
  readonly nextStep: number
  readonly epoch: number
  readonly stepInEpoch: number
  readonly optimizerStep: number
  /** The current epoch so far: the sum of its step losses (in step order), its steps and its AD-Drop steps. */
  readonly epochLossSum: number
  readonly epochSteps: number
  readonly epochAddropSteps: number
  /** The last completed epoch's evaluation. */
  readonly lastEval: EpochRecord | undefined
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
  version: 2,
  fingerprint,
  nextStep: 0,
  epoch: 0,
  stepInEpoch: 0,
  optimizerStep: 0,
  epochLossSum: 0,
  epochSteps: 0,
  epochAddropSteps: 0,
  lastEval: undefined,
  best: undefined,
  evalsWithoutImprovement: 0
})

/**
 * The state after one more step of the current epoch. Constant size: the step itself goes to the log.
 *
 * @since 0.1.0
 * @category transitions
 */
export const afterStep = (state: TrainerState, record: StepRecord, optimizerStep: number): TrainerState => ({
  ...state,
  nextStep: record.step + 1,
  stepInEpoch: state.stepInEpoch + 1,
  optimizerStep,
  epochLossSum: state.epochLossSum + record.loss,
  epochSteps: state.epochSteps + 1,
  epochAddropSteps: state.epochAddropSteps + (record.phase === "addrop" ? 1 : 0)
})

/**
 * The current epoch's mean training loss and majority phase, from the running totals (the same sum, in
 * the same order, as averaging the logged step losses).
 *
 * @since 0.1.0
 * @category getters
 */
export const epochSummary = (state: TrainerState): { readonly phase: Phase; readonly trainLoss: number } => ({
  phase: state.epochAddropSteps * 2 > state.epochSteps ? "addrop" : "ft",
  trainLoss: state.epochSteps === 0 ? Number.NaN : state.epochLossSum / state.epochSteps
})

/**
 * The state after the current epoch's evaluation: the next epoch starts, the running totals restart, and
 * the best evaluation and the early-stopping count are updated. NaN (e.g. a correlation of constant
 * predictions) never counts as an improvement.
 *
 * @since 0.1.0
 * @category transitions
 */
export const afterEpoch = (
  state: TrainerState,
  record: EpochRecord
): { readonly state: TrainerState; readonly isBest: boolean } => {
  const isBest = state.best === undefined ? !Number.isNaN(record.main) : record.main > state.best.main
  return {
    isBest,
    state: {
      ...state,
      epoch: record.epoch + 1,
      stepInEpoch: 0,
      epochLossSum: 0,
      epochSteps: 0,
      epochAddropSteps: 0,
      lastEval: record,
      best: isBest ? record : state.best,
      evalsWithoutImprovement: isBest ? 0 : state.evalsWithoutImprovement + 1
    }
  }
}

const CHECKPOINTS = "checkpoints"
const LATEST = "latest.json"
const OPTIMIZER = "optimizer.safetensors"
const STATE = "trainer_state.json"
/**
 * The name of the log of every step and epoch in an output folder, appended as the run goes.
 *
 * @since 0.1.0
 * @category constants
 */
export const METRICS = "metrics.jsonl"

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
    const state = yield* decodeState(
      stateText,
      (reason) => new ResumeFailed({ dir: outDir, reason: `${join(dir, STATE)} ${reason}` })
    )
    const moments = yield* Safetensors.decode(
      yield* fs.readFile(join(dir, OPTIMIZER)).pipe(Effect.mapError(io(join(dir, OPTIMIZER), "read")))
    ).pipe(Effect.onError(() => Effect.sync(() => model.dispose())))
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
      // The moments were written as F32 by `save`; anything else is a damaged checkpoint.
      if (m.dtype !== "F32" || v.dtype !== "F32") {
        model.dispose()
        tf.dispose([...first.values(), ...second.values()])
        return yield* fail(`the optimizer moments of ${name} are not F32`)
      }
      first.set(name, tf.tensor(Safetensors.toFloat32(m), [...m.shape]))
      second.set(name, tf.tensor(Safetensors.toFloat32(v), [...v.shape]))
    }
    const optimizer = Optimizer.restore(state.optimizerStep, first, second)
    tf.dispose([...first.values(), ...second.values()])
    return { model, optimizer, state, dir } satisfies Restored
  })

/** Checks a `trainer_state.json`; a version-1 state (which held the whole history) is migrated. */
const decodeState = <E>(text: string, fail: (reason: string) => E): Effect.Effect<TrainerState, E> =>
  Effect.gen(function* () {
    const raw = yield* Effect.try({
      try: (): unknown => JSON.parse(text),
      catch: () => fail("is not valid JSON")
    })
    if (typeof raw !== "object" || raw === null) return yield* Effect.fail(fail("is not a JSON object"))
    const o = raw as Record<string, unknown>
    const counts = ["nextStep", "epoch", "stepInEpoch", "optimizerStep", "evalsWithoutImprovement"] as const
    for (const key of counts) {
      if (!Number.isSafeInteger(o[key]) || (o[key] as number) < 0)
        return yield* Effect.fail(fail(`has no valid ${key}`))
    }
    if (typeof o.fingerprint !== "string") return yield* Effect.fail(fail("has no fingerprint"))
    if (o.version === 2) return o as unknown as TrainerState
    if (o.version !== 1 || !Array.isArray(o.steps) || !Array.isArray(o.epochs))
      return yield* Effect.fail(fail(`has unknown version ${JSON.stringify(o.version)}`))
    // Version 1 kept every step; only the current epoch's totals and the last evaluation are still needed.
    const current = (o.steps as ReadonlyArray<StepRecord>).filter((s) => s.epoch === o.epoch)
    return {
      version: 2,
      fingerprint: o.fingerprint,
      nextStep: o.nextStep as number,
      epoch: o.epoch as number,
      stepInEpoch: o.stepInEpoch as number,
      optimizerStep: o.optimizerStep as number,
      epochLossSum: current.reduce((sum, s) => sum + s.loss, 0),
      epochSteps: current.length,
      epochAddropSteps: current.filter((s) => s.phase === "addrop").length,
      lastEval: (o.epochs as ReadonlyArray<EpochRecord>).at(-1),
      best: o.best as EpochRecord | undefined,
      evalsWithoutImprovement: o.evalsWithoutImprovement as number
    } satisfies TrainerState
  })

/**
 * A line of `metrics.jsonl`.
 *
 * @since 0.1.0
 * @category models
 */
export type LogLine = (StepRecord & { readonly type: "step" }) | (EpochRecord & { readonly type: "epoch" })

/** The log's records in order; a torn last line (a run killed mid-write) and foreign lines are skipped. */
const parseLog = (text: string): Array<LogLine> => {
  const lines: Array<LogLine> = []
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue
    let parsed: unknown
    try {
      parsed = JSON.parse(line)
    } catch {
      continue
    }
    const record = parsed as Partial<LogLine> | null
    if (record?.type === "step" || record?.type === "epoch") lines.push(record as LogLine)
  }
  return lines
}

/**
 * The metrics log's text cut back to what `state` has done: steps before `state.nextStep` and epochs
 * before `state.epoch`. A resumed run rewrites its log with it, dropping what was written after the
 * checkpoint (those steps run again).
 *
 * @since 0.1.0
 * @category saving
 */
export const truncateLog = (text: string, state: TrainerState): string =>
  parseLog(text)
    .filter((line) => (line.type === "step" ? line.step < state.nextStep : line.epoch < state.epoch))
    .map((line) => `${JSON.stringify(line)}\n`)
    .join("")

/**
 * A run's history as logged in `outDir/metrics.jsonl`: every step and every epoch, in order (empty when
 * there is no log yet).
 *
 * @example
 * ```ts
 * import { RunState } from "@addrop/trainer"
 * const { steps, epochs } = yield* RunState.readHistory("runs/sst2")
 * ```
 * @since 0.1.0
 * @category loading
 */
export const readHistory = (
  outDir: string
): Effect.Effect<
  { readonly steps: ReadonlyArray<StepRecord>; readonly epochs: ReadonlyArray<EpochRecord> },
  CheckpointIoError,
  FileSystem.FileSystem
> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = join(outDir, METRICS)
    const exists = yield* fs.exists(path).pipe(Effect.mapError(io(path, "list")))
    const text = exists ? yield* fs.readFileString(path).pipe(Effect.mapError(io(path, "read"))) : ""
    const steps: Array<StepRecord> = []
    const epochs: Array<EpochRecord> = []
    for (const { type: _, ...record } of parseLog(text)) {
      if ("step" in record) steps.push(record as StepRecord)
      else epochs.push(record as EpochRecord)
    }
    return { steps, epochs }
  })
