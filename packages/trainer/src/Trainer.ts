/**
 * The reference AD-Drop training loop: epochs × batches, a cross-tuning schedule choosing a plain or an
 * AD-Drop step for every step, AdamW with linear warmup and decay, gradient clipping, evaluation after each
 * epoch, early stopping, the best model saved, atomic resumable checkpoints, and events for observers.
 *
 * @since 0.1.0
 */
import { type CheckpointIoError, type WriteModelError, writeFileAtomic } from "@addrop/checkpoint"
import { InvalidInput, type Model, Pretrained } from "@addrop/models"
import { Key } from "@addrop/random"
import { type Phase, type Position, positionAt, type Schedule } from "@addrop/schedule"
import { TensorBackend } from "@addrop/backends"
import { SettingsIssue } from "@addrop/mask"
import { Effect, FileSystem, Layer, Schema, Stream } from "effect"
import * as Batch from "./Batch.js"
import { lockstep } from "./internal/lockstep.js"
import type * as Evaluate from "./Evaluate.js"
import * as LearningRate from "./LearningRate.js"
import * as Optimizer from "./Optimizer.js"
import * as RunState from "./RunState.js"
import * as Step from "./Step.js"
import { InvalidTrainerConfig, NonFiniteLoss, ResumeFailed } from "./TrainerError.js"

/**
 * Settings of a run.
 *
 * @since 0.1.0
 * @category models
 */
export interface TrainerConfig {
  readonly epochs: number
  /** Peak learning rate. */
  readonly learningRate: number
  /** Fraction of all steps spent warming up linearly from 0 (then linear decay to 0). */
  readonly warmupRatio: number
  readonly adamw: Optimizer.AdamWConfig
  readonly maxGradNorm: number
  /** Which steps are AD-Drop steps. */
  readonly schedule: Schedule
  readonly adDrop: Step.AdDropConfig
  /** Stop after this many evaluations without a new best; undefined: never. */
  readonly patience?: number | undefined
  /** Drives every random draw of the run (dropout, masks, random regions). */
  readonly seed: number
  /** Also checkpoint every this many steps (checkpoints are always written at the end of an epoch). */
  readonly checkpointEvery?: number | undefined
  /** Where checkpoints, the best model and `metrics.jsonl` go; undefined: nothing is written. */
  readonly outDir?: string | undefined
  /** Identifies the run's settings; resuming with a different fingerprint is refused. */
  readonly fingerprint: string
}

/**
 * The training data: a fixed number of batches per epoch, whose order may depend only on the epoch (so a
 * resumed run sees the same batches). An epoch's batches are a `Stream`, so producing them (tokenizing,
 * reading) may fail with a typed error `E` that `Trainer.run` passes on, or any `Iterable` of ready batches.
 * Only the first `stepsPerEpoch` batches of an epoch are used.
 *
 * @example
 * ```ts
 * import { Batch } from "@addrop/data"
 * const data: Trainer.TrainData<Batch.BatchEncodeFailed> = {
 *   stepsPerEpoch: Math.floor(train.examples.length / 16),
 *   batches: (epoch) => Batch.batches(train, { tokenizer, batchSize: 16, maxLength: 128, shuffle: { seed: 42, epoch } })
 * }
 * ```
 * @since 0.1.0
 * @category models
 */
export interface TrainData<E = never, R = never> {
  readonly stepsPerEpoch: number
  readonly batches: (epoch: number) => Stream.Stream<Batch.EncodedBatch, E, R> | Iterable<Batch.EncodedBatch>
}

/**
 * What a run reports as it goes.
 *
 * @since 0.1.0
 * @category models
 */
export type TrainerEvent =
  | {
      readonly type: "run-started"
      readonly epochs: number
      readonly stepsPerEpoch: number
      readonly totalSteps: number
      readonly resumedAt: number | undefined
    }
  | (RunState.StepRecord & {
      readonly type: "step"
      readonly stepInEpoch: number
      readonly stepsPerEpoch: number
      readonly seconds: number
    })
  | (RunState.EpochRecord & { readonly type: "epoch"; readonly isBest: boolean })
  | { readonly type: "checkpoint"; readonly path: string; readonly step: number }
  | { readonly type: "best-saved"; readonly path: string; readonly epoch: number }
  | { readonly type: "early-stop"; readonly epoch: number; readonly best: RunState.EpochRecord | undefined }
  | {
      readonly type: "run-completed"
      readonly best: RunState.EpochRecord | undefined
      /** Steps and epochs completed, counting those of a resumed run's checkpoint. */
      readonly steps: number
      readonly epochs: number
      readonly stoppedEarly: boolean
      readonly seconds: number
    }

