/**
 * Schedules as text, for command lines and config files: a small spec language with a parser, a
 * canonical printer, a compiler to {@link Schedule} and a human-readable description.
 *
 * | spec | schedule |
 * | --- | --- |
 * | `cross` / `cross:addrop` | `crossTuning()` / `crossTuning({ firstPhase: "addrop" })` |
 * | `always` / `never` | `always("addrop")` / `always("ft")` |
 * | `every:K` / `every:K:OFFSET` | `everyKthEpoch(K, { offset: OFFSET })` |
 * | `steps:FT:ADDROP` | `alternateSteps({ ft: FT, addrop: ADDROP })` |
 * | `pattern:ft,addrop,…` / `pattern:step:ft,…` | `pattern([...], { by: "epoch" / "step" })` |
 * | `warmup:N+SPEC` / `warmup:step:N+SPEC` | `warmup(N, SPEC, { by: "epoch" / "step" })` |
 *
 * Keywords are case-insensitive and surrounding whitespace is ignored. `warmup` nests:
 * `warmup:1+warmup:step:50+cross`.
 *
 * @since 0.1.0
 */
import { Effect, Result } from "effect"
import { InvalidSchedule } from "./InvalidSchedule.js"
import { isPhase, type Phase } from "./Phase.js"
import type { Unit } from "./Position.js"
import {
  alternateSteps,
  always,
  crossTuning,
  everyKthEpoch,
  pattern,
  type Schedule,
  warmup
} from "./Schedule.js"

/**
 * A parsed schedule spec: plain data, comparable with deep equality, printable with {@link format}, and
 * turned into a schedule with {@link compile}.
 *
 * @since 0.1.0
 * @category models
 */
export type ScheduleSpec =
  | { readonly _tag: "Cross"; readonly firstPhase: Phase }
  | { readonly _tag: "Always"; readonly phase: Phase }
  | { readonly _tag: "Every"; readonly k: number; readonly offset: number }
  | { readonly _tag: "Steps"; readonly ft: number; readonly addrop: number }
  | { readonly _tag: "Pattern"; readonly phases: ReadonlyArray<Phase>; readonly by: Unit }
  | { readonly _tag: "Warmup"; readonly n: number; readonly by: Unit; readonly schedule: ScheduleSpec }

/**
 * Parses a schedule spec such as `"cross"`, `"every:3:1"` or `"warmup:1+cross"`. Fails with
 * {@link InvalidSchedule} (carrying the spec and the reason) for unknown keywords, missing or extra fields,
 * unknown phases, and numbers that are not integers or are out of range (`K ≤ 0`, negative counts,
 * `steps:0:0`).
 *
 * @example
 * ```ts
 * import { Result } from "effect"
 * import { compile, parse } from "@addrop/schedule"
 * const schedule = Result.getOrThrow(Result.map(parse("warmup:1+cross"), compile))
 * ```
 * @since 0.1.0
 * @category parsing
 */
export const parse = (spec: string): Result.Result<ScheduleSpec, InvalidSchedule> => {
  if (typeof spec !== "string") {
    return Result.fail(new InvalidSchedule({ spec: String(spec), reason: "the spec must be a string" }))
  }
  const parsed = parseText(spec.trim().toLowerCase())
  return typeof parsed === "string"
    ? Result.fail(new InvalidSchedule({ spec, reason: parsed }))
    : Result.succeed(parsed)
}

/**
 * The canonical text of a spec; `parse(format(spec))` gives `spec` back, and `format(parse(text))` is
 * `text` for canonical texts (lower case, no optional `epoch:` unit, no `:0` offset, no `:ft` after
 * `cross`).
 *
 * @example
 * ```ts
 * import { format } from "@addrop/schedule"
 * format({ _tag: "Every", k: 3, offset: 0 }) // "every:3"
 * ```
 * @since 0.1.0
 * @category parsing
 */
export const format = (spec: ScheduleSpec): string => {
  switch (spec._tag) {
    case "Cross":
      return spec.firstPhase === "ft" ? "cross" : "cross:addrop"
    case "Always":
      return spec.phase === "addrop" ? "always" : "never"
    case "Every":
      return spec.offset === 0 ? `every:${spec.k}` : `every:${spec.k}:${spec.offset}`
    case "Steps":
      return `steps:${spec.ft}:${spec.addrop}`
    case "Pattern":
      return `pattern:${spec.by === "step" ? "step:" : ""}${spec.phases.join(",")}`
    case "Warmup":
      return `warmup:${spec.by === "step" ? "step:" : ""}${spec.n}+${format(spec.schedule)}`
  }
}

