/**
 * Learning-rate schedules as pure functions of the optimizer step.
 *
 * @since 0.1.0
 */

/**
 * A learning rate per 0-based optimizer step.
 *
 * @since 0.1.0
 * @category models
 */
export type LearningRate = (step: number) => number

/**
 * Linear warmup from 0 to `peak` over `warmupSteps`, then linear decay to 0 at `totalSteps` — Hugging Face's
 * `get_linear_schedule_with_warmup` (the rate used at step s is the schedule's value at s).
 *
 * @example
 * ```ts
 * import { LearningRate } from "@addrop/trainer"
 * const lr = LearningRate.linearWarmupDecay({ peak: 2e-5, warmupSteps: 100, totalSteps: 1000 })
 * lr(50) // 1e-5
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const linearWarmupDecay =
  (options: {
    readonly peak: number
    readonly warmupSteps: number
    readonly totalSteps: number
  }): LearningRate =>
  (step) => {
    if (step < options.warmupSteps) return (options.peak * step) / Math.max(1, options.warmupSteps)
    return (
      options.peak *
      Math.max(0, (options.totalSteps - step) / Math.max(1, options.totalSteps - options.warmupSteps))
    )
  }

/**
 * A constant rate.
 *
 * @since 0.1.0
 * @category constructors
 */
export const constant =
  (rate: number): LearningRate =>
  () =>
    rate
