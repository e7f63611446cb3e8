/**
 * Cross-tuning schedules: pure functions from a training {@link Position} to the {@link Phase} that runs
 * there, built from small constructors and combinators in the style of optax schedules
 * (`schedule(count) => value`, `join_schedules`).
 *
 * @since 0.1.0
 */
import { requireCount } from "./internal/count.js"
import { isPhase, opposite, type Phase } from "./Phase.js"
import { counter, type Position, shift, type Unit, validatePosition } from "./Position.js"

/**
 * Which phase runs at a position. Schedules are pure: the same position always gives the same phase, so
 * a schedule can be evaluated ahead of time (see `phasesFor`) or step by step inside a training loop.
 * Every schedule of this package throws a `RangeError` for an invalid position (negative or fractional
 * counters).
 *
 * @since 0.1.0
 * @category models
 */
export type Schedule = (position: Position) => Phase

/**
 * Options of the schedules and combinators that can count in epochs or in global steps.
 *
 * @since 0.1.0
 * @category models
 */
export interface ByOptions {
  /** The counter to use; defaults to `"epoch"`. */
  readonly by?: Unit | undefined
}

/**
 * A schedule from any function of the position. The position is validated before `f` sees it and `f`'s
 * answer is checked to be a {@link Phase} (a `RangeError` otherwise).
 *
 * @example
 * ```ts
 * import { fromFunction } from "@addrop/schedule"
 * // AD-Drop only in the second half of each 1000-step epoch
 * const lateHalf = fromFunction(({ stepInEpoch }) => (stepInEpoch >= 500 ? "addrop" : "ft"))
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const fromFunction = (f: (position: Position) => Phase): Schedule => {
  if (typeof f !== "function") throw new TypeError(`fromFunction expects a function, got ${String(f)}`)
  return (position) => {
    const phase = f(validatePosition(position))
    if (!isPhase(phase)) {
      throw new RangeError(`schedule function returned ${JSON.stringify(phase)}; expected "ft" or "addrop"`)
    }
    return phase
  }
}

/**
 * The same phase everywhere. `always("addrop")` is AD-Drop on every epoch (the paper's "without
 * cross-tuning" ablation); `always("ft")` is plain fine-tuning (the baseline).
 *
 * @example
 * ```ts
 * import { always } from "@addrop/schedule"
 * const baseline = always("ft")
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const always = (phase: Phase): Schedule => {
  requirePhase("always", phase)
  return (position) => {
    validatePosition(position)
    return phase
  }
}

/**
 * A repeating pattern of phases: `phases[count mod phases.length]`, where `count` is the epoch (the
 * default) or the global step.
 *
 * @example
 * ```ts
 * import { pattern } from "@addrop/schedule"
 * // FT, AD-Drop, AD-Drop, FT, AD-Drop, AD-Drop, … by epoch
 * const s = pattern(["ft", "addrop", "addrop"])
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const pattern = (phases: ReadonlyArray<Phase>, options: ByOptions = {}): Schedule => {
  if (!Array.isArray(phases) || phases.length === 0) {
    throw new RangeError("pattern needs at least one phase")
  }
  for (const [i, phase] of phases.entries()) requirePhase(`pattern[${i}]`, phase)
  const by = requireUnit(options.by)
  const copy = [...phases]
  return (position) => copy[counter(validatePosition(position), by) % copy.length]!
}

/**
 * AD-Drop's cross-tuning: alternate plain fine-tuning and AD-Drop epoch by epoch. With the default
 * `firstPhase: "ft"` this is the paper's schedule — its epoch 1 (epoch 0 here) fine-tunes, its epoch 2
 * (epoch 1 here) uses AD-Drop, and so on.
 *
 * @example
 * ```ts
 * import { crossTuning } from "@addrop/schedule"
 * const s = crossTuning()
 * s({ epoch: 0, step: 0, stepInEpoch: 0 }) // "ft"
 * s({ epoch: 1, step: 120, stepInEpoch: 0 }) // "addrop"
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const crossTuning = (options: { readonly firstPhase?: Phase | undefined } = {}): Schedule => {
  const first = options.firstPhase ?? "ft"
  requirePhase("crossTuning firstPhase", first)
  return pattern([first, opposite(first)], { by: "epoch" })
}

/**
 * AD-Drop on the epochs where `(epoch − offset) mod k = 0` (epochs `offset`, `offset + k`, …), plain
 * fine-tuning on the others; epochs before `offset` fine-tune. `k` must be a positive integer and `offset`
 * (default 0) a non-negative integer. `everyKthEpoch(2, { offset: 1 })` is {@link crossTuning}.
 *
 * @example
 * ```ts
 * import { everyKthEpoch } from "@addrop/schedule"
 * // AD-Drop on epochs 1, 4, 7, …
 * const s = everyKthEpoch(3, { offset: 1 })
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const everyKthEpoch = (
  k: number,
  options: { readonly offset?: number | undefined } = {}
): Schedule => {
  requireCount("everyKthEpoch k", k, 1)
  const offset = options.offset ?? 0
  requireCount("everyKthEpoch offset", offset)
  return (position) => {
    const { epoch } = validatePosition(position)
    return epoch >= offset && (epoch - offset) % k === 0 ? "addrop" : "ft"
  }
}

/**
 * Step-level alternation: `ft` plain fine-tuning steps, then `addrop` AD-Drop steps, repeating over the
 * global step counter (so the cycle runs on across epoch boundaries). Both counts are non-negative integers,
 * not both zero.
 *
 * @example
 * ```ts
 * import { alternateSteps } from "@addrop/schedule"
 * // steps 0–2 FT, step 3 AD-Drop, steps 4–6 FT, …
 * const s = alternateSteps({ ft: 3, addrop: 1 })
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const alternateSteps = (counts: { readonly ft: number; readonly addrop: number }): Schedule => {
  requireCount("alternateSteps ft", counts.ft)
  requireCount("alternateSteps addrop", counts.addrop)
  const period = counts.ft + counts.addrop
  if (period === 0) throw new RangeError("alternateSteps needs ft + addrop ≥ 1, got 0 and 0")
  return (position) => (validatePosition(position).step % period < counts.ft ? "ft" : "addrop")
}

/**
 * The opposite phase of `schedule` everywhere: AD-Drop where it fine-tunes and vice versa.
 * `invert(invert(s))` agrees with `s` at every position.
 *
 * @since 0.1.0
 * @category combinators
 */
