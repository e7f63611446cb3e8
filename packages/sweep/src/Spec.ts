/**
 * A sweep spec and its expansion into jobs: every (method, p, q, seed) of the grid, with plain
 * fine-tuning (`ft`) run once per seed (p and q do not apply to it).
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { jobId } from "./JobId.js"
import { InvalidSpec } from "./SweepError.js"

/**
 * The plain fine-tuning baseline's method name: the same settings with AD-Drop never applied.
 *
 * @since 0.1.0
 * @category constants
 */
export const FT = "ft"

/**
 * A validated sweep: the grid and the train settings every run shares.
 *
 * @since 0.1.0
 * @category models
 */
export interface Spec {
  readonly p: ReadonlyArray<number>
  readonly q: ReadonlyArray<number>
  /** `ft` and/or attribution methods (ga, gold, iga, aa, rd, loss). */
  readonly methods: ReadonlyArray<string>
  readonly seeds: ReadonlyArray<number>
  /** Train options shared by every run (validated by whoever runs the jobs). */
  readonly train: Readonly<Record<string, unknown>>
}

/**
 * One run of a sweep.
 *
 * @since 0.1.0
 * @category models
 */
export interface Job {
  readonly id: string
  readonly method: string
  /** Undefined for `ft`. */
  readonly p: number | undefined
  readonly q: number | undefined
  readonly seed: number
  /** The run's complete train settings (what its id hashes). */
  readonly settings: Readonly<Record<string, unknown>>
}

const fail = (field: string, value: unknown, reason: string) =>
  Effect.fail(new InvalidSpec({ field, value, reason }))

const unique = <A>(values: ReadonlyArray<A>): Array<A> => [...new Set(values)]

/**
 * A list of numbers: a JSON array or comma-separated text (`0.1,0.3,0.5`).
 *
 * @since 0.1.0
 * @category parsing
 */
export const numbers = (
  field: string,
  value: unknown,
  range: { readonly min: number; readonly max: number }
): Effect.Effect<ReadonlyArray<number>, InvalidSpec> =>
  Effect.gen(function* () {
    const items =
      typeof value === "string"
        ? value.split(",").map((s) => s.trim())
        : Array.isArray(value)
          ? value
          : typeof value === "number"
            ? [value]
            : yield* fail(field, value, "expected a list of numbers, e.g. 0.1,0.3 or [0.1, 0.3]")
    if (items.length === 0 || items.some((i) => i === ""))
      return yield* fail(field, value, "expected a non-empty list of numbers, e.g. 0.1,0.3")
    const out: Array<number> = []
    for (const item of items) {
      const n = typeof item === "number" ? item : typeof item === "string" ? Number(item) : Number.NaN
      if (!Number.isFinite(n)) return yield* fail(field, value, `${JSON.stringify(item)} is not a number`)
      if (n < range.min || n > range.max)
        return yield* fail(field, value, `${n} is outside [${range.min}, ${range.max}]`)
      out.push(n)
    }
    return unique(out)
  })

/**
 * Seeds: a JSON array of integers, or text of integers and inclusive ranges (`1-3`, `1-3,7`).
 *
 * @example
 * ```ts
 * seeds("1-3,7") // Effect of [1, 2, 3, 7]
 * ```
 * @since 0.1.0
 * @category parsing
 */
export const seeds = (value: unknown): Effect.Effect<ReadonlyArray<number>, InvalidSpec> =>
  Effect.gen(function* () {
    const out: Array<number> = []
    const add = (n: number) =>
      Number.isSafeInteger(n) && n >= 0
        ? Effect.sync(() => void out.push(n))
        : fail("seeds", value, `${n} is not a non-negative integer`)
    if (Array.isArray(value) || typeof value === "number") {
      for (const item of Array.isArray(value) ? value : [value])
        yield* typeof item === "number" ? add(item) : fail("seeds", value, "expected integers")
    } else if (typeof value === "string" && value.trim() !== "") {
      for (const part of value.split(",").map((s) => s.trim())) {
        const range = /^(\d+)-(\d+)$/.exec(part)
        if (range !== null) {
          const [from, to] = [Number(range[1]), Number(range[2])]
          if (to < from) return yield* fail("seeds", value, `range ${part} must go up, e.g. 1-3`)
          if (to - from >= 10_000) return yield* fail("seeds", value, `range ${part} is too long`)
          for (let s = from; s <= to; s++) yield* add(s)
        } else if (/^\d+$/.test(part)) yield* add(Number(part))
        else
          return yield* fail("seeds", value, `${JSON.stringify(part)} is neither a seed nor a range like 1-3`)
      }
    } else return yield* fail("seeds", value, "expected seeds such as 1-3, 1,2,5 or [1, 2, 3]")
    return unique(out)
  })

