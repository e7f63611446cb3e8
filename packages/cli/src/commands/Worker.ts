/**
 * `addrop worker`: runs sweep jobs — one job from a file (`--job FILE`, what the local pool starts) or,
 * with `--queue redis://host:port`, every job the BullMQ queue hands it until stopped.
 *
 * @since 0.1.0
 */
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { glueTasks } from "@addrop/metrics"
import { type Executor, Queue, SweepIoError } from "@addrop/sweep"
import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { CommandFailed, InvalidOption } from "../CliError.js"
import * as TrainOptions from "../TrainOptions.js"
import { trainOnce } from "./Train.js"

// Where the trainer keeps its latest checkpoint pointer (RunState's layout): its presence means resume.
const latestCheckpoint = (out: string) => join(out, "checkpoints", "latest.json")

/**
 * Runs one sweep job to the end: from its last checkpoint when its folder has one (a killed worker's job,
 * or a killed sweep's), else from the start.
 *
 * @since 0.1.0
 * @category running
 */
export const runJob = (assignment: Executor.Assignment) =>
  Effect.gen(function* () {
    const latest = latestCheckpoint(assignment.out)
    const resumedFrom = existsSync(latest)
      ? (yield* Effect.try({
          try: () => JSON.parse(readFileSync(latest, "utf8")) as { readonly step: number },
          catch: (e) => new SweepIoError({ path: latest, reason: (e as Error).message })
        })).step
      : null
    const options = yield* TrainOptions.resolve([
      assignment.job.settings,
      // Runs of a sweep print JSON events and skip the per-run report: the sweep's page is the report.
      { out: assignment.out, json: true, report: false, resume: resumedFrom !== null }
    ])
    const summary = yield* trainOnce(options, assignment.job.id)
    const outcome: Executor.Outcome = {
      type: "job-result",
      id: assignment.job.id,
      score: summary.best?.main ?? null,
      metric: glueTasks[options.task].main,
      epochs: summary.epochs,
      steps: summary.steps,
      resumedFrom
    }
    return outcome
  })

const readAssignment = (file: string) =>
  Effect.try({
    try: () => JSON.parse(readFileSync(file, "utf8")) as Executor.Assignment,
    catch: (e) =>
      new InvalidOption({ option: "job", value: file, reason: `cannot be read (${(e as Error).message})` })
  })

const line = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`)

/**
 * The flags of `addrop worker`.
 *
 * @since 0.1.0
 * @category flags
 */
export const flags = {
  queue: Flag.String("queue").pipe(
    Flag.withDescription("take jobs from the BullMQ queue in this Redis, e.g. redis://127.0.0.1:6379"),
    Flag.optional
  ),
  job: Flag.String("job").pipe(
    Flag.withDescription("run the one job in this file (a sweep's runs/<id>/job.json) and exit"),
    Flag.optional
  ),
  queueName: Flag.String("queue-name").pipe(
    Flag.withDescription(`BullMQ queue name (default ${Queue.DEFAULT_QUEUE})`),
    Flag.withDefault(Queue.DEFAULT_QUEUE)
  ),
  concurrency: Flag.Int("concurrency").pipe(
    Flag.withDescription("jobs this process runs at once (default 1; start more workers to use more cores)"),
    Flag.withDefault(1)
  ),
  lockMs: Flag.Int("lock-ms").pipe(
    Flag.withDescription(
      "job lock and stalled-check interval in ms: a dead worker's job moves to another after about this long (default 30000)"
    ),
    Flag.withDefault(30_000)
  )
} as const

/**
 * The `worker` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("worker", flags, (values) =>
  Effect.gen(function* () {
    if (Option.isSome(values.job)) {
      if (process.channel !== undefined) {
        // Started by a sweep's local pool: stop when it dies (killed, Ctrl-C), so that no orphan writes to
        // the run folder that the sweep's next run resumes from its checkpoint.
        process.once("disconnect", () => process.exit(1))
        process.channel.unref()
      }
      const outcome = yield* runJob(yield* readAssignment(values.job.value))
      line(outcome)
      return
    }
    if (Option.isNone(values.queue))
      return yield* new InvalidOption({
        option: "queue",
        value: undefined,
        reason: "addrop worker needs --queue redis://host:port (or --job FILE)"
      })
    if (values.concurrency < 1)
      return yield* new InvalidOption({
        option: "concurrency",
        value: values.concurrency,
        reason: "must be ≥ 1"
      })
    if (values.lockMs < 1000)
      return yield* new InvalidOption({ option: "lock-ms", value: values.lockMs, reason: "must be ≥ 1000" })
    const connection = yield* Queue.parseUrl(values.queue.value)
    return yield* Queue.serve(
      connection,
      {
        queueName: values.queueName,
        concurrency: values.concurrency,
        lockMs: values.lockMs,
        onEvent: (event, id, detail) => line({ type: "worker", event, id, detail, pid: process.pid })
      },
      runJob
    )
  }).pipe(Effect.mapError((error) => new CommandFailed({ reason: error.message })))
).pipe(
  Command.withDescription(
    "Run sweep jobs: with --queue redis://host:port, take jobs from the BullMQ queue until stopped (a job whose worker died is picked up again and resumes from its checkpoint)."
  )
)
