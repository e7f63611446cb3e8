/**
 * Typed failures of model inputs.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/**
 * A batch, label tensor or forward option that the model cannot use: wrong rank, dtype or shape, a token
 * id outside the vocabulary, a sequence longer than the position table, a missing dropout key. `input`
 * names the offending argument (`inputIds`, `attentionMask`, `tokenTypeIds`, `labels`, `logits`,
 * `interventions`, `dropoutKey`).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidInput extends Data.TaggedError("InvalidInput")<{
  readonly input: string
  readonly reason: string
}> {
  override get message(): string {
    return `Invalid model input "${this.input}": ${this.reason}`
  }
}
