/**
 * A sweep's folder: one run folder per job (`runs/<id>/`, with the trainer's metrics.jsonl and
 * checkpoints, and `result.json` once the job finished), the per-run table and the summary as TSV, JSON
 * and an HTML page.
 *
 * @since 0.1.0
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { SweepPage } from "@addrop/report"
import { Effect } from "effect"
import { type Assignment, isOutcome, type Outcome } from "./Executor.js"
import type { Job } from "./Spec.js"
import * as Summary from "./Summary.js"
import { SweepIoError } from "./SweepError.js"

/**
 * The files of a sweep folder.
 *
 * @since 0.1.0
 * @category constants
 */
export const files = {
  spec: "sweep.json",
  runs: "runs",
  result: "result.json",
  runsTsv: "runs.tsv",
  summaryTsv: "summary.tsv",
  summaryJson: "summary.json",
  summaryHtml: "summary.html"
} as const

const io = (path: string) => (e: unknown) => new SweepIoError({ path, reason: (e as Error).message })

const write = (path: string, text: string) =>
  Effect.try({
    try: () => {
      // Write-then-rename: a killed sweep never leaves a half-written result that would count as done.
      const temp = `${path}.${process.pid}.tmp`
      writeFileSync(temp, text)
      renameSync(temp, path)
    },
    catch: io(path)
  })

/**
 * The absolute run folder of a job.
 *
 * @since 0.1.0
 * @category paths
 */
export const runDir = (root: string, job: Job): string => resolve(root, files.runs, job.id)

/**
 * Creates the sweep folder and each job's run folder, records the jobs in `sweep.json`, and splits them
 * into finished ones (with their outcomes) and assignments still to run.
 *
 * @since 0.1.0
 * @category planning
 */
export const plan = (
  root: string,
  jobs: ReadonlyArray<Job>,
  meta: Readonly<Record<string, unknown>>
): Effect.Effect<
  { readonly done: ReadonlyArray<Outcome>; readonly todo: ReadonlyArray<Assignment> },
  SweepIoError
> =>
  Effect.gen(function* () {
    const done: Array<Outcome> = []
    const todo: Array<Assignment> = []
    for (const job of jobs) {
      const out = runDir(root, job)
      yield* Effect.try({ try: () => mkdirSync(out, { recursive: true }), catch: io(out) })
      const previous = yield* readResult(out)
      if (previous !== undefined) done.push(previous)
      else todo.push({ job, out })
    }
    yield* write(join(root, files.spec), `${JSON.stringify({ ...meta, jobs }, null, 2)}\n`)
    return { done, todo }
  })

/**
 * A run folder's recorded outcome, if the job finished.
 *
 * @since 0.1.0
 * @category results
 */
export const readResult = (out: string): Effect.Effect<Outcome | undefined, SweepIoError> => {
  const path = join(out, files.result)
  if (!existsSync(path)) return Effect.succeed(undefined)
  return Effect.try({
    try: () => JSON.parse(readFileSync(path, "utf8")) as unknown,
    catch: io(path)
  }).pipe(Effect.map((value) => (isOutcome(value) ? value : undefined)))
}

/**
 * Records a finished job's outcome in its run folder (what makes a re-run skip it).
 *
 * @since 0.1.0
 * @category results
 */
export const writeResult = (out: string, outcome: Outcome): Effect.Effect<void, SweepIoError> =>
  write(join(out, files.result), `${JSON.stringify(outcome)}\n`)

/**
 * Pairs jobs with their outcomes (jobs without one are left out).
 *
 * @since 0.1.0
 * @category results
 */
export const runResults = (
  jobs: ReadonlyArray<Job>,
  outcomes: ReadonlyArray<Outcome>
): Array<Summary.RunResult> => {
  const byId = new Map(outcomes.map((o) => [o.id, o]))
  return jobs.flatMap((job) => {
    const o = byId.get(job.id)
    return o === undefined
      ? []
      : [{ job, score: o.score, epochs: o.epochs, steps: o.steps, resumedFrom: o.resumedFrom }]
  })
}

/**
 * The HTML page of a summary.
 *
 * @since 0.1.0
 * @category results
 */
export const page = (summary: Summary.Summary, title: string, facts: ReadonlyArray<string>): string => {
  const best = new Set(summary.best)
  return SweepPage.render({
    title,
    metric: summary.metric,
    facts,
    rows: summary.settings.map((s) => ({
      method: s.method,
      p: s.p,
      q: s.q,
      n: s.n,
      mean: s.mean,
      std: s.std,
      diff: s.vsFt === null ? null : { n: s.vsFt.n, mean: s.vsFt.mean, std: s.vsFt.std },
      best: best.has(s)
    }))
  })
}

/**
 * Writes runs.tsv, summary.tsv, summary.json and summary.html, and returns the summary.
 *
 * @since 0.1.0
 * @category results
 */
export const writeSummary = (
  root: string,
  results: ReadonlyArray<Summary.RunResult>,
  metric: string,
  title: string,
  facts: ReadonlyArray<string>
): Effect.Effect<Summary.Summary, SweepIoError> =>
  Effect.gen(function* () {
    const summary = Summary.summarize(results, metric)
    yield* write(join(root, files.runsTsv), Summary.runsTsv(results, metric))
    yield* write(join(root, files.summaryTsv), Summary.toTsv(summary))
    yield* write(join(root, files.summaryJson), `${JSON.stringify(summary, null, 2)}\n`)
    yield* write(join(root, files.summaryHtml), page(summary, title, facts))
    return summary
  })
