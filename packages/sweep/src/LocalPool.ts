/**
 * The default executor: a pool of local worker processes, at most `workers` at a time, one process per
 * job. A process per job (rather than long-lived workers) gives each run its own tfjs backend and memory,
 * and a crashed run cannot take other runs with it.
 *
 * @since 0.1.0
 */
import { spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { availableParallelism, totalmem } from "node:os"
import { join } from "node:path"
import { Effect, Layer, Result } from "effect"
import { type Assignment, Executor, isOutcome, type Outcome } from "./Executor.js"
import { JobFailed, SweepIoError } from "./SweepError.js"

/**
 * Options of the local pool.
 *
 * @since 0.1.0
 * @category models
 */
export interface LocalPoolOptions {
  readonly workers: number
  /**
   * The command that runs one job, given the path of its job file as the last argument; it prints the
   * job's {@link Outcome} as its last stdout line (`addrop worker --job FILE` does).
   */
  readonly command: ReadonlyArray<string>
  /** Called with each line a worker writes to stderr, e.g. to show progress. */
  readonly onLog?: ((id: string, line: string) => void) | undefined
}

/**
 * A default worker count: one per core, but no more than one per 1.5 GiB of memory (a tiny or small
 * model's run stays well under that; larger models want fewer workers, set with `--workers`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaultWorkers = (): number =>
  Math.max(1, Math.min(availableParallelism(), Math.floor(totalmem() / (1.5 * 1024 ** 3))))

/** The job file a worker process reads: the assignment as JSON. */
export const JOB_FILE = "job.json"

/** Where a worker process's stderr is kept. */
export const WORKER_LOG = "worker.log"

const runOne = (options: LocalPoolOptions, assignment: Assignment) =>
  Effect.gen(function* () {
    const { job, out } = assignment
    const file = join(out, JOB_FILE)
    yield* Effect.try({
      try: () => writeFileSync(file, `${JSON.stringify(assignment, null, 2)}\n`),
      catch: (e) => new SweepIoError({ path: file, reason: (e as Error).message })
    })
    const [command, ...args] = options.command
    return yield* Effect.callback<Outcome, JobFailed>((resume) => {
      // The IPC channel is how a Node worker notices that the sweep died (it disconnects), so that no orphan
      // keeps writing to a run folder that the next run of the sweep resumes.
      const child = spawn(command!, [...args, file], { stdio: ["ignore", "pipe", "pipe", "ipc"] })
      let stdout = ""
      let log = ""
      child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk
      })
      child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
        log += chunk
        for (const line of chunk.split("\n")) if (line.trim() !== "") options.onLog?.(job.id, line)
      })
      child.on("error", (e) => resume(Effect.fail(new JobFailed({ id: job.id, reason: e.message }))))
      child.on("close", (code, signal) => {
        // The worker's stderr stays in its run folder, for the failure message to point at.
        try {
          if (log !== "") writeFileSync(join(out, WORKER_LOG), log)
        } catch {
          // A full disk must not hide the job's own outcome.
        }
        const last = stdout.trim().split("\n").at(-1) ?? ""
        let outcome: unknown
        try {
          outcome = JSON.parse(last)
        } catch {
          outcome = undefined
        }
        if (code === 0 && isOutcome(outcome)) resume(Effect.succeed(outcome))
        else
          resume(
            Effect.fail(
              new JobFailed({
                id: job.id,
                reason: `worker exited with ${signal ?? `status ${code}`}: ${log.trim().split("\n").at(-1) ?? ""} (log: ${join(out, WORKER_LOG)})`
              })
            )
          )
      })
      // Interrupting the sweep (Ctrl-C) stops its workers; their checkpoints stay for the next run.
      return Effect.sync(() => void child.kill("SIGTERM"))
    })
  })

/**
 * Runs every assignment, at most `workers` at once; failures are collected and the first is reported
 * after the other jobs have finished.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: LocalPoolOptions): Executor["Service"] => ({
  description: `local pool of ${options.workers} worker${options.workers === 1 ? "" : "s"}`,
  run: (assignments, onDone) =>
    Effect.gen(function* () {
      const results = yield* Effect.forEach(
        assignments,
        (a) => Effect.result(Effect.flatMap(runOne(options, a), onDone)),
        { concurrency: Math.max(1, options.workers) }
      )
      const failed = results.find(Result.isFailure)
      if (failed !== undefined) return yield* Effect.fail(failed.failure)
    })
})

/**
 * The local pool as the {@link Executor}.
 *
 * @example
 * ```ts
 * const pool = LocalPool.layer({ workers: 2, command: ["addrop", "worker", "--job"] })
 * ```
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: LocalPoolOptions): Layer.Layer<Executor> =>
  Layer.succeed(Executor, make(options))
