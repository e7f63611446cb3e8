/**
 * `addrop sweep`: runs a p × q × method × seed grid of training runs on a local pool of worker processes
 * (default) or a BullMQ queue (`--queue`), and summarizes it: mean ± std over seeds per setting, the best
 * (p, q) per method, and AD-Drop − FT paired by seed, as TSV, JSON and an HTML page.
 *
 * @since 0.1.0
 */
import { existsSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { Method } from "@addrop/attribution"
import { glueTasks } from "@addrop/metrics"
import { Executor, InvalidSpec, LocalPool, Queue, Results, Spec, type Summary } from "@addrop/sweep"
import { Effect, Option, Result } from "effect"
import { Command, Flag } from "effect/cli"
import { CommandFailed, InvalidOption } from "../CliError.js"
import * as TrainOptions from "../TrainOptions.js"
import * as Train from "./Train.js"

// Train flags a sweep does not take as they are: the swept ones become lists, and the sweep has its own
// --out (its folder) and --config (its spec).
const notShared = new Set([
  "config",
  "p",
  "q",
  "method",
  "seed",
  "out",
  "resume",
  "compare",
  "json",
  "report"
])
const sharedFlags = Object.fromEntries(
  Object.entries(Train.flags).filter(([key]) => !notShared.has(key))
) as Omit<
  typeof Train.flags,
  "config" | "p" | "q" | "method" | "seed" | "out" | "resume" | "compare" | "json" | "report"
>

const list = (name: string, description: string) =>
  Flag.String(name).pipe(Flag.withDescription(description), Flag.optional)

/**
 * The flags of `addrop sweep`: the grid, the executor, and every `train` option shared by the runs.
 *
 * @since 0.1.0
 * @category flags
 */
export const flags = {
  spec: list("spec", "JSON sweep spec: {p, q, method, seeds, train: {…train options}}; flags override it"),
  p: list("p", "candidate fractions, e.g. 0.1,0.3,0.5"),
  q: list("q", "drop probabilities, e.g. 0.1,0.3"),
  method: list("method", `methods: ft (plain fine-tuning) and/or ${Method.methods.join(", ")}, e.g. ft,ga`),
  seeds: list("seeds", "seeds: 1-3, 1,2,5 or a mix"),
  out: list(
    "out",
    "sweep folder; re-running with the same folder skips finished jobs (default sweeps/<task>-<time>)"
  ),
  workers: Flag.Int("workers").pipe(
    Flag.withDescription(
      `local worker processes (default ${LocalPool.defaultWorkers()}, from cores and memory)`
    ),
    Flag.optional
  ),
  queue: list(
    "queue",
    "send jobs to the BullMQ queue in this Redis (redis://host:port) for `addrop worker`s"
  ),
  queueName: Flag.String("queue-name").pipe(
    Flag.withDescription(`BullMQ queue name (default ${Queue.DEFAULT_QUEUE})`),
    Flag.withDefault(Queue.DEFAULT_QUEUE)
  ),
  json: Flag.Boolean("json").pipe(Flag.withDescription("print the summary as JSON"), Flag.withDefault(false)),
  ...sharedFlags
} as const

type Values = {
  readonly [K in keyof typeof flags]: K extends "queueName"
    ? string
    : K extends "json"
      ? boolean
      : Option.Option<unknown>
}

const timestamp = () => new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15)

const readSpecFile = (path: string) =>
  Effect.try({
    try: () => JSON.parse(readFileSync(path, "utf8")) as unknown,
    catch: (e) =>
      new InvalidSpec({
        field: "file",
        value: path,
        reason: `cannot be read as JSON (${(e as Error).message})`
      })
  })

/**
 * The sweep's spec from `--spec FILE` and the flags (flags win), with its shared train options validated
 * and completed with the defaults, so that a job's id hashes all of its settings.
 *
 * @since 0.1.0
 * @category running
 */
export const resolveSpec = (
  values: Values
): Effect.Effect<
  {
    readonly spec: Spec.Spec
    readonly jobs: ReadonlyArray<Spec.Job>
    readonly task: TrainOptions.TrainOptions["task"]
  },
  InvalidSpec | InvalidOption
> =>
  Effect.gen(function* () {
    const fromFile = Option.isSome(values.spec) ? yield* readSpecFile(String(values.spec.value)) : {}
    if (typeof fromFile !== "object" || fromFile === null || Array.isArray(fromFile))
      return yield* new InvalidSpec({ field: "file", value: values.spec, reason: "must hold a JSON object" })
    const raw: Record<string, unknown> = { ...fromFile }
    for (const key of ["p", "q", "method", "seeds"] as const) {
      const value = values[key]
      if (Option.isSome(value)) {
        raw[key] = value.value
        if (key === "method") delete raw.methods
      }
    }
    const trainFlags: Record<string, unknown> = {}
    for (const key of Object.keys(sharedFlags)) {
      const value = values[key as keyof typeof sharedFlags]
      if (Option.isSome(value)) trainFlags[key] = value.value
    }
    const fileTrain = (raw.train ?? {}) as Record<string, unknown>
    const camel = (o: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(o).map(([k, v]) => [k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), v])
      )
    raw.train =
      typeof fileTrain === "object" && fileTrain !== null && !Array.isArray(fileTrain)
        ? { ...camel(fileTrain), ...trainFlags }
        : fileTrain
    const d = TrainOptions.defaults
    const spec = yield* Spec.parse(raw, {
      p: d.p,
      q: d.q,
      method: d.method,
      seed: d.seed,
      knownMethods: Method.methods
    })
    for (const key of ["out", "resume", "compare", "json", "report"])
      if (key in spec.train)
        return yield* new InvalidSpec({
          field: `train.${key}`,
          value: spec.train[key],
          reason: "is set by the sweep for each run (the sweep's folder is --out)"
        })
    // Validates the shared options (an unknown or bad one fails here, before any job starts) and fills in
    // the defaults.
    const shared = yield* TrainOptions.resolve([spec.train])
    const {
      p: _p,
      q: _q,
      method: _m,
      seed: _s,
      out: _o,
      resume: _r,
      compare: _c,
      json: _j,
      report: _rep,
      ...train
    } = shared
    // Workers may start in another folder (or on another machine that mounts the same paths): file options
    // are made absolute, against the folder the sweep was started in.
    const absolute = Object.fromEntries(
      (["data", "train", "dev", "tokenizer", "model"] as const).flatMap((key) => {
        const value = train[key]
        return typeof value === "string" && (key !== "model" || existsSync(value))
          ? [[key, resolve(value)]]
          : []
      })
    )
    const full: Spec.Spec = { ...spec, train: { ...train, ...absolute } }
    const jobs = Spec.expand(full)
    for (const job of jobs) yield* TrainOptions.resolve([job.settings])
    return { spec: full, jobs, task: shared.task }
  })