/**
 * Checks a spec built by hand (or decoded from JSON): known tags, phases and units, integer counts in
 * range (`K ≥ 1`, non-negative offsets and counts, `FT + ADDROP ≥ 1`, a non-empty pattern), recursively.
 * Fails with {@link InvalidSchedule} whose `spec` is the spec as JSON and whose `reason` names the field.
 * Specs from {@link parse} always pass.
 *
 * @example
 * ```ts
 * import { validate } from "@addrop/schedule"
 * validate({ _tag: "Every", k: 0, offset: 0 }) // Failure: InvalidSchedule "every: K must be a positive integer, got 0"
 * ```
 * @since 0.1.0
 * @category validation
 */
export const validate = (spec: ScheduleSpec): Result.Result<ScheduleSpec, InvalidSchedule> => {
  const reason = problem(spec)
  if (reason === undefined) return Result.succeed(spec)
  let text: string
  try {
    text = JSON.stringify(spec) ?? String(spec)
  } catch {
    text = String(spec)
  }
  return Result.fail(new InvalidSchedule({ spec: text, reason }))
}

/**
 * The validating constructor: a schedule from spec text (see {@link parse}) or from a spec value (see
 * {@link validate}), or the typed {@link InvalidSchedule}. The schedule it returns is total: it gives a
 * phase for every valid position.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { make } from "@addrop/schedule"
 * const program = Effect.gen(function* () {
 *   const schedule = yield* make({ _tag: "Warmup", n: 1, by: "epoch", schedule: { _tag: "Cross", firstPhase: "ft" } })
 *   return schedule({ epoch: 1, step: 100, stepInEpoch: 0 }) // "ft"
 * })
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const make = (spec: ScheduleSpec | string): Effect.Effect<Schedule, InvalidSchedule> =>
  Effect.suspend(() =>
    Effect.fromResult(typeof spec === "string" ? parse(spec) : validate(spec)).pipe(Effect.map(compile))
  )

/** What is wrong with a spec, or undefined when it is valid. */
const problem = (spec: ScheduleSpec): string | undefined => {
  if (typeof spec !== "object" || spec === null) return "a spec must be an object with a _tag"
  const count = (name: string, value: unknown, minimum: 0 | 1) =>
    typeof value === "number" && Number.isSafeInteger(value) && value >= minimum
      ? undefined
      : `${name} must be ${minimum === 1 ? "a positive" : "a non-negative"} integer, got ${String(value)}`
  const phase = (name: string, value: unknown) =>
    isPhase(value) ? undefined : `${name} must be "ft" or "addrop", got ${JSON.stringify(value)}`
  const unit = (value: unknown) =>
    value === "epoch" || value === "step"
      ? undefined
      : `by must be "epoch" or "step", got ${JSON.stringify(value)}`
  switch (spec._tag) {
    case "Cross":
      return phase("cross: firstPhase", spec.firstPhase)
    case "Always":
      return phase("always: phase", spec.phase)
    case "Every":
      return count("every: K", spec.k, 1) ?? count("every: OFFSET", spec.offset, 0)
    case "Steps":
      return (
        count("steps: FT", spec.ft, 0) ??
        count("steps: ADDROP", spec.addrop, 0) ??
        (spec.ft + spec.addrop === 0 ? "steps needs FT + ADDROP ≥ 1, got 0 and 0" : undefined) ??
        (Number.isSafeInteger(spec.ft + spec.addrop) ? undefined : "steps: FT + ADDROP is too large")
      )
    case "Pattern":
      if (!Array.isArray(spec.phases) || spec.phases.length === 0) return "pattern needs at least one phase"
      return (
        spec.phases.map((p, i) => phase(`pattern: phase ${i + 1}`, p)).find((r) => r !== undefined) ??
        unit(spec.by)
      )
    case "Warmup": {
      const inner = count("warmup: N", spec.n, 0) ?? unit(spec.by)
      if (inner !== undefined) return inner
      const nested = problem(spec.schedule)
      return nested === undefined ? undefined : `after warmup: ${nested}`
    }
    default:
      return `unknown schedule tag ${JSON.stringify((spec as { readonly _tag?: unknown })._tag)}`
  }
}

