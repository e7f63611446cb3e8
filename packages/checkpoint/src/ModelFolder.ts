/**
 * Hugging Face model folders: `config.json`, weights in `model.safetensors` or sharded behind
 * `model.safetensors.index.json`, and tokenizer files. Reading goes through a {@link FolderSource}, so the
 * same code serves a directory (Effect's `FileSystem` service, e.g. `NodeFileSystem.layer` from
 * `@effect/platform-node-shared`) and bytes a browser already holds ({@link readModelFiles}). Writing is atomic
 * per file: everything goes to temporary files in the target folder first, then is renamed into place.
 *
 * @since 0.1.0
 */
import { Effect, FileSystem } from "effect"
import {
  CheckpointIoError,
  InvalidFileName,
  InvalidModelConfig,
  InvalidShardIndex,
  InvalidTensorInput,
  PickleCheckpointOnly,
  SafetensorsError,
  WeightsNotFound
} from "./CheckpointError.js"
import { temporaryPath } from "./AtomicFile.js"
import { isObject, parseJson } from "./internal/json.js"
import * as Safetensors from "./Safetensors.js"

/**
 * The parsed `config.json`: any JSON object with a string `model_type` (`"bert"`, `"roberta"`, …).
 *
 * @since 0.1.0
 * @category models
 */
export interface ModelConfig {
  readonly model_type: string
  readonly [key: string]: unknown
}

/**
 * Tokenizer files a model folder may hold (WordPiece for BERT, byte-level BPE for RoBERTa, SentencePiece).
 *
 * @since 0.1.0
 * @category constants
 */
export const tokenizerFileNames = [
  "tokenizer.json",
  "tokenizer_config.json",
  "vocab.txt",
  "vocab.json",
  "merges.txt",
  "special_tokens_map.json",
  "added_tokens.json",
  "sentencepiece.bpe.model",
  "spiece.model"
] as const

/**
 * One of {@link tokenizerFileNames}.
 *
 * @since 0.1.0
 * @category models
 */
export type TokenizerFileName = (typeof tokenizerFileNames)[number]

/**
 * A model folder, read: its config, every tensor of its weights (in file order, shard after shard), the
 * weights files' merged `__metadata__`, which weights files were read, and the paths of its tokenizer files.
 *
 * @since 0.1.0
 * @category models
 */
export interface ModelFolder {
  readonly dir: string
  readonly config: ModelConfig
  readonly tensors: ReadonlyMap<string, Safetensors.SafeTensor>
  readonly metadata: Readonly<Record<string, string>>
  readonly weights: {
    readonly sharded: boolean
    /** Paths of the safetensors files read; for a sharded folder, the index comes first. */
    readonly files: ReadonlyArray<string>
  }
  readonly tokenizer: Readonly<Partial<Record<TokenizerFileName, string>>>
}

/**
 * Where a model folder's files come from: a listing of plain file names and a reader. `path` turns a name
 * into what errors and results report.
 *
 * @since 0.1.0
 * @category models
 */
export interface FolderSource {
  readonly dir: string
  readonly list: Effect.Effect<ReadonlyArray<string>, CheckpointIoError>
  readonly read: (name: string) => Effect.Effect<Uint8Array, CheckpointIoError>
  readonly path: (name: string) => string
}

/**
 * Options of reading: forwarded to {@link Safetensors.parse}.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReadModelOptions {
  readonly maxHeaderBytes?: number | undefined
  readonly copy?: boolean | undefined
}

/**
 * Every way reading a model folder can fail.
 *
 * @since 0.1.0
 * @category errors
 */
export type ReadModelError =
  | CheckpointIoError
  | InvalidModelConfig
  | PickleCheckpointOnly
  | WeightsNotFound
  | InvalidShardIndex
  | SafetensorsError

/**
 * Every way writing a model folder can fail.
 *
 * @since 0.1.0
 * @category errors
 */
export type WriteModelError = CheckpointIoError | InvalidModelConfig | InvalidTensorInput | InvalidFileName