export const invert = (schedule: Schedule): Schedule => {
  requireSchedule("invert", schedule)
  return (position) => opposite(schedule(position))
}

/**
 * `whenTrue` where `predicate` holds, `whenFalse` elsewhere.
 *
 * @example
 * ```ts
 * import { always, crossTuning, when } from "@addrop/schedule"
 * // cross-tuning, but never AD-Drop in the first 50 steps of an epoch
 * const s = when(({ stepInEpoch }) => stepInEpoch < 50, always("ft"), crossTuning())
 * ```
 * @since 0.1.0
 * @category combinators
 */
export const when = (
  predicate: (position: Position) => boolean,
  whenTrue: Schedule,
  whenFalse: Schedule
): Schedule => {
  if (typeof predicate !== "function") throw new TypeError("when expects a predicate function")
  requireSchedule("when (whenTrue)", whenTrue)
  requireSchedule("when (whenFalse)", whenFalse)
  return (position) => (predicate(validatePosition(position)) ? whenTrue(position) : whenFalse(position))
}

/**
 * Runs `schedules[0]` until the first boundary, then `schedules[1]` until the second, and so on, like
 * optax's `join_schedules`. At and after boundary `b`, the next schedule sees the position with its `by`
 * counter moved back by `b`, so it starts from 0 (a joined `crossTuning()` starts with fine-tuning).
 *
 * Only the counter named by `by` (default `"epoch"`) is shifted; the others pass through unchanged, since a
 * position does not say how many steps the earlier epochs had. So a step-based schedule joined by epoch
 * keeps counting global steps, and an epoch-based schedule joined by step keeps counting epochs.
 *
 * `boundaries` must hold `schedules.length − 1` strictly increasing non-negative integers.
 *
 * @example
 * ```ts
 * import { always, crossTuning, join } from "@addrop/schedule"
 * // AD-Drop-free for 2 epochs, then cross-tuning (FT, AD-Drop, FT, … from epoch 2)
 * const s = join([always("ft"), crossTuning()], [2], { by: "epoch" })
 * ```
 * @since 0.1.0
 * @category combinators
 */
export const join = (
  schedules: ReadonlyArray<Schedule>,
  boundaries: ReadonlyArray<number>,
  options: ByOptions = {}
): Schedule => {
  if (!Array.isArray(schedules) || schedules.length === 0)
    throw new RangeError("join needs at least one schedule")
  for (const [i, s] of schedules.entries()) requireSchedule(`join schedules[${i}]`, s)
  if (!Array.isArray(boundaries) || boundaries.length !== schedules.length - 1) {
    throw new RangeError(
      `join needs schedules.length − 1 = ${schedules.length - 1} boundaries, got ${Array.isArray(boundaries) ? boundaries.length : String(boundaries)}`
    )
  }
  boundaries.forEach((b, i) => {
    requireCount(`join boundaries[${i}]`, b)
    if (i > 0 && b <= boundaries[i - 1]!) {
      throw new RangeError(`join boundaries must be strictly increasing, got ${boundaries.join(", ")}`)
    }
  })
  const by = requireUnit(options.by)
  const ss = [...schedules]
  const bs = [...boundaries]
  return (position) => {
    const count = counter(validatePosition(position), by)
    let i = 0
    while (i < bs.length && count >= bs[i]!) i++
    return i === 0 ? ss[0]!(position) : ss[i]!(shift(position, by, bs[i - 1]!))
  }
}

/**
 * Plain fine-tuning for the first `n` epochs (or global steps, with `by: "step"`), then `schedule`
 * started from 0: `join([always("ft"), schedule], [n], { by })`. `warmup(0, s)` agrees with `s`.
 *
 * @example
 * ```ts
 * import { crossTuning, warmup } from "@addrop/schedule"
 * // epoch 0: FT (warm-up); then cross-tuning restarted at epoch 1: FT, AD-Drop, FT, …
 * const s = warmup(1, crossTuning())
 * ```
 * @since 0.1.0
 * @category combinators
 */
export const warmup = (n: number, schedule: Schedule, options: ByOptions = {}): Schedule => {
  requireCount("warmup n", n)
  return join([always("ft"), schedule], [n], options)
}

const requirePhase = (name: string, phase: unknown): void => {
  if (!isPhase(phase)) throw new RangeError(`${name} must be "ft" or "addrop", got ${JSON.stringify(phase)}`)
}

const requireUnit = (unit: unknown): Unit => {
  if (unit === undefined) return "epoch"
  if (unit === "epoch" || unit === "step") return unit
  throw new RangeError(`by must be "epoch" or "step", got ${JSON.stringify(unit)}`)
}

const requireSchedule = (name: string, schedule: unknown): void => {
  if (typeof schedule !== "function") throw new TypeError(`${name} expects a schedule function`)
}
