/**
 * Typed failures of mask configuration.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/**
 * A mask option outside its domain (p and q must be finite numbers in [0, 1]).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidMaskOption extends Data.TaggedError("InvalidMaskOption")<{
  readonly option: "p" | "q" | "strategy"
  readonly value: unknown
  readonly reason: string
}> {
  override get message(): string {
    return `Invalid AD-Drop ${this.option} = ${String(this.value)}: ${this.reason}`
  }
}

/**
 * A layer index that the model does not have.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidLayer extends Data.TaggedError("InvalidLayer")<{
  readonly layer: number
  readonly numLayers: number
}> {
  override get message(): string {
    return `Layer ${this.layer} does not exist: the model has layers 0..${this.numLayers - 1}`
  }
}