const CONFIG = "config.json"
const WEIGHTS = "model.safetensors"
const INDEX = "model.safetensors.index.json"
const SHARD = /^model-\d{5}-of-\d{5}\.safetensors$/
const PICKLE = /\.(bin|pt|pth|ckpt|pkl|pickle)$/
const TRAINER_STATE = /^(training_args\.bin|optimizer\.pt|scheduler\.pt|scaler\.pt|rng_state.*\.pth)$/

const join = (dir: string, name: string): string =>
  dir === "" ? name : dir.endsWith("/") || dir.endsWith("\\") ? `${dir}${name}` : `${dir}/${name}`

const utf8 = (bytes: Uint8Array): string | undefined => {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes)
  } catch {
    return undefined
  }
}

const plainNameProblem = (name: string): string | undefined => {
  if (name === "") return "it is empty"
  if (name.includes("/") || name.includes("\\")) return "it contains a path separator"
  if (name === "." || name === ".." || name.startsWith(".")) return "it starts with '.'"
  return undefined
}

/**
 * A {@link FolderSource} over a directory, through Effect's `FileSystem` service.
 *
 * @since 0.1.0
 * @category constructors
 */
export const folderFromFileSystem = (
  dir: string
): Effect.Effect<FolderSource, never, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    return {
      dir,
      list: fs
        .readDirectory(dir)
        .pipe(Effect.mapError((cause) => new CheckpointIoError({ path: dir, operation: "list", cause }))),
      read: (name: string) =>
        fs
          .readFile(join(dir, name))
          .pipe(
            Effect.mapError(
              (cause) => new CheckpointIoError({ path: join(dir, name), operation: "read", cause })
            )
          ),
      path: (name: string) => join(dir, name)
    }
  })

/**
 * A {@link FolderSource} over files already in memory, keyed by file name (for browsers: files from a
 * directory picker or `fetch`). Paths are reported as `dir/name`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const folderFromFiles = (
  files: ReadonlyMap<string, Uint8Array> | Readonly<Record<string, Uint8Array>>,
  dir = ""
): FolderSource => {
  const map: ReadonlyMap<string, Uint8Array> =
    files instanceof Map ? files : new Map(Object.entries(files as Readonly<Record<string, Uint8Array>>))
  return {
    dir,
    list: Effect.succeed([...map.keys()]),
    read: (name: string) => {
      const bytes = map.get(name)
      return bytes === undefined
        ? Effect.fail(
            new CheckpointIoError({ path: join(dir, name), operation: "read", cause: "no such file" })
          )
        : Effect.succeed(bytes)
    },
    path: (name: string) => join(dir, name)
  }
}

/**
 * Validates a parsed `config.json` value.
 *
 * @since 0.1.0
 * @category parsing
 */
export const validateModelConfig = (
  value: unknown,
  path: string
): Effect.Effect<ModelConfig, InvalidModelConfig> => {
  if (!isObject(value)) return Effect.fail(new InvalidModelConfig({ path, detail: "not a JSON object" }))
  if (typeof value.model_type !== "string" || value.model_type === "") {
    return Effect.fail(
      new InvalidModelConfig({
        path,
        detail: `model_type is ${JSON.stringify(value.model_type) ?? "missing"}; expected a string such as "bert" or "roberta"`
      })
    )
  }
  return Effect.succeed(value as ModelConfig)
}

const readJsonFile = <E>(
  source: FolderSource,
  name: string,
  onError: (detail: string, line?: number, column?: number) => E
): Effect.Effect<unknown, E | CheckpointIoError> =>
  Effect.flatMap(source.read(name), (bytes) => {
    const text = utf8(bytes)
    if (text === undefined) return Effect.fail(onError("not valid UTF-8"))
    const json = parseJson(text)
    return json.ok
      ? Effect.succeed(json.value)
      : Effect.fail(onError(`not valid JSON: ${json.detail}`, json.line, json.column))
  })

const parseWeights = (
  source: FolderSource,
  name: string,
  options: ReadModelOptions | undefined
): Effect.Effect<Safetensors.Parsed, SafetensorsError | CheckpointIoError> =>
  Effect.flatMap(source.read(name), (bytes) =>
    Safetensors.decode(bytes, options).pipe(
      Effect.mapError((error) => new SafetensorsError({ ...error, file: source.path(name) }))
    )
  )

