/**
 * The error of the schedule spec parser.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/**
 * A schedule spec (the text given to `parse`, e.g. on a command line) that is not valid: unknown
 * keyword, wrong number of fields, or a number out of range. `spec` is the whole text as given and
 * `reason` says what is wrong with it.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidSchedule extends Data.TaggedError("InvalidSchedule")<{
  readonly spec: string
  readonly reason: string
}> {
  override get message(): string {
    return `Invalid schedule ${JSON.stringify(this.spec)}: ${this.reason}. Expected one of: ${grammar}`
  }
}

/**
 * The spec grammar, as shown in error messages and CLI help.
 *
 * @since 0.1.0
 * @category constants
 */
export const grammar =
  "cross, cross:addrop, always, never, every:K, every:K:OFFSET, steps:FT:ADDROP, " +
  "pattern:PHASE,PHASE,… (PHASE = ft|addrop), pattern:step:PHASE,…, warmup:N+SPEC, warmup:step:N+SPEC"