/**
 * Observers of a run.
 *
 * @since 0.1.0
 * @category models
 */
export interface Hooks<R = never> {
  readonly onEvent?: ((event: TrainerEvent) => Effect.Effect<void, never, R>) | undefined
  /** Files written next to the best model (tokenizer files, for example). */
  readonly bestExtraFiles?: Readonly<Record<string, Uint8Array | string>> | undefined
}

/**
 * The outcome of a run. `model` holds the final weights (the best ones are in `outDir/best`).
 *
 * @since 0.1.0
 * @category models
 */
export interface RunResult {
  /** The final state; the history of every step and epoch is in `outDir/metrics.jsonl` (`RunState.readHistory`). */
  readonly state: RunState.TrainerState
  readonly best: RunState.EpochRecord | undefined
  readonly stoppedEarly: boolean
  readonly optimizer: Optimizer.AdamWState
}

/**
 * Where to start: a fresh run, or the optimizer and state of a restored checkpoint (see `RunState.load`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Start {
  readonly optimizer: Optimizer.AdamWState
  readonly state: RunState.TrainerState
}

const PositiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

/**
 * The schema of a run's numeric settings, which {@link run} and {@link stream} check before the first step:
 * `epochs` a positive integer, `learningRate` a positive finite number, `warmupRatio` in [0, 1),
 * `maxGradNorm` positive, and `patience` and `checkpointEvery` positive integers when given. Compose it into
 * the schema of your own settings (a CLI's, a sweep's) to reject bad values where they are read.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Trainer } from "@addrop/trainer"
 * const Job = Schema.Struct({ name: Schema.String, trainer: Trainer.TrainerSettings })
 * Schema.decodeUnknownSync(Job)({
 *   name: "sst2",
 *   trainer: { epochs: 3, learningRate: 2e-5, warmupRatio: 0.1, maxGradNorm: 1, patience: 2 }
 * })
 * ```
 * @since 0.1.0
 * @category schemas
 */
export const TrainerSettings = Schema.Struct({
  epochs: PositiveInt,
  learningRate: Schema.Finite.check(Schema.isGreaterThan(0)),
  warmupRatio: Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1, exclusiveMaximum: true })),
  maxGradNorm: Schema.Number.check(Schema.isGreaterThan(0)),
  patience: Schema.optional(PositiveInt),
  checkpointEvery: Schema.optional(PositiveInt)
})

const RunSettings = Schema.Struct({
  ...TrainerSettings.fields,
  stepsPerEpoch: Schema.Int.check(
    Schema.isGreaterThanOrEqualTo(1, { message: "the training data yields no batch" })
  )
})

const validate = (config: StreamConfig, data: TrainData<unknown, unknown>) => {
  const settings = { ...config, stepsPerEpoch: data.stepsPerEpoch }
  return Schema.decodeUnknownEffect(RunSettings)(settings).pipe(
    Effect.asVoid,
    Effect.mapError(({ issue }) => {
      const { path, actual, message } = SettingsIssue.first(issue, settings)
      return new InvalidTrainerConfig({ field: path.map(String).join("."), value: actual, reason: message })
    })
  )
}

/** A user schedule (`fromFunction`, `when`) may throw for a position; that is a bad setting, not a crash. */
const phaseAt = (schedule: Schedule, position: Position): Effect.Effect<Phase, InvalidTrainerConfig> =>
  Effect.try({
    try: () => schedule(position),
    catch: (cause) =>
      new InvalidTrainerConfig({
        field: "schedule",
        value: position,
        reason: `the schedule failed at this position: ${cause instanceof Error ? cause.message : String(cause)}`
      })
  })

const batchesOf = <E, R>(data: TrainData<E, R>, epoch: number): Stream.Stream<Batch.EncodedBatch, E, R> => {
  const batches = data.batches(epoch)
  return Stream.isStream(batches)
    ? (batches as Stream.Stream<Batch.EncodedBatch, E, R>)
    : Stream.fromIterable(batches as Iterable<Batch.EncodedBatch>)
}

/**
 * Settings of a run composed from services ({@link stream}): those of {@link TrainerConfig} less the method,
 * the mask and AdamW's settings, which the provided `AttributionMethod`, `MaskSampler` and `Optimizer`
 * layers hold.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamConfig extends Omit<TrainerConfig, "adDrop" | "adamw"> {
  readonly adDrop: Step.AdDropSites
}

/**
 * What a run fails with, besides the evaluator's and the data's own errors.
 *
 * @since 0.1.0
 * @category errors
 */