/**
 * The schedule a spec stands for; total over valid specs (every spec from {@link parse}, or that
 * {@link validate} accepts). A hand-built spec that is not valid throws a `RangeError`: check it with
 * {@link validate}, or build the schedule with {@link make}, to get the typed {@link InvalidSchedule}.
 *
 * @example
 * ```ts
 * import { compile } from "@addrop/schedule"
 * const s = compile({ _tag: "Cross", firstPhase: "ft" }) // crossTuning()
 * ```
 * @since 0.1.0
 * @category parsing
 */
export const compile = (spec: ScheduleSpec): Schedule => {
  switch (spec._tag) {
    case "Cross":
      return crossTuning({ firstPhase: spec.firstPhase })
    case "Always":
      return always(spec.phase)
    case "Every":
      return everyKthEpoch(spec.k, { offset: spec.offset })
    case "Steps":
      return alternateSteps({ ft: spec.ft, addrop: spec.addrop })
    case "Pattern":
      return pattern(spec.phases, { by: spec.by })
    case "Warmup":
      return warmup(spec.n, compile(spec.schedule), { by: spec.by })
  }
}

/**
 * A sentence describing a spec, for CLI help and logs. Epochs and steps are counted from 0, as in
 * {@link Position}.
 *
 * @example
 * ```ts
 * import { describe } from "@addrop/schedule"
 * describe({ _tag: "Every", k: 3, offset: 1 })
 * // "AD-Drop on epochs 1, 4, 7, … (every 3rd epoch from epoch 1), plain fine-tuning on the other epochs"
 * ```
 * @since 0.1.0
 * @category parsing
 */
export const describe = (spec: ScheduleSpec): string => {
  switch (spec._tag) {
    case "Cross":
      return spec.firstPhase === "ft"
        ? "cross-tuning: plain fine-tuning on even epochs (0, 2, 4, …; the paper's epochs 1, 3, 5, …), " +
            "AD-Drop on odd epochs (1, 3, 5, …)"
        : "cross-tuning starting with AD-Drop: AD-Drop on even epochs (0, 2, 4, …), " +
            "plain fine-tuning on odd epochs (1, 3, 5, …)"
    case "Always":
      return spec.phase === "addrop"
        ? "AD-Drop on every step (no cross-tuning)"
        : "plain fine-tuning on every step (no AD-Drop)"
    case "Every": {
      const { k, offset } = spec
      const epochs = [offset, offset + k, offset + 2 * k].join(", ")
      return (
        `AD-Drop on epochs ${epochs}, … (every ${k === 1 ? "" : `${ordinal(k)} `}epoch from epoch ${offset}), ` +
        "plain fine-tuning on the other epochs"
      )
    }
    case "Steps":
      return (
        `repeating every ${spec.ft + spec.addrop} global steps: ${plural(spec.ft, "plain fine-tuning step")}, ` +
        `then ${plural(spec.addrop, "AD-Drop step")}`
      )
    case "Pattern": {
      const names = spec.phases.map((p) => (p === "ft" ? "plain fine-tuning" : "AD-Drop")).join(", ")
      return `repeating ${spec.by === "step" ? "per-step" : "per-epoch"} pattern of ${spec.phases.length}: ${names}`
    }
    case "Warmup": {
      const unit = spec.by === "step" ? "global step" : "epoch"
      const first =
        spec.n === 1 ? `the first ${unit} (${unit} 0)` : `the first ${spec.n} ${unit}s (0–${spec.n - 1})`
      if (spec.n === 0) return describe(spec.schedule)
      return `plain fine-tuning for ${first}, then, counting ${unit}s from ${spec.n} as 0: ${describe(spec.schedule)}`
    }
  }
}

const ordinal = (n: number): string => {
  const tens = n % 100
  const suffix = tens >= 11 && tens <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th")
  return `${n}${suffix}`
}