const readSharded = (
  source: FolderSource,
  present: ReadonlySet<string>,
  options: ReadModelOptions | undefined
): Effect.Effect<Omit<ModelFolder, "dir" | "config" | "tokenizer">, ReadModelError> =>
  Effect.gen(function* () {
    const indexPath = source.path(INDEX)
    const bad = (detail: string, tensor?: string, shard?: string) =>
      new InvalidShardIndex({ path: indexPath, detail, tensor, shard })
    const index = yield* readJsonFile(source, INDEX, (detail, line, column) =>
      bad(line === undefined ? detail : `${detail} (line ${line}, column ${column})`)
    )
    if (!isObject(index) || !isObject(index.weight_map)) {
      return yield* Effect.fail(bad("expected an object with a weight_map object"))
    }
    const byShard = new Map<string, Array<string>>()
    for (const [tensor, shard] of Object.entries(index.weight_map)) {
      if (typeof shard !== "string") {
        return yield* Effect.fail(
          bad(`weight_map["${tensor}"] is ${JSON.stringify(shard)}, not a file name`, tensor)
        )
      }
      const problem = plainNameProblem(shard)
      if (problem !== undefined || !shard.endsWith(".safetensors")) {
        return yield* Effect.fail(
          bad(
            `shard ${JSON.stringify(shard)} of "${tensor}" is not a .safetensors file in this folder`,
            tensor,
            shard
          )
        )
      }
      const names = byShard.get(shard) ?? []
      names.push(tensor)
      byShard.set(shard, names)
    }
    if (byShard.size === 0) return yield* Effect.fail(bad("weight_map lists no tensors"))
    for (const [shard, names] of byShard) {
      if (!present.has(shard)) {
        return yield* Effect.fail(
          bad(
            `shard ${shard} (${names.length} tensors, e.g. "${names[0]}") is not in the folder`,
            names[0],
            shard
          )
        )
      }
    }
    const tensors = new Map<string, Safetensors.SafeTensor>()
    const origin = new Map<string, string>()
    const metadata: Record<string, string> = {}
    for (const [shard, names] of byShard) {
      const parsed = yield* parseWeights(source, shard, options)
      for (const name of names) {
        if (!parsed.tensors.has(name)) {
          return yield* Effect.fail(
            bad(`"${name}" is mapped to ${shard} but that shard has no such tensor`, name, shard)
          )
        }
      }
      for (const [name, tensor] of parsed.tensors) {
        const first = origin.get(name)
        if (first !== undefined) {
          return yield* Effect.fail(bad(`"${name}" is in two shards, ${first} and ${shard}`, name, shard))
        }
        origin.set(name, shard)
        tensors.set(name, tensor)
      }
      Object.assign(metadata, parsed.metadata)
    }
    return {
      tensors,
      metadata,
      weights: { sharded: true, files: [indexPath, ...[...byShard.keys()].map(source.path)] }
    }
  })

/**
 * Reads a model folder from any {@link FolderSource}: weights first decide the layout (`model.safetensors`,
 * else the sharded index; a folder with only pickle weights fails with {@link PickleCheckpointOnly}), then
 * `config.json` is read and validated, then every weights file is parsed and checked.
 *
 * @since 0.1.0
 * @category reading
 */