const specKeys = ["p", "q", "method", "methods", "seeds", "seed", "train"] as const

/**
 * Validates a raw spec: the object of a sweep JSON file (`{"p": [0.1, 0.3], "q": "0.1,0.3",
 * "method": ["ft", "ga"], "seeds": "1-3", "train": {"epochs": 2}}`) or the same built from flags. Missing
 * lists take the given defaults.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (
  raw: unknown,
  defaults: {
    readonly p: number
    readonly q: number
    readonly method: string
    readonly seed: number
    readonly knownMethods: ReadonlyArray<string>
  }
): Effect.Effect<Spec, InvalidSpec> =>
  Effect.gen(function* () {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw))
      return yield* fail("", raw, "must be a JSON object with p, q, method, seeds and train")
    const record = raw as Record<string, unknown>
    for (const key of Object.keys(record)) {
      if (!(specKeys as ReadonlyArray<string>).includes(key))
        return yield* fail(key, undefined, `is not a sweep key; expected ${specKeys.join(", ")}`)
    }
    const p = yield* numbers("p", record.p ?? defaults.p, { min: 0, max: 1 })
    const q = yield* numbers("q", record.q ?? defaults.q, { min: 0, max: 1 })
    const methodValue = record.method ?? record.methods ?? defaults.method
    const methodList =
      typeof methodValue === "string"
        ? methodValue.split(",").map((s) => s.trim())
        : Array.isArray(methodValue) && methodValue.every((m) => typeof m === "string")
          ? (methodValue as Array<string>)
          : yield* fail("method", methodValue, "expected method names such as ft,ga")
    const allowed = [FT, ...defaults.knownMethods]
    const badMethod = methodList.find((m) => !allowed.includes(m))
    if (badMethod !== undefined || methodList.length === 0)
      return yield* fail("method", methodValue, `expected some of ${allowed.join(", ")}`)
    const seedList = yield* seeds(record.seeds ?? record.seed ?? defaults.seed)
    const train = record.train ?? {}
    if (typeof train !== "object" || train === null || Array.isArray(train))
      return yield* fail("train", train, "must be an object of train options")
    for (const key of ["p", "q", "method", "seed"])
      if (key in train)
        return yield* fail(
          `train.${key}`,
          undefined,
          `is swept: give it as the top-level ${key === "seed" ? "seeds" : key}`
        )
    return { p, q, methods: unique(methodList), seeds: seedList, train: train as Record<string, unknown> }
  })

const fmt = (n: number) => String(n)

/**
 * The jobs of a spec: for each method, seed and (except for `ft`) p and q, one job whose settings are
 * the shared train settings with the swept values; `ft` runs with `schedule: "never"`.
 *
 * @example
 * ```ts
 * // 2 p × 1 q × ga + ft × 3 seeds: 6 AD-Drop jobs and 3 baselines
 * expand({ p: [0.1, 0.3], q: [0.1], methods: ["ft", "ga"], seeds: [1, 2, 3], train: {} }).length // 9
 * ```
 * @since 0.1.0
 * @category expansion
 */
export const expand = (spec: Spec): ReadonlyArray<Job> => {
  const jobs: Array<Job> = []
  for (const method of spec.methods) {
    for (const seed of spec.seeds) {
      if (method === FT) {
        const settings = { ...spec.train, seed, schedule: "never" }
        jobs.push({ id: jobId(`ft-s${seed}`, settings), method, p: undefined, q: undefined, seed, settings })
        continue
      }
      for (const p of spec.p) {
        for (const q of spec.q) {
          const settings = { ...spec.train, method, p, q, seed }
          jobs.push({
            id: jobId(`${method}-p${fmt(p)}-q${fmt(q)}-s${seed}`, settings),
            method,
            p,
            q,
            seed,
            settings
          })
        }
      }
    }
  }
  return jobs
}