const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? "" : "s"}`

/** Parses lower-cased, trimmed text; a string result is the reason it is invalid. */
const parseText = (text: string): ScheduleSpec | string => {
  if (text === "") return "the spec is empty"
  if (text.split(/[:+]/, 1)[0]!.trim() === "warmup") return parseWarmup(text)
  const fields = text.split(":").map((f) => f.trim())
  const [keyword, ...args] = fields
  const given = `"${args.join(":")}"`
  switch (keyword) {
    case "cross": {
      if (args.length === 0) return { _tag: "Cross", firstPhase: "ft" }
      if (args.length > 1) return `cross takes at most one field (the first phase), got ${given}`
      const first = args[0]!
      return isPhase(first) ? { _tag: "Cross", firstPhase: first } : `unknown phase "${first}" in cross:PHASE`
    }
    case "always":
    case "never":
      return args.length === 0
        ? { _tag: "Always", phase: keyword === "always" ? "addrop" : "ft" }
        : `${keyword} takes no fields, got ${given}`
    case "every": {
      if (args.length < 1 || args.length > 2)
        return args.length === 0
          ? "every needs K (every:K or every:K:OFFSET)"
          : `every takes K or K:OFFSET, got ${given}`
      const k = parseCount("K", args[0]!, 1)
      if (typeof k === "string") return k
      const offset = args.length === 2 ? parseCount("OFFSET", args[1]!, 0) : 0
      if (typeof offset === "string") return offset
      return { _tag: "Every", k, offset }
    }
    case "steps": {
      if (args.length !== 2) return `steps takes FT:ADDROP, got ${args.length === 0 ? "nothing" : given}`
      const ft = parseCount("FT", args[0]!, 0)
      if (typeof ft === "string") return ft
      const addrop = parseCount("ADDROP", args[1]!, 0)
      if (typeof addrop === "string") return addrop
      if (ft + addrop === 0) return "steps needs FT + ADDROP ≥ 1, got steps:0:0"
      if (!Number.isSafeInteger(ft + addrop)) return "steps: FT + ADDROP is too large"
      return { _tag: "Steps", ft, addrop }
    }
    case "pattern": {
      if (args.length < 1 || args.length > 2) {
        return args.length === 0
          ? "pattern needs phases (pattern:PHASE,PHASE,… or pattern:step:PHASE,…)"
          : `pattern takes PHASE,PHASE,… or UNIT:PHASE,PHASE,…, got ${given}`
      }
      const by = args.length === 2 ? parseUnit(args[0]!) : "epoch"
      if (by !== "epoch" && by !== "step") return by
      const list = args[args.length - 1]!
      if (list === "") return "pattern needs at least one phase"
      const phases: Array<Phase> = []
      for (const [i, raw] of list.split(",").entries()) {
        const phase = raw.trim()
        if (!isPhase(phase))
          return `unknown phase "${phase}" at position ${i + 1} of the pattern (expected ft or addrop)`
        phases.push(phase)
      }
      return { _tag: "Pattern", phases, by }
    }
    default:
      return `unknown schedule "${keyword}"`
  }
}

const parseWarmup = (text: string): ScheduleSpec | string => {
  const plus = text.indexOf("+")
  if (plus < 0) return `warmup needs "+SPEC" after the count, e.g. warmup:1+cross`
  const head = text
    .slice(0, plus)
    .split(":")
    .map((f) => f.trim())
  const rest = text.slice(plus + 1).trim()
  const args = head.slice(1)
  if (args.length < 1 || args.length > 2)
    return `warmup takes N or UNIT:N before "+", got "${args.join(":")}"`
  const by = args.length === 2 ? parseUnit(args[0]!) : "epoch"
  if (by !== "epoch" && by !== "step") return by
  const n = parseCount("N", args[args.length - 1]!, 0)
  if (typeof n === "string") return `warmup ${n}`
  if (rest === "") return `warmup needs a schedule after "+", e.g. warmup:${n}+cross`
  const inner = parseText(rest)
  return typeof inner === "string" ? `after warmup:…+: ${inner}` : { _tag: "Warmup", n, by, schedule: inner }
}

const parseUnit = (raw: string): Unit | string =>
  raw === "epoch" || raw === "step" ? raw : `unknown unit "${raw}" (expected epoch or step)`

const parseCount = (name: string, raw: string, minimum: 0 | 1): number | string => {
  const expected = minimum === 1 ? "a positive integer" : "a non-negative integer"
  if (raw === "") return `${name} is missing (expected ${expected})`
  if (!/^\d+$/.test(raw)) return `${name} must be ${expected}, got "${raw}"`
  const n = Number(raw)
  if (!Number.isSafeInteger(n)) return `${name} is too large, got "${raw}"`
  if (n < minimum) return `${name} must be ${expected}, got "${raw}"`
  return n
}