export const readModelSource = (
  source: FolderSource,
  options?: ReadModelOptions
): Effect.Effect<ModelFolder, ReadModelError> =>
  Effect.gen(function* () {
    const names = yield* source.list
    const present = new Set(names)
    if (!present.has(WEIGHTS) && !present.has(INDEX)) {
      const pickles = names.filter((name) => PICKLE.test(name) && !TRAINER_STATE.test(name)).sort()
      if (pickles.length > 0)
        return yield* Effect.fail(new PickleCheckpointOnly({ dir: source.dir, files: pickles }))
      return yield* Effect.fail(new WeightsNotFound({ dir: source.dir, files: [...names].sort() }))
    }
    const configPath = source.path(CONFIG)
    if (!present.has(CONFIG)) {
      return yield* Effect.fail(new InvalidModelConfig({ path: configPath, detail: "the file is missing" }))
    }
    const raw = yield* readJsonFile(
      source,
      CONFIG,
      (detail, line, column) =>
        new InvalidModelConfig({
          path: configPath,
          detail,
          location: line === undefined || column === undefined ? undefined : { line, column }
        })
    )
    const config = yield* validateModelConfig(raw, configPath)
    const weights = present.has(WEIGHTS)
      ? yield* Effect.map(parseWeights(source, WEIGHTS, options), (parsed) => ({
          tensors: parsed.tensors,
          metadata: parsed.metadata,
          weights: { sharded: false, files: [source.path(WEIGHTS)] }
        }))
      : yield* readSharded(source, present, options)
    const tokenizer: Partial<Record<TokenizerFileName, string>> = {}
    for (const name of tokenizerFileNames) if (present.has(name)) tokenizer[name] = source.path(name)
    return { dir: source.dir, config, ...weights, tokenizer }
  })

/**
 * Reads a Hugging Face model folder from disk. Needs Effect's `FileSystem` service; under Node, Bun and
 * Deno provide `NodeFileSystem.layer` from `@effect/platform-node-shared`.
 *
 * @example
 * ```ts
 * import { readModelFolder, Safetensors } from "@addrop/checkpoint"
 * import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
 * import { Effect } from "effect"
 *
 * const folder = await Effect.runPromise(
 *   readModelFolder("models/bert-base-uncased").pipe(Effect.provide(NodeFileSystem.layer))
 * )
 * const w = folder.tensors.get("bert.embeddings.word_embeddings.weight")!
 * const values = Safetensors.toFloat32(w) // [30522 * 768]
 * ```
 * @since 0.1.0
 * @category reading
 */
export const readModelFolder = (
  dir: string,
  options?: ReadModelOptions
): Effect.Effect<ModelFolder, ReadModelError, FileSystem.FileSystem> =>
  Effect.flatMap(folderFromFileSystem(dir), (source) => readModelSource(source, options))

/**
 * Reads a model folder from file contents already in memory (the browser seam): the same checks as
 * {@link readModelFolder}, no file system needed.
 *
 * @example
 * ```ts
 * import { readModelFiles } from "@addrop/checkpoint"
 * import { Effect } from "effect"
 * declare const config: Uint8Array, weights: Uint8Array
 * const folder = await Effect.runPromise(
 *   readModelFiles({ "config.json": config, "model.safetensors": weights })
 * )
 * ```
 * @since 0.1.0
 * @category reading
 */
export const readModelFiles = (
  files: ReadonlyMap<string, Uint8Array> | Readonly<Record<string, Uint8Array>>,
  options?: ReadModelOptions & { readonly dir?: string | undefined }
): Effect.Effect<ModelFolder, ReadModelError> =>
  readModelSource(folderFromFiles(files, options?.dir ?? ""), options)

/**
 * What {@link writeModelFolder} writes.
 *
 * - `metadata` is merged over `{ format: "pt" }`: transformers refuses safetensors files without a known
 *   `format`, and the names and layouts here are PyTorch's.
 * - `extraFiles` (plain names such as `vocab.txt`) are written atomically too.
 * - `maxShardBytes` (default 5 GB, as `save_pretrained`): above it, weights are split into
 *   `model-0000i-of-0000n.safetensors` in the given order, with `model.safetensors.index.json`.
 *   A tensor larger than the limit gets a shard of its own.
 *
 * @since 0.1.0
 * @category models
 */
export interface WriteModelOptions {
  readonly config: ModelConfig
  readonly tensors:
    | ReadonlyMap<string, Safetensors.TensorInput>
    | Iterable<readonly [string, Safetensors.TensorInput]>
    | Readonly<Record<string, Safetensors.TensorInput>>
  readonly metadata?: Readonly<Record<string, string>> | undefined
  readonly extraFiles?: Readonly<Record<string, Uint8Array | string>> | undefined
  readonly maxShardBytes?: number | undefined
}

/**
 * What {@link writeModelFolder} wrote: the final paths, weights first.
 *
 * @since 0.1.0
 * @category models
 */