export type TrainerError =
  | InvalidTrainerConfig
  | ResumeFailed
  | NonFiniteLoss
  | Step.StepError
  | CheckpointIoError
  | WriteModelError

/**
 * The arguments of {@link stream}.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamArgs<EE, RE, ED, RD> {
  readonly model: Model.Model
  readonly data: TrainData<ED, RD>
  readonly evaluate: Evaluate.Evaluator<EE, RE>
  readonly config: StreamConfig
  readonly start?: Start | undefined
  /** Files written next to the best model (tokenizer files, for example). */
  readonly bestExtraFiles?: Readonly<Record<string, Uint8Array | string>> | undefined
}

/**
 * A run as a stream of its events (`run-started`, `step`, `epoch`, `checkpoint`, `best-saved`,
 * `early-stop`, `run-completed`), composed from the services the context provides: the attribution method,
 * the mask sampler, the optimizer and the tensor backend. The schedule, evaluation, checkpoints and early
 * stopping are those of {@link run}, which is a fold over this stream.
 *
 * The run moves in lockstep with the consumer: it waits at each event until the consumer asks for the next
 * one, so a consumer handling an event sees the run at that event. Stopping the stream early (`Stream.take`,
 * `Stream.takeUntil`, a failing consumer, interrupting the fiber that runs it, Ctrl-C in the CLI) stops the
 * run there or between steps: a step, an evaluation and a checkpoint each run to completion once started, so
 * every tensor the run made is freed (the optimizer's moments too, unless they came from `start`) and only
 * complete checkpoints are on disk. The stream frees the moments it made when it ends however it ends (the
 * final ones are in the last checkpoint); `run` hands them to its caller instead.
 *
 * @example
 * ```ts
 * import { Effect, Layer, Stream } from "effect"
 * import { AttributionMethod } from "@addrop/attribution"
 * import { TensorBackend } from "@addrop/backends"
 * import { MaskSampler } from "@addrop/mask"
 * import { Optimizer, Trainer } from "@addrop/trainer"
 *
 * const losses = Trainer.stream({ model, data, evaluate, config }).pipe(
 *   Stream.filter((event) => event.type === "step"),
 *   Stream.map((event) => event.loss),
 *   Stream.runCollect
 * )
 * Effect.provide(losses, Layer.mergeAll(
 *   AttributionMethod.layerIga({ steps: 5 }), MaskSampler.layerLow({ p: 0.3, q: 0.3 }),
 *   Optimizer.layerAdamW(), TensorBackend.layerWasm()
 * ))
 * ```
 * @since 0.1.0
 * @category running
 */
export const stream = <EE, RE, ED = never, RD = never>(
  args: StreamArgs<EE, RE, ED, RD>
): Stream.Stream<
  TrainerEvent,
  TrainerError | EE | ED,
  Step.StepServices | TensorBackend.TensorBackend | FileSystem.FileSystem | RE | RD
> => Stream.unwrap(TensorBackend.TensorBackend.useSync(() => events(args, undefined)))

/**
 * The events of a run in lockstep with their consumer: the loop pauses at each event until the consumer
 * asks for the next one, so a consumer sees the run stopped at its event (the live tensors of that moment),
 * and stopping there stops the run there. `handOver` receives the result of a completed run, moments
 * included; without it the moments this run made are freed when the stream ends.
 */
const events = <EE, RE, ED, RD>(
  args: StreamArgs<EE, RE, ED, RD>,
  handOver: ((result: RunResult) => void) | undefined
): Stream.Stream<TrainerEvent, TrainerError | EE | ED, Step.StepServices | FileSystem.FileSystem | RE | RD> =>
  lockstep((emit) => Effect.map(loop(args, emit, handOver !== undefined), (result) => handOver?.(result)))

/**
 * Trains `model` on `data`, evaluating with `evaluate` after every epoch: a fold over {@link stream} with
 * the layers `config` names (`Step.layerFromConfig`), each event handed to `hooks.onEvent` while the run
 * waits at it, and the final moments handed to the caller instead of freed.
 *
 * Every failure is in the error channel, none is thrown: bad settings (`InvalidTrainerConfig`, also for a
 * schedule that throws; `InvalidMaskOption` for p or q, before the first step), a bad batch or label
 * (`InvalidInput`), an attribution request the model cannot serve (`InvalidAttributionRequest`), divergence
 * (`NonFiniteLoss`), a refused resume (`ResumeFailed`), I/O (`CheckpointIoError`, `WriteModelError`), and the
 * typed failures of the evaluator (`EE`) and of the data's streams (`ED`).
 *
 * @example
 * ```ts
 * import { Trainer } from "@addrop/trainer"
 * const result = yield* Trainer.run({ model, data, evaluate, config, hooks: { onEvent: (e) => Effect.log(e.type) } })
 * ```
 * @since 0.1.0
 * @category running
 */
