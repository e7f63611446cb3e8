/**
 * What a sweep found: per setting (method, p, q) the mean ± sample standard deviation of the best dev
 * score over seeds, the best (p, q) per method, and the paired difference AD-Drop − FT (each AD-Drop
 * run minus the fine-tuning run of the same seed) with its spread.
 *
 * @since 0.1.0
 */
import { FT, type Job } from "./Spec.js"

/**
 * A finished run: its job and its best dev score (the task's main metric; null when it never evaluated).
 *
 * @since 0.1.0
 * @category models
 */
export interface RunResult {
  readonly job: Job
  readonly score: number | null
  readonly epochs: number
  readonly steps: number
  /** The checkpoint step the run resumed from, when it did. */
  readonly resumedFrom: number | null
}

/**
 * Mean and spread of some numbers; `std` is the sample standard deviation (n − 1), null below two values.
 *
 * @since 0.1.0
 * @category models
 */
export interface Stats {
  readonly n: number
  readonly mean: number | null
  readonly std: number | null
}

/**
 * One setting of the grid over its seeds.
 *
 * @since 0.1.0
 * @category models
 */
export interface SettingSummary extends Stats {
  readonly method: string
  readonly p: number | null
  readonly q: number | null
  readonly seeds: ReadonlyArray<number>
  readonly scores: ReadonlyArray<number>
  /** This setting minus `ft`, paired by seed (seeds both have); null for `ft` or without an `ft` run. */
  readonly vsFt: (Stats & { readonly seeds: ReadonlyArray<number> }) | null
}

/**
 * The summary of a sweep.
 *
 * @since 0.1.0
 * @category models
 */
export interface Summary {
  readonly metric: string
  readonly settings: ReadonlyArray<SettingSummary>
  /** Per AD-Drop method, its setting with the highest mean (ties: the first in grid order). */
  readonly best: ReadonlyArray<SettingSummary>
}

/**
 * Mean and sample standard deviation.
 *
 * @example
 * ```ts
 * stats([1, 2, 3]) // { n: 3, mean: 2, std: 1 }
 * ```
 * @since 0.1.0
 * @category statistics
 */
export const stats = (values: ReadonlyArray<number>): Stats => {
  const n = values.length
  if (n === 0) return { n, mean: null, std: null }
  const mean = values.reduce((a, b) => a + b, 0) / n
  if (n < 2) return { n, mean, std: null }
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)
  return { n, mean, std: Math.sqrt(variance) }
}

const settingKey = (job: Job) => `${job.method}|${job.p ?? ""}|${job.q ?? ""}`

/**
 * Summarizes finished runs (runs without a score are left out of the statistics).
 *
 * @since 0.1.0
 * @category statistics
 */
export const summarize = (results: ReadonlyArray<RunResult>, metric: string): Summary => {
  const groups = new Map<string, Array<RunResult>>()
  for (const r of results) {
    const key = settingKey(r.job)
    groups.set(key, [...(groups.get(key) ?? []), r])
  }
  const ftBySeed = new Map<number, number>()
  for (const r of results) if (r.job.method === FT && r.score !== null) ftBySeed.set(r.job.seed, r.score)
  const settings: Array<SettingSummary> = []
  for (const runs of groups.values()) {
    const scored = runs.filter((r) => r.score !== null).sort((a, b) => a.job.seed - b.job.seed)
    const first = runs[0]!.job
    const paired = scored.filter((r) => ftBySeed.has(r.job.seed))
    settings.push({
      method: first.method,
      p: first.p ?? null,
      q: first.q ?? null,
      seeds: scored.map((r) => r.job.seed),
      scores: scored.map((r) => r.score!),
      ...stats(scored.map((r) => r.score!)),
      vsFt:
        first.method === FT || ftBySeed.size === 0
          ? null
          : {
              seeds: paired.map((r) => r.job.seed),
              ...stats(paired.map((r) => r.score! - ftBySeed.get(r.job.seed)!))
            }
    })
  }
  const best: Array<SettingSummary> = []
  for (const method of [...new Set(settings.map((s) => s.method))]) {
    if (method === FT) continue
    let top: SettingSummary | undefined
    for (const s of settings)
      if (s.method === method && s.mean !== null && (top === undefined || s.mean > top.mean!)) top = s
    if (top !== undefined) best.push(top)
  }
  return { metric, settings, best }
}

const num = (v: number | null, digits = 4) => (v === null ? "" : v.toFixed(digits))

/**
 * The settings as tab-separated values with a header row.
 *
 * @since 0.1.0
 * @category formatting
 */
export const toTsv = (summary: Summary): string => {
  const header = [
    "method",
    "p",
    "q",
    "n",
    `mean_${summary.metric}`,
    "std",
    "diff_vs_ft_mean",
    "diff_vs_ft_std",
    "diff_vs_ft_n",
    "best",
    "seeds",
    "scores"
  ]
  const bestSet = new Set(summary.best)
  const rows = summary.settings.map((s) =>
    [
      s.method,
      s.p ?? "",
      s.q ?? "",
      s.n,
      num(s.mean),
      num(s.std),
      num(s.vsFt?.mean ?? null),
      num(s.vsFt?.std ?? null),
      s.vsFt?.n ?? "",
      bestSet.has(s) ? "yes" : "",
      s.seeds.join(","),
      s.scores.map((v) => v.toFixed(4)).join(",")
    ].join("\t")
  )
  return `${[header.join("\t"), ...rows].join("\n")}\n`
}

/**
 * The per-run results as tab-separated values.
 *
 * @since 0.1.0
 * @category formatting
 */
export const runsTsv = (results: ReadonlyArray<RunResult>, metric: string): string =>
  `${["id", "method", "p", "q", "seed", metric, "epochs", "steps", "resumed_from"].join("\t")}\n${results
    .map((r) =>
      [
        r.job.id,
        r.job.method,
        r.job.p ?? "",
        r.job.q ?? "",
        r.job.seed,
        num(r.score),
        r.epochs,
        r.steps,
        r.resumedFrom ?? ""
      ].join("\t")
    )
    .join("\n")}\n`
