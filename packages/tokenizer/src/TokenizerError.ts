/**
 * Typed failures of tokenizer loading and encoding.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/**
 * A tokenizer file (or the folder that should hold one) does not exist or cannot be read.
 *
 * @since 0.1.0
 * @category errors
 */
export class TokenizerFileNotFound extends Data.TaggedError("TokenizerFileNotFound")<{
  readonly path: string
  readonly reason: string
}> {
  override get message(): string {
    return `Tokenizer file not found: ${this.path} (${this.reason})`
  }
}

/**
 * A tokenizer file exists but its content is unusable: invalid JSON, a missing or ill-typed field, an empty
 * or duplicated vocabulary entry. `line` is 1-based where the problem has one (vocab.txt).
 *
 * @since 0.1.0
 * @category errors
 */
export class TokenizerFileCorrupt extends Data.TaggedError("TokenizerFileCorrupt")<{
  readonly path: string
  readonly reason: string
  readonly line?: number | undefined
}> {
  override get message(): string {
    const where = this.line === undefined ? this.path : `${this.path}:${this.line}`
    return `Corrupt tokenizer file ${where}: ${this.reason}`
  }
}

/**
 * The tokenizer is not one this package encodes: its model is not WordPiece (BERT) or BPE (RoBERTa), it has
 * no post-processor that adds special tokens, or `config.json` names an unknown model type.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownModelType extends Data.TaggedError("UnknownModelType")<{
  readonly path: string
  readonly modelType: string
  readonly reason: string
}> {
  override get message(): string {
    return `Unsupported tokenizer in ${this.path}: model type "${this.modelType}" (${this.reason}); supported: BERT WordPiece, RoBERTa byte-level BPE`
  }
}

/**
 * A special token the encoder needs (`pad`, `cls`, `sep`, `unk` or `mask`) is not in the vocabulary.
 *
 * @since 0.1.0
 * @category errors
 */
export class MissingSpecialToken extends Data.TaggedError("MissingSpecialToken")<{
  readonly path: string
  readonly role: "pad" | "cls" | "sep" | "unk" | "mask"
  readonly token: string
}> {
  override get message(): string {
    return `Special token ${this.role} = "${this.token}" is not in the vocabulary of ${this.path}`
  }
}

/**
 * `maxLength` leaves no room for the special tokens the template adds (2 for a BERT single sequence, 3 for a
 * BERT pair, 4 for a RoBERTa pair).
 *
 * @since 0.1.0
 * @category errors
 */
export class MaxLengthTooSmall extends Data.TaggedError("MaxLengthTooSmall")<{
  readonly maxLength: number
  readonly specialTokens: number
  readonly pair: boolean
}> {
  override get message(): string {
    return `maxLength ${this.maxLength} is smaller than the ${this.specialTokens} special tokens of a ${this.pair ? "pair" : "single"} encoding`
  }
}

/**
 * Arguments an encoder cannot use: a non-integer `maxLength`, pairs whose count differs from the texts,
 * fixed-length padding without a `maxLength`.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidEncodeInput extends Data.TaggedError("InvalidEncodeInput")<{
  readonly reason: string
}> {
  override get message(): string {
    return `Invalid encode input: ${this.reason}`
  }
}

/**
 * Any failure of loading a tokenizer.
 *
 * @since 0.1.0
 * @category errors
 */
export type TokenizerLoadError =
  | TokenizerFileNotFound
  | TokenizerFileCorrupt
  | UnknownModelType
  | MissingSpecialToken

/**
 * Any failure of encoding (thrown by the synchronous encode methods).
 *
 * @since 0.1.0
 * @category errors
 */
export type EncodeError = MaxLengthTooSmall | InvalidEncodeInput