export const run = <EE, RE, RH = never, ED = never, RD = never>(args: {
  readonly model: Model.Model
  readonly data: TrainData<ED, RD>
  readonly evaluate: Evaluate.Evaluator<EE, RE>
  readonly config: TrainerConfig
  readonly start?: Start | undefined
  readonly hooks?: Hooks<RH> | undefined
}): Effect.Effect<RunResult, TrainerError | EE | ED, FileSystem.FileSystem | RE | RH | RD> =>
  Effect.gen(function* () {
    // p, q and the method are checked before the first step, not at the first AD-Drop step an epoch later.
    const services = yield* Layer.build(Step.layerFromConfig(args.config.adDrop, args.config.adamw))
    let result: RunResult | undefined
    const onEvent = args.hooks?.onEvent ?? (() => Effect.void)
    yield* events({ ...args, bestExtraFiles: args.hooks?.bestExtraFiles }, (r) => {
      result = r
    }).pipe(Stream.runForEach(onEvent), Effect.provideContext(services))
    // The stream ended without failing, so its loop returned and handed its result over.
    return result!
  }).pipe(Effect.scoped)

/** The loop of a run, reporting each event to `emit` (which returns when the consumer wants the next). */
const loop = <EE, RE, ED, RD>(
  args: StreamArgs<EE, RE, ED, RD>,
  emit: (event: TrainerEvent) => Effect.Effect<void>,
  keepOptimizer: boolean
): Effect.Effect<RunResult, TrainerError | EE | ED, Step.StepServices | FileSystem.FileSystem | RE | RD> =>
  Effect.gen(function* () {
    const { model, data, config } = args
    yield* validate(config, data)
    const optimizerService = yield* Optimizer.Optimizer
    const fs = yield* FileSystem.FileSystem
    const outDir = config.outDir
    const metricsPath = outDir === undefined ? undefined : `${outDir}/${RunState.METRICS}`
    // Uninterruptible like the checkpoints: an interrupted run must not append to its log after it stopped.
    const log = (record: object) =>
      metricsPath === undefined
        ? Effect.void
        : Effect.ignore(fs.writeFileString(metricsPath, `${JSON.stringify(record)}\n`, { flag: "a" })).pipe(
            Effect.uninterruptible
          )

    let state = args.start?.state ?? RunState.initial(config.fingerprint)
    if (state.fingerprint !== config.fingerprint) {
      return yield* new ResumeFailed({
        dir: outDir ?? "(memory)",
        reason: `the checkpoint was made with other settings:\n  saved:   ${state.fingerprint}\n  current: ${config.fingerprint}`
      })
    }
    // Moments this run makes are freed if it does not complete, and on completion unless they are kept.
    let optimizer = args.start?.optimizer ?? optimizerService.init(model.parameters)
    const owned = args.start === undefined
    yield* Effect.addFinalizer((exit) =>
      Effect.sync(() => {
        if (owned && (exit._tag === "Failure" || !keepOptimizer)) optimizerService.dispose(optimizer)
      })
    )
    if (outDir !== undefined) {
      yield* fs.makeDirectory(outDir, { recursive: true }).pipe(Effect.ignore)
      // A resumed run continues the log from the checkpoint, dropping lines written after it (a fresh run
      // starts an empty log). Reading the log is O(history), but once per run, not per step.
      const previous =
        args.start !== undefined && (yield* fs.exists(metricsPath!).pipe(Effect.orElseSucceed(() => false)))
          ? yield* fs.readFileString(metricsPath!).pipe(Effect.orElseSucceed(() => ""))
          : ""
      yield* writeFileAtomic(metricsPath!, RunState.truncateLog(previous, state))
    }

    const root = Key.make(config.seed)
    const totalSteps = config.epochs * data.stepsPerEpoch
    const learningRate = LearningRate.linearWarmupDecay({
      peak: config.learningRate,
      warmupSteps: Math.round(config.warmupRatio * totalSteps),
      totalSteps
    })
    const started = Date.now()
    yield* emit({
      type: "run-started",
      epochs: config.epochs,
      stepsPerEpoch: data.stepsPerEpoch,
      totalSteps,
      resumedAt: args.start === undefined ? undefined : state.nextStep
    })

    const checkpoint = Effect.fnUntraced(function* () {
      if (outDir === undefined) return
      // Uninterruptible: a checkpoint once started is finished, so an interrupted run leaves only whole ones.
      const path = yield* Effect.uninterruptible(RunState.save(outDir, model, optimizer, state))
      yield* emit({ type: "checkpoint", path, step: state.nextStep })
    })
    const exhausted = () => config.patience !== undefined && state.evalsWithoutImprovement >= config.patience
    let stoppedEarly = exhausted()

    while (!stoppedEarly && state.epoch < config.epochs) {
      const epoch = state.epoch
      const epochStarted = Date.now()
      // A resumed epoch skips the batches its checkpoint had already trained on.
      yield* batchesOf(data, epoch).pipe(
        Stream.take(data.stepsPerEpoch),
        Stream.drop(state.stepInEpoch),
        Stream.runForEach((encoded) =>
          Effect.gen(function* () {
            const step = state.nextStep
            const stepInEpoch = state.stepInEpoch
            const phase = yield* phaseAt(config.schedule, positionAt(epoch, stepInEpoch, data.stepsPerEpoch))
            const rate = learningRate(step)
            const stepStarted = Date.now()
            // An encoded batch whose arrays do not fit its shape makes tfjs throw: a bad batch, typed.
            const batch = yield* Effect.try({
              try: () => Batch.toTensors(encoded, model.task),
              catch: (cause) =>
                new InvalidInput({
                  input: "batch",
                  reason: `batch ${stepInEpoch} of epoch ${epoch}: ${cause instanceof Error ? cause.message : String(cause)}`
                })
            })
            // A step once started runs to its end (its tensors are freed there): an interrupted run stops
            // between steps, never with a half-applied update or a step's tensors left allocated.
            const result = yield* Step.trainComposed(model, optimizer, batch.inputs, batch.labels, {
              phase,
              learningRate: rate,
              maxGradNorm: config.maxGradNorm,
              adDrop: config.adDrop,
              root,
              step
            }).pipe(Effect.ensuring(Effect.sync(() => Batch.dispose(batch))), Effect.uninterruptible)
            if (!Number.isFinite(result.loss) || !Number.isFinite(result.gradNorm)) {
              return yield* new NonFiniteLoss({ step, epoch, loss: result.loss, gradNorm: result.gradNorm })
            }
            optimizer = result.state
            const record: RunState.StepRecord = {
              step,
              epoch,
              phase,
              loss: result.loss,
              gradNorm: result.gradNorm,
              learningRate: rate
            }
            state = RunState.afterStep(state, record, optimizer.step)
            yield* log({ type: "step", ...record })
            yield* emit({
              type: "step",
              ...record,
              stepInEpoch,
              stepsPerEpoch: data.stepsPerEpoch,
              seconds: (Date.now() - stepStarted) / 1000
            })
            if (
              config.checkpointEvery !== undefined &&
              (step + 1) % config.checkpointEvery === 0 &&
              state.stepInEpoch < data.stepsPerEpoch
            ) {
              yield* checkpoint()
            }
          })
        )
      )

      const scores = yield* Effect.uninterruptible(args.evaluate(model))
      const record: RunState.EpochRecord = {
        epoch,
        ...RunState.epochSummary(state),
        metrics: scores.metrics,
        main: scores.main,
        seconds: (Date.now() - epochStarted) / 1000
      }
      const next = RunState.afterEpoch(state, record)
      state = next.state
      const isBest = next.isBest
      if (isBest && outDir !== undefined) {
        const path = `${outDir}/best`
        yield* Effect.uninterruptible(
          Pretrained.save(model, path, {
            ...args.bestExtraFiles,
            "eval_results.json": `${JSON.stringify({ epoch: epoch + 1, ...record.metrics, main: record.main }, null, 2)}\n`
          })
        )
        yield* emit({ type: "best-saved", path, epoch })
      }
      yield* log({ type: "epoch", ...record })
      yield* emit({ type: "epoch", ...record, isBest })
      yield* checkpoint()
      stoppedEarly = exhausted() && state.epoch < config.epochs
      if (stoppedEarly) yield* emit({ type: "early-stop", epoch, best: state.best })
    }
    yield* emit({
      type: "run-completed",
      best: state.best,
      steps: state.nextStep,
      epochs: state.epoch,
      stoppedEarly,
      seconds: (Date.now() - started) / 1000
    })
    return { state, best: state.best, stoppedEarly, optimizer }
  }).pipe(Effect.scoped)
