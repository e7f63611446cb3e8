/**
 * Sweeps across machines: the same jobs as the local pool, on a BullMQ queue in Redis. The sweep adds one
 * BullMQ job per run (the BullMQ job id is the run's stable id, so adding it again is a no-op) and waits for
 * them; `addrop worker --queue redis://…` processes take them. Retries, backoff, stalled-job detection
 * (a worker killed mid-job loses its lock, and the job goes back to the queue) and concurrency are
 * BullMQ's own.
 *
 * @since 0.1.0
 */
import { type Job, Queue, QueueEvents, Worker } from "bullmq"
import { Redis } from "ioredis"
import { Effect, FiberSet, Layer, Result } from "effect"
import { type Assignment, Executor, isOutcome, type Outcome } from "./Executor.js"
import { InvalidQueueUrl, JobFailed, QueueUnreachable } from "./SweepError.js"

/**
 * The queue jobs go to unless told otherwise.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_QUEUE = "addrop-sweep"

/**
 * Where Redis is: parsed from `redis://[user:password@]host:port[/db]`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Connection {
  readonly url: string
  readonly host: string
  readonly port: number
  readonly username: string | undefined
  readonly password: string | undefined
  readonly db: number
  readonly tls: boolean
}

/**
 * Parses a `--queue` URL.
 *
 * @example
 * ```ts
 * parseUrl("redis://127.0.0.1:6379") // Effect of { host: "127.0.0.1", port: 6379, … }
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const parseUrl = (url: string): Effect.Effect<Connection, InvalidQueueUrl> =>
  Effect.gen(function* () {
    const parsed = yield* Effect.try({ try: () => new URL(url), catch: () => new InvalidQueueUrl({ url }) })
    if ((parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") || parsed.hostname === "")
      return yield* new InvalidQueueUrl({ url })
    const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0
    if (!Number.isSafeInteger(db) || db < 0) return yield* new InvalidQueueUrl({ url })
    return {
      url,
      host: parsed.hostname,
      port: parsed.port === "" ? 6379 : Number(parsed.port),
      username: parsed.username === "" ? undefined : decodeURIComponent(parsed.username),
      password: parsed.password === "" ? undefined : decodeURIComponent(parsed.password),
      db,
      tls: parsed.protocol === "rediss:"
    }
  })

/** ioredis options; `maxRetriesPerRequest: null` is what BullMQ's workers require. */
const redisOptions = (c: Connection) => ({
  host: c.host,
  port: c.port,
  username: c.username,
  password: c.password,
  db: c.db,
  ...(c.tls ? { tls: {} } : {}),
  maxRetriesPerRequest: null
})

/**
 * Checks that Redis answers a PING within `timeoutMs`, without retrying: BullMQ's own connections retry
 * forever, so an unreachable server would otherwise look like a sweep that never starts.
 *
 * @since 0.1.0
 * @category constructors
 */
export const ping = (c: Connection, timeoutMs = 3000): Effect.Effect<void, QueueUnreachable> =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const redis = new Redis({
        ...redisOptions(c),
        lazyConnect: true,
        connectTimeout: timeoutMs,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null
      })
      // The socket's own error (ECONNREFUSED, ENOTFOUND) says more than the "Connection is closed" that
      // connect() rejects with, and an unlistened error event would be printed by ioredis.
      const errors: Array<Error> = []
      redis.on("error", (e: Error) => void errors.push(e))
      return { redis, errors }
    }),
    ({ redis, errors }) =>
      Effect.tryPromise({
        try: async () => {
          await redis.connect()
          await redis.ping()
        },
        catch: (e) =>
          new QueueUnreachable({ url: c.url, reason: (errors[0] ?? (e as Error)).message || String(e) })
      }).pipe(
        Effect.timeoutOrElse({
          duration: timeoutMs + 500,
          orElse: () =>
            Effect.fail(new QueueUnreachable({ url: c.url, reason: `no answer within ${timeoutMs} ms` }))
        })
      ),
    ({ redis }) => Effect.sync(() => redis.disconnect())
  )

/**
 * Retries of a failed job (not of a stalled one: stalls are counted by the worker's `maxStalledCount`).
 *
 * @since 0.1.0
 * @category constants
 */
export const jobOptions = {
  attempts: 3,
  backoff: { type: "exponential", delay: 2000 },
  // Finished jobs stay in Redis: adding the same id again is then a no-op, which makes re-runs skip them.
  removeOnComplete: false,
  removeOnFail: false
} as const

const close = (what: { close: () => Promise<void> }) => Effect.promise(() => what.close())