const executorLayer = (values: Values) =>
  Effect.gen(function* () {
    if (Option.isSome(values.queue)) {
      if (Option.isSome(values.workers))
        return yield* new InvalidOption({
          option: "workers",
          value: values.workers.value,
          reason: "does not apply with --queue: start `addrop worker --queue …` processes instead"
        })
      const connection = yield* Queue.parseUrl(String(values.queue.value))
      return Queue.layer(connection, values.queueName)
    }
    const workers = Option.isSome(values.workers) ? Number(values.workers.value) : LocalPool.defaultWorkers()
    if (!(workers >= 1))
      return yield* new InvalidOption({ option: "workers", value: workers, reason: "must be ≥ 1" })
    // A worker process is this same program (node, its flags such as a TypeScript loader, and its script).
    const command = [process.execPath, ...process.execArgv, process.argv[1]!, "worker", "--job"]
    return LocalPool.layer({ workers, command })
  })

const fmt = (v: number | null) => (v === null ? "–" : v.toFixed(4))

/**
 * Runs a sweep: plans its folder, runs the unfinished jobs on the executor, and writes the summary (also
 * when some jobs failed: the summary then covers the finished ones, and the command fails).
 *
 * @since 0.1.0
 * @category running
 */
export const sweep = (values: Values) =>
  Effect.gen(function* () {
    const { spec, jobs, task } = yield* resolveSpec(values)
    const metric = glueTasks[task].main
    const root = resolve(
      Option.getOrElse(values.out, () => join("sweeps", `${task}-${timestamp()}`)) as string
    )
    const say = (t: string) => (values.json ? undefined : process.stdout.write(t))
    const { done, todo } = yield* Results.plan(root, jobs, { task, metric, spec })
    const layer = yield* executorLayer(values)
    const outcomes = [...done]
    const failure = yield* Effect.gen(function* () {
      const executor = yield* Executor.Executor
      say(
        `sweep: ${jobs.length} jobs (${done.length} finished earlier, ${todo.length} to run) on ${executor.description}; folder ${root}\n`
      )
      return yield* executor
        .run(todo, (outcome) =>
          Effect.gen(function* () {
            const assignment = todo.find((a) => a.job.id === outcome.id)
            if (assignment !== undefined) yield* Results.writeResult(assignment.out, outcome)
            outcomes.push(outcome)
            say(
              `  [${outcomes.length}/${jobs.length}] ${outcome.id}: dev ${metric} ${fmt(outcome.score)}${outcome.resumedFrom === null ? "" : ` (resumed from step ${outcome.resumedFrom})`}\n`
            )
          })
        )
        .pipe(Effect.result)
    }).pipe(Effect.provide(layer), Effect.scoped)
    const summary: Summary.Summary = yield* Results.writeSummary(
      root,
      Results.runResults(jobs, outcomes),
      metric,
      `${task} sweep: p × q × method × seed`,
      [
        `task ${task}`,
        `model ${spec.train.model}`,
        `methods ${spec.methods.join(", ")}`,
        `seeds ${spec.seeds.join(", ")}`,
        `${outcomes.length}/${jobs.length} runs`
      ]
    )
    if (values.json) process.stdout.write(`${JSON.stringify({ type: "sweep", folder: root, ...summary })}\n`)
    else {
      for (const s of summary.settings.filter((s) => s.method === Spec.FT))
        say(`fine-tuning: ${fmt(s.mean)} ± ${fmt(s.std)} over ${s.n} seeds\n`)
      for (const s of summary.best)
        say(
          `best ${s.method}: p ${s.p}, q ${s.q}: ${fmt(s.mean)} ± ${fmt(s.std)}${s.vsFt === null ? "" : `; AD-Drop − FT ${fmt(s.vsFt.mean)} ± ${fmt(s.vsFt.std)} (paired, ${s.vsFt.n} seeds)`}\n`
        )
      say(
        `summary: ${join(root, Results.files.summaryTsv)}, ${Results.files.summaryJson}, ${Results.files.summaryHtml}\n`
      )
    }
    if (Result.isFailure(failure)) return yield* Effect.fail(failure.failure)
  })

/**
 * The `sweep` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("sweep", flags, (values) =>
  sweep(values as unknown as Values).pipe(
    Effect.mapError((error) => new CommandFailed({ reason: error.message }))
  )
).pipe(
  Command.withDescription(
    "Run a p × q × method × seed grid of training runs (locally, or over BullMQ with --queue) and summarize it: mean ± std over seeds, the best (p, q) per method, and AD-Drop − FT paired by seed."
  )
)