export interface WrittenModelFolder {
  readonly dir: string
  readonly files: ReadonlyArray<string>
  readonly sharded: boolean
  readonly weightsBytes: number
}

/**
 * `save_pretrained`'s default shard limit: 5 GB.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_MAX_SHARD_BYTES = 5_000_000_000

interface Pending {
  readonly name: string
  readonly produce: () => Uint8Array
}

const planShards = (
  entries: ReadonlyArray<readonly [string, Safetensors.TensorInput, number]>,
  maxShardBytes: number
): ReadonlyArray<ReadonlyArray<readonly [string, Safetensors.TensorInput, number]>> => {
  const shards: Array<Array<readonly [string, Safetensors.TensorInput, number]>> = []
  let current: Array<readonly [string, Safetensors.TensorInput, number]> = []
  let currentBytes = 0
  for (const entry of entries) {
    if (current.length > 0 && currentBytes + entry[2] > maxShardBytes) {
      shards.push(current)
      current = []
      currentBytes = 0
    }
    current.push(entry)
    currentBytes += entry[2]
  }
  if (current.length > 0 || shards.length === 0) shards.push(current)
  return shards
}

const shardName = (i: number, n: number): string =>
  `model-${String(i + 1).padStart(5, "0")}-of-${String(n).padStart(5, "0")}.safetensors`

/**
 * Writes a Hugging Face model folder: `config.json`, the weights (one `model.safetensors`, or shards and
 * an index above `maxShardBytes`) and any extra files. Creates `dir` when missing. Every tensor is
 * validated before the disk is touched; every file is first written to a temporary file in `dir` and
 * renamed into place only after all of them were written, so a failure leaves the previous files intact
 * and no temporary file behind. Weights files of the other layout left from an earlier save are removed.
 *
 * @example
 * ```ts
 * import { writeModelFolder } from "@addrop/checkpoint"
 * import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
 * import { Effect } from "effect"
 *
 * await Effect.runPromise(
 *   writeModelFolder("out/finetuned", {
 *     config: { model_type: "bert", hidden_size: 4 },
 *     tensors: { "classifier.bias": { dtype: "F32", shape: [2], data: new Float32Array([0.1, -0.1]) } }
 *   }).pipe(Effect.provide(NodeFileSystem.layer))
 * )
 * ```
 * @since 0.1.0
 * @category writing
 */