/**
 * The BullMQ executor: adds every assignment as a job and waits for each to finish. A job that already
 * completed in an earlier run of the sweep is not run again; one that failed is retried.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (c: Connection, queueName = DEFAULT_QUEUE) =>
  Effect.gen(function* () {
    yield* ping(c)
    const queue = yield* Effect.acquireRelease(
      Effect.sync(() => new Queue<Assignment, Outcome>(queueName, { connection: redisOptions(c) })),
      close
    )
    const events = yield* Effect.acquireRelease(
      Effect.sync(() => new QueueEvents(queueName, { connection: redisOptions(c) })),
      close
    )
    const unreachable = (e: unknown) =>
      new QueueUnreachable({ url: c.url, reason: (e as Error).message || String(e) })
    yield* Effect.tryPromise({ try: () => events.waitUntilReady(), catch: unreachable })
    const runOne = (a: Assignment, onDone: (o: Outcome) => Effect.Effect<void, never>) =>
      Effect.gen(function* () {
        const job = yield* Effect.tryPromise({
          try: async () => {
            const added = await queue.add(a.job.id, a, { ...jobOptions, jobId: a.job.id })
            if ((await added.getState()) === "failed") await added.retry("failed")
            return added
          },
          catch: unreachable
        })
        const outcome = yield* Effect.tryPromise({
          try: () => job.waitUntilFinished(events),
          catch: (e) => new JobFailed({ id: a.job.id, reason: (e as Error).message || String(e) })
        })
        if (!isOutcome(outcome))
          return yield* new JobFailed({
            id: a.job.id,
            reason: `the worker returned ${JSON.stringify(outcome)}`
          })
        yield* onDone(outcome)
      })
    return Executor.of({
      description: `BullMQ queue ${queueName} at ${c.url}`,
      run: (assignments, onDone) =>
        Effect.gen(function* () {
          const results = yield* Effect.forEach(
            assignments,
            (a) => Effect.result(runOne(a, (o) => onDone(o).pipe(Effect.orDie))),
            { concurrency: "unbounded" }
          )
          const failed = results.find(Result.isFailure)
          if (failed !== undefined) return yield* Effect.fail(failed.failure)
        })
    })
  })

/**
 * The BullMQ executor as the {@link Executor} (its connections close with the layer's scope).
 *
 * @example
 * ```ts
 * const executor = Effect.flatMap(Queue.parseUrl("redis://127.0.0.1:6379"), (c) => Effect.succeed(Queue.layer(c)))
 * ```
 * @since 0.1.0
 * @category layers
 */
export const layer = (c: Connection, queueName = DEFAULT_QUEUE): Layer.Layer<Executor, QueueUnreachable> =>
  Layer.effect(Executor, make(c, queueName))

/**
 * Options of a queue worker.
 *
 * @since 0.1.0
 * @category models
 */
export interface WorkerOptions {
  readonly queueName?: string | undefined
  /** Jobs this process runs at once (BullMQ's `concurrency`). */
  readonly concurrency: number
  /**
   * How long a job's lock lasts without renewal (ms): a worker that dies (SIGKILL, power loss) loses its
   * jobs to other workers this long after, at the next stalled-job check (run at the same interval).
   */
  readonly lockMs: number
  /** Called as jobs start and finish, e.g. to log them. */
  readonly onEvent?:
    | ((event: "ready" | "started" | "completed" | "failed", id: string, detail: string) => void)
    | undefined
}

/**
 * Takes jobs from the queue and runs each with `handle` until interrupted; the job's return value is the
 * {@link Outcome} the sweep waits for. A job that was running on a worker that died is picked up again
 * (BullMQ's stalled-job detection), and `handle` resumes it from its checkpoint.
 *
 * @since 0.1.0
 * @category workers
 */
export const serve = <E extends { readonly message: string }, R>(
  c: Connection,
  options: WorkerOptions,
  handle: (assignment: Assignment) => Effect.Effect<Outcome, E, R>
): Effect.Effect<never, QueueUnreachable, R> =>
  Effect.scoped(
    Effect.gen(function* () {
      yield* ping(c)
      // BullMQ calls the processor as a Promise-returning callback: the FiberSet runs each job's effect with
      // this fiber's services and interrupts running jobs when the worker stops.
      const runPromise = yield* FiberSet.makeRuntimePromise<R>()
      yield* Effect.acquireRelease(
        Effect.sync(
          () =>
            new Worker<Assignment, Outcome>(
              options.queueName ?? DEFAULT_QUEUE,
              async (job: Job<Assignment, Outcome>) => {
                options.onEvent?.("started", job.data.job.id, `attempt ${job.attemptsMade + 1}`)
                const outcome = await runPromise(
                  handle(job.data).pipe(Effect.mapError((e) => new Error(e.message)))
                )
                options.onEvent?.("completed", job.data.job.id, JSON.stringify(outcome))
                return outcome
              },
              {
                connection: redisOptions(c),
                concurrency: options.concurrency,
                lockDuration: options.lockMs,
                stalledInterval: options.lockMs,
                // A job may be caught on several dying workers before it fails for good.
                maxStalledCount: 5
              }
            )
        ).pipe(
          Effect.tap((worker) =>
            Effect.sync(() =>
              worker.on("failed", (job, error) => {
                if (job !== undefined) options.onEvent?.("failed", job.data.job.id, error.message)
              })
            )
          )
        ),
        close
      )
      options.onEvent?.("ready", "", options.queueName ?? DEFAULT_QUEUE)
      return yield* Effect.never
    })
  )
