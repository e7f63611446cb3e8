/**
 * Typed failures of reading, writing and matching checkpoints. Each carries what a user needs to act: the
 * file, the tensor, the offending value, and for unsafe formats the command that converts them.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/**
 * Why a safetensors file was rejected. The checks follow the format's reference implementation: a bounded
 * header, known dtypes, shapes of safe non-negative integers, and data ranges that tile the data section
 * exactly (no overlap, no hole, nothing after the last tensor).
 *
 * @since 0.1.0
 * @category models
 */
export type SafetensorsErrorReason =
  | "Truncated"
  | "HeaderTooLarge"
  | "HeaderBeyondFile"
  | "InvalidUtf8"
  | "InvalidHeaderStart"
  | "InvalidJson"
  | "DuplicateName"
  | "InvalidMetadata"
  | "InvalidEntry"
  | "UnknownDtype"
  | "UnsupportedDtype"
  | "InvalidShape"
  | "ShapeOverflow"
  | "InvalidOffsets"
  | "OffsetsOutOfRange"
  | "SizeMismatch"
  | "OverlappingOffsets"
  | "DataGap"
  | "TrailingData"
  | "BigEndianPlatform"

/**
 * A safetensors file is malformed, truncated or hostile. Raised before any allocation larger than the
 * header itself. `file` is set when the bytes came from a file; `tensor` names the entry at fault.
 *
 * @since 0.1.0
 * @category errors
 */
export class SafetensorsError extends Data.TaggedError("SafetensorsError")<{
  readonly reason: SafetensorsErrorReason
  readonly detail: string
  readonly tensor?: string | undefined
  readonly file?: string | undefined
}> {
  override get message(): string {
    const where = this.file === undefined ? "" : ` ${this.file}`
    return `Invalid safetensors file${where} (${this.reason}): ${this.detail}`
  }
}

/**
 * A tensor handed to `Safetensors.serialize` or a conversion is inconsistent: unknown dtype, bad shape,
 * data of the wrong kind or length, or a value that does not fit the target type.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidTensorInput extends Data.TaggedError("InvalidTensorInput")<{
  readonly tensor?: string | undefined
  readonly detail: string
}> {
  override get message(): string {
    const name = this.tensor === undefined ? "" : ` "${this.tensor}"`
    return `Invalid tensor${name}: ${this.detail}`
  }
}

/**
 * A file-system operation failed (missing folder, permissions, disk full…). `cause` is the platform error.
 *
 * @since 0.1.0
 * @category errors
 */
export class CheckpointIoError extends Data.TaggedError("CheckpointIoError")<{
  readonly path: string
  readonly operation: "list" | "read" | "write" | "rename" | "remove" | "makeDirectory"
  readonly cause: unknown
}> {
  override get message(): string {
    const detail =
      this.cause instanceof Error ? this.cause.message : this.cause === undefined ? "" : String(this.cause)
    return `Could not ${this.operation === "makeDirectory" ? "create directory" : this.operation} ${this.path}${detail === "" ? "" : `: ${detail}`}`
  }
}

/**
 * `config.json` is missing, is not JSON (`location` gives the line and column when the runtime reports
 * them), is not an object, or lacks a string `model_type`. (Not `line`/`column` fields: JavaScriptCore
 * sets those on every Error to the throwing source line.)
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidModelConfig extends Data.TaggedError("InvalidModelConfig")<{
  readonly path: string
  readonly detail: string
  readonly location?: { readonly line: number; readonly column: number } | undefined
}> {
  override get message(): string {
    const at = this.location === undefined ? "" : `:${this.location.line}:${this.location.column}`
    return `Invalid model config ${this.path}${at}: ${this.detail}`
  }
}

/**
 * The folder only holds pickle checkpoints (`pytorch_model.bin`, `*.bin`, `*.pt`, `*.pth`, `*.ckpt`).
 * Unpickling can run arbitrary code, so they are never loaded; the message says how to convert them.
 *
 * @since 0.1.0
 * @category errors
 */