export const writeModelFolder = (
  dir: string,
  options: WriteModelOptions
): Effect.Effect<WrittenModelFolder, WriteModelError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const configPath = join(dir, CONFIG)
    const config = yield* validateModelConfig(options.config, configPath)
    const configText = yield* Effect.try({
      try: () => `${JSON.stringify(config, null, 2)}\n`,
      catch: (error) =>
        new InvalidModelConfig({
          path: configPath,
          detail: `cannot be written as JSON: ${error instanceof Error ? error.message : String(error)}`
        })
    })
    const extraFiles = Object.entries(options.extraFiles ?? {})
    for (const [name] of extraFiles) {
      const problem =
        plainNameProblem(name) ??
        (name === CONFIG || name === WEIGHTS || name === INDEX || SHARD.test(name)
          ? "it is managed by writeModelFolder"
          : undefined)
      if (problem !== undefined) return yield* Effect.fail(new InvalidFileName({ name, detail: problem }))
    }
    const metadata = { format: "pt", ...options.metadata }
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== "string") {
        return yield* Effect.fail(
          new InvalidTensorInput({
            detail: `metadata["${key}"] is ${JSON.stringify(value)}; values must be strings`
          })
        )
      }
    }
    const input = options.tensors
    const pairs: ReadonlyArray<readonly [string, Safetensors.TensorInput]> =
      Symbol.iterator in input
        ? [...(input as Iterable<readonly [string, Safetensors.TensorInput]>)]
        : Object.entries(input as Readonly<Record<string, Safetensors.TensorInput>>)
    const entries = yield* Effect.try({
      try: () => {
        const seen = new Set<string>()
        return pairs.map(([name, tensor]) => {
          if (seen.has(name))
            throw new InvalidTensorInput({ tensor: name, detail: "the name is given twice" })
          seen.add(name)
          return [name, tensor, Safetensors.tensorBytes(tensor, name).byteLength] as const
        })
      },
      catch: (error) =>
        error instanceof InvalidTensorInput
          ? error
          : new InvalidTensorInput({ detail: error instanceof Error ? error.message : String(error) })
    })
    const weightsBytes = entries.reduce((sum, entry) => sum + entry[2], 0)
    const maxShardBytes = options.maxShardBytes ?? DEFAULT_MAX_SHARD_BYTES
    const shards = weightsBytes > maxShardBytes ? planShards(entries, maxShardBytes) : [entries]
    const sharded = shards.length > 1
    const pending: Array<Pending> = []
    const weightMap = new Map<string, string>()
    shards.forEach((shard, i) => {
      const name = sharded ? shardName(i, shards.length) : WEIGHTS
      for (const [tensor] of shard) weightMap.set(tensor, name)
      pending.push({
        name,
        produce: () =>
          Safetensors.serialize(
            shard.map(([n, t]) => [n, t] as const),
            metadata
          )
      })
    })
    const encoder = new TextEncoder()
    if (sharded) {
      // Object.fromEntries defines own properties, so a tensor named "__proto__" stays a key.
      const sortedMap = Object.fromEntries(
        [...weightMap].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      )
      const index = { metadata: { total_size: weightsBytes }, weight_map: sortedMap }
      pending.push({ name: INDEX, produce: () => encoder.encode(`${JSON.stringify(index, null, 2)}\n`) })
    }
    pending.push({ name: CONFIG, produce: () => encoder.encode(configText) })
    for (const [name, content] of extraFiles) {
      pending.push({ name, produce: () => (typeof content === "string" ? encoder.encode(content) : content) })
    }

    yield* fs
      .makeDirectory(dir, { recursive: true })
      .pipe(
        Effect.mapError((cause) => new CheckpointIoError({ path: dir, operation: "makeDirectory", cause }))
      )

    const temps: Array<readonly [string, string]> = []
    const removeTemps = Effect.suspend(() =>
      Effect.forEach([...temps], ([temp]) => Effect.ignore(fs.remove(temp)), { discard: true })
    )
    const writeAll = Effect.forEach(
      pending,
      (file) =>
        Effect.gen(function* () {
          const bytes = yield* Effect.try({
            try: file.produce,
            catch: (error) =>
              error instanceof InvalidTensorInput
                ? error
                : new InvalidTensorInput({ detail: error instanceof Error ? error.message : String(error) })
          })
          const temp = temporaryPath(join(dir, file.name))
          temps.push([temp, join(dir, file.name)])
          yield* fs
            .writeFile(temp, bytes)
            .pipe(
              Effect.mapError((cause) => new CheckpointIoError({ path: temp, operation: "write", cause }))
            )
        }),
      { discard: true }
    )
    const renameAll = Effect.gen(function* () {
      while (temps.length > 0) {
        const [temp, target] = temps[0]!
        yield* fs
          .rename(temp, target)
          .pipe(
            Effect.mapError((cause) => new CheckpointIoError({ path: target, operation: "rename", cause }))
          )
        temps.shift()
      }
    })
    yield* Effect.onError(Effect.andThen(writeAll, Effect.uninterruptible(renameAll)), () => removeTemps)

    // Remove weights of the other layout (or stale shards), so readers cannot pick up an older save.
    const written = new Set(pending.map((file) => file.name))
    const existing = yield* fs
      .readDirectory(dir)
      .pipe(Effect.mapError((cause) => new CheckpointIoError({ path: dir, operation: "list", cause })))
    const stale = existing.filter(
      (name) => !written.has(name) && (name === WEIGHTS || name === INDEX || SHARD.test(name))
    )
    yield* Effect.forEach(
      stale,
      (name) =>
        fs
          .remove(join(dir, name))
          .pipe(
            Effect.mapError(
              (cause) => new CheckpointIoError({ path: join(dir, name), operation: "remove", cause })
            )
          ),
      { discard: true }
    )
    return { dir, files: pending.map((file) => join(dir, file.name)), sharded, weightsBytes }
  })
