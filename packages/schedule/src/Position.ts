/**
 * Where training is: the counters a schedule is a function of.
 *
 * @since 0.1.0
 */
import { requireCount } from "./internal/count.js"

/**
 * A point in training. Every counter is 0-based, so the AD-Drop paper's "epoch 1" is `epoch: 0` here.
 *
 * - `epoch`: the epoch index.
 * - `step`: the global optimisation step, counted from the start of training (it does not restart at
 *   each epoch).
 * - `stepInEpoch`: the step index inside the current epoch.
 *
 * @since 0.1.0
 * @category models
 */
export interface Position {
  readonly epoch: number
  readonly step: number
  readonly stepInEpoch: number
}

/**
 * The counter a schedule or combinator measures time in: epochs or global steps.
 *
 * @since 0.1.0
 * @category models
 */
export type Unit = "epoch" | "step"

/**
 * The position of step `stepInEpoch` of epoch `epoch` when every epoch has `stepsPerEpoch` steps; the
 * global step is `epoch · stepsPerEpoch + stepInEpoch`. Throws a `RangeError` for negative or fractional
 * counters, `stepsPerEpoch < 1`, or `stepInEpoch ≥ stepsPerEpoch`.
 *
 * @example
 * ```ts
 * import { positionAt } from "@addrop/schedule"
 * positionAt(2, 3, 100) // { epoch: 2, step: 203, stepInEpoch: 3 }
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const positionAt = (epoch: number, stepInEpoch: number, stepsPerEpoch: number): Position => {
  requireCount("epoch", epoch)
  requireCount("stepInEpoch", stepInEpoch)
  requireCount("stepsPerEpoch", stepsPerEpoch, 1)
  if (stepInEpoch >= stepsPerEpoch) {
    throw new RangeError(`stepInEpoch must be less than stepsPerEpoch (${stepsPerEpoch}), got ${stepInEpoch}`)
  }
  return { epoch, step: epoch * stepsPerEpoch + stepInEpoch, stepInEpoch }
}

/**
 * Checks that every counter of a position is a non-negative safe integer and returns it; throws a
 * `RangeError` naming the bad counter otherwise. Every schedule built by this package calls it, so a
 * programming error (a negative or fractional step, `NaN`, a missing field) fails loudly.
 *
 * @since 0.1.0
 * @category validation
 */
export const validatePosition = (position: Position): Position => {
  if (typeof position !== "object" || position === null) {
    throw new RangeError(
      `schedule position must be an object { epoch, step, stepInEpoch }, got ${String(position)}`
    )
  }
  requireCount("position.epoch", position.epoch)
  requireCount("position.step", position.step)
  requireCount("position.stepInEpoch", position.stepInEpoch)
  return position
}

/**
 * The counter of a position that `unit` names.
 *
 * @since 0.1.0
 * @category getters
 */
export const counter = (position: Position, unit: Unit): number =>
  unit === "epoch" ? position.epoch : position.step

/**
 * The position with the counter that `unit` names moved back by `by` (which must not exceed it); the other
 * counters are passed through unchanged.
 *
 * @since 0.1.0
 * @category combinators
 */
export const shift = (position: Position, unit: Unit, by: number): Position =>
  unit === "epoch" ? { ...position, epoch: position.epoch - by } : { ...position, step: position.step - by }
