/**
 * Typed failures of a training run.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/**
 * The loss or the gradient norm became NaN or infinite. The step's update was not applied and the last
 * good checkpoint on disk is left intact.
 *
 * @since 0.1.0
 * @category errors
 */
export class NonFiniteLoss extends Data.TaggedError("NonFiniteLoss")<{
  readonly step: number
  readonly epoch: number
  readonly loss: number
  readonly gradNorm: number
}> {
  override get message(): string {
    return `Training diverged at step ${this.step + 1} (epoch ${this.epoch + 1}): loss ${this.loss}, gradient norm ${this.gradNorm}. The update was not applied; the last checkpoint is intact. Try a lower learning rate.`
  }
}

/**
 * A run cannot be resumed from the given output folder.
 *
 * @since 0.1.0
 * @category errors
 */
export class ResumeFailed extends Data.TaggedError("ResumeFailed")<{
  readonly dir: string
  readonly reason: string
}> {
  override get message(): string {
    return `Cannot resume from ${this.dir}: ${this.reason}`
  }
}

/**
 * Bad trainer settings (epochs, batch counts, learning rate…).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidTrainerConfig extends Data.TaggedError("InvalidTrainerConfig")<{
  readonly field: string
  readonly value: unknown
  readonly reason: string
}> {
  override get message(): string {
    return `Invalid ${this.field} = ${JSON.stringify(this.value)}: ${this.reason}`
  }
}
