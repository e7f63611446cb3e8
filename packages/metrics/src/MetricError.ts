/**
 * Errors of the metric functions: inputs that cannot be scored.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/**
 * The two inputs of a metric have different lengths.
 *
 * @since 0.1.0
 * @category errors
 */
export class LengthMismatch extends Data.TaggedError("LengthMismatch")<{
  /** The metric (or GLUE task) being computed. */
  readonly metric: string
  /** The names of the two inputs, e.g. `["predictions", "gold"]`. */
  readonly names: readonly [string, string]
  /** Their lengths. */
  readonly lengths: readonly [number, number]
}> {
  override get message(): string {
    const [a, b] = this.names
    const [m, n] = this.lengths
    return `${this.metric}: ${a} has ${m} value${m === 1 ? "" : "s"} but ${b} has ${n}; they must have the same length`
  }
}

/**
 * A metric was asked to score no values at all.
 *
 * @since 0.1.0
 * @category errors
 */
export class EmptyInput extends Data.TaggedError("EmptyInput")<{
  readonly metric: string
}> {
  override get message(): string {
    return `${this.metric}: nothing to score (the inputs are empty)`
  }
}

/**
 * An input value the metric cannot use: `NaN` or ±∞ anywhere, a fractional class label (usually
 * probabilities or logits passed where argmax labels were meant), or a label outside a GLUE task's classes.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidValue extends Data.TaggedError("InvalidValue")<{
  /** The metric (or GLUE task) being computed. */
  readonly metric: string
  /** Which input, e.g. `"predictions"`. */
  readonly argument: string
  /** The index of the first bad value in that input. */
  readonly index: number
  readonly value: number
  /** What was expected instead, e.g. `"an integer class label"`. */
  readonly expected: string
}> {
  override get message(): string {
    return `${this.metric}: ${this.argument}[${this.index}] is ${String(this.value)}, expected ${this.expected}`
  }
}

/**
 * A GLUE task name that is not one of the nine tasks.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownTask extends Data.TaggedError("UnknownTask")<{
  readonly task: string
  readonly known: ReadonlyArray<string>
}> {
  override get message(): string {
    return `Unknown GLUE task ${JSON.stringify(this.task)}; expected one of: ${this.known.join(", ")}`
  }
}

/**
 * Any error a metric function can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type MetricError = LengthMismatch | EmptyInput | InvalidValue