export class PickleCheckpointOnly extends Data.TaggedError("PickleCheckpointOnly")<{
  readonly dir: string
  readonly files: ReadonlyArray<string>
}> {
  override get message(): string {
    const file = this.files[0] ?? "pytorch_model.bin"
    return (
      `${this.dir} has only pickle checkpoints (${this.files.join(", ")}), which are not loaded because ` +
      "unpickling can run arbitrary code. Convert them to safetensors once, in Python, in that folder:\n" +
      `  python -c "import torch; from safetensors.torch import save_file; ` +
      `sd = torch.load('${file}', map_location='cpu', weights_only=True); ` +
      `save_file({k: v.contiguous().clone() for k, v in sd.items()}, 'model.safetensors', metadata={'format': 'pt'})"\n` +
      "or, with transformers (use the AutoModelFor… class of the checkpoint so its heads are kept):\n" +
      `  python -c "from transformers import AutoModel; ` +
      `AutoModel.from_pretrained('.').save_pretrained('.', safe_serialization=True)"`
    )
  }
}

/**
 * The folder has no weights this package can read (`model.safetensors` or `model.safetensors.index.json`).
 * `files` lists what the folder does hold.
 *
 * @since 0.1.0
 * @category errors
 */
export class WeightsNotFound extends Data.TaggedError("WeightsNotFound")<{
  readonly dir: string
  readonly files: ReadonlyArray<string>
}> {
  override get message(): string {
    const listing = this.files.length === 0 ? "it is empty" : `it holds ${this.files.slice(0, 20).join(", ")}`
    return `No model.safetensors or model.safetensors.index.json in ${this.dir}: ${listing}`
  }
}

/**
 * `model.safetensors.index.json` is malformed or disagrees with its shards: a shard it names is missing or
 * escapes the folder, a tensor it maps is not in its shard, or a tensor is in two shards.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidShardIndex extends Data.TaggedError("InvalidShardIndex")<{
  readonly path: string
  readonly detail: string
  readonly tensor?: string | undefined
  readonly shard?: string | undefined
}> {
  override get message(): string {
    return `Invalid shard index ${this.path}: ${this.detail}`
  }
}

/**
 * A parameter whose shape differs between the model and the checkpoint.
 *
 * @since 0.1.0
 * @category models
 */
export interface ShapeMismatch {
  readonly name: string
  readonly expected: ReadonlyArray<number>
  readonly actual: ReadonlyArray<number>
}

const listNames = (names: ReadonlyArray<string>, limit = 10): string =>
  names.length <= limit
    ? names.join(", ")
    : `${names.slice(0, limit).join(", ")}, … and ${names.length - limit} more`

const shapeText = (shape: ReadonlyArray<number>): string => `[${shape.join(",")}]`

/**
 * The checkpoint does not fit the model: parameters the model needs are absent (`missing`) or have another
 * shape (`mismatched`), or the model's parameter list names a parameter twice (`duplicates`). `unexpected`
 * (checkpoint tensors the model does not use) is informational. The message lists at most ten names per kind.
 *
 * @since 0.1.0
 * @category errors
 */
export class CheckpointMismatch extends Data.TaggedError("CheckpointMismatch")<{
  readonly missing: ReadonlyArray<string>
  readonly mismatched: ReadonlyArray<ShapeMismatch>
  readonly unexpected: ReadonlyArray<string>
  readonly duplicates: ReadonlyArray<string>
}> {
  override get message(): string {
    const parts: Array<string> = []
    if (this.missing.length > 0) {
      parts.push(`${this.missing.length} missing (${listNames(this.missing)})`)
    }
    if (this.mismatched.length > 0) {
      const items = this.mismatched.map(
        (m) => `${m.name}: model ${shapeText(m.expected)}, checkpoint ${shapeText(m.actual)}`
      )
      parts.push(`${this.mismatched.length} with another shape (${listNames(items)})`)
    }
    if (this.duplicates.length > 0) {
      parts.push(
        `${this.duplicates.length} named twice in the model's parameter list (${listNames(this.duplicates)})`
      )
    }
    const extra =
      this.unexpected.length === 0
        ? ""
        : `; ${this.unexpected.length} checkpoint tensors are unused (${listNames(this.unexpected)})`
    return `Checkpoint does not fit the model: ${parts.join("; ")}${extra}`
  }
}

/**
 * A file name given to `writeModelFolder` (`extraFiles`) or found in a shard index is not a plain file name
 * in the folder: it is empty, contains a path separator or `..`, starts with `.`, or is reserved for
 * the files the writer manages (`config.json`, `model.safetensors`, the shard index and shards).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidFileName extends Data.TaggedError("InvalidFileName")<{
  readonly name: string
  readonly detail: string
}> {
  override get message(): string {
    return `Invalid file name ${JSON.stringify(this.name)}: ${this.detail}`
  }
}
