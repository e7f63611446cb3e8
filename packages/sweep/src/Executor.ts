/**
 * Where a sweep's jobs run: the `Executor` service, with one layer per implementation — an embedded pool
 * of local worker processes ({@link LocalPool}) or a BullMQ queue on Redis that `addrop worker` processes
 * take jobs from ({@link QueueExecutor}).
 *
 * @since 0.1.0
 */
import { Context, type Effect } from "effect"
import type { Job } from "./Spec.js"
import type { JobFailed, QueueUnreachable, SweepIoError } from "./SweepError.js"

/**
 * A job and the folder its run writes to (metrics, checkpoints); an absolute path, so that a worker in
 * another directory (or on another machine sharing the folder) writes to the same place.
 *
 * @since 0.1.0
 * @category models
 */
export interface Assignment {
  readonly job: Job
  readonly out: string
}

/**
 * What a worker reports for a finished job (the JSON line a local worker prints last, the return value of
 * a BullMQ job).
 *
 * @since 0.1.0
 * @category models
 */
export interface Outcome {
  readonly type: "job-result"
  readonly id: string
  /** The best dev score in the task's main metric; null when the run never evaluated. */
  readonly score: number | null
  readonly metric: string
  readonly epochs: number
  readonly steps: number
  /** The checkpoint step the run resumed from, when it did. */
  readonly resumedFrom: number | null
}

/**
 * Is this value a worker's outcome line?
 *
 * @since 0.1.0
 * @category models
 */
export const isOutcome = (value: unknown): value is Outcome =>
  typeof value === "object" &&
  value !== null &&
  (value as { type?: unknown }).type === "job-result" &&
  typeof (value as { id?: unknown }).id === "string"

/**
 * Runs assignments and calls `onDone` as each finishes. It runs every job it can, and then fails with
 * the first failed job (the others' results are already recorded through `onDone`).
 *
 * @since 0.1.0
 * @category services
 */
export class Executor extends Context.Service<
  Executor,
  {
    /** For messages: "local pool of 4 workers", "BullMQ queue addrop-sweep at redis://…". */
    readonly description: string
    readonly run: (
      assignments: ReadonlyArray<Assignment>,
      onDone: (outcome: Outcome) => Effect.Effect<void, SweepIoError>
    ) => Effect.Effect<void, JobFailed | SweepIoError | QueueUnreachable>
  }
>()("@addrop/sweep/Executor") {}
