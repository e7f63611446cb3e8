/**
 * BERT WordPiece and RoBERTa byte-level BPE tokenizers read from Hugging Face files.
 *
 * Normalisation, pre-tokenisation, the WordPiece/BPE models, the special-token templates and decoding are
 * those of `@huggingface/tokenizers` (Hugging Face's pure-JS port of its Rust `tokenizers`); this module adds
 * what that library lacks for fine-tuning: vocab.txt loading, Rust-compatible longest-first truncation of
 * pairs, padding, batches, special-token ids and typed errors. Encoding uses no Node API; only the
 * `from*File`/`fromDirectory` loaders read files, through Effect's `FileSystem` service (provide
 * `NodeFileSystem.layer` from `@effect/platform-node-shared` under Node, Bun and Deno). A browser or an edge
 * worker, which has bytes rather than files, builds the same tokenizer with `fromJson` or `fromVocab`.
 *
 * @since 0.1.0
 */
import { Tokenizer as HfTokenizer } from "@huggingface/tokenizers"
import { Effect, FileSystem } from "effect"
import { spaceAstralCjk } from "./internal/cjk.js"
import { bertTokenizerJson, parseVocab } from "./internal/vocab.js"
import {
  InvalidEncodeInput,
  MaxLengthTooSmall,
  MissingSpecialToken,
  TokenizerFileCorrupt,
  TokenizerFileNotFound,
  type TokenizerLoadError,
  UnknownModelType
} from "./TokenizerError.js"
import { longestFirst } from "./Truncation.js"

/**
 * The model families this package encodes: `"bert"` (WordPiece, `[CLS] A [SEP] B [SEP]`, token types 0/1)
 * and `"roberta"` (byte-level BPE, `<s> A </s></s> B </s>`, a single token type).
 *
 * @since 0.1.0
 * @category models
 */
export type ModelType = "bert" | "roberta"

/**
 * Ids of the special tokens.
 *
 * @since 0.1.0
 * @category models
 */
export interface SpecialIds {
  readonly pad: number
  readonly cls: number
  readonly sep: number
  readonly unk: number
  readonly mask: number
}

/**
 * One encoded text or text pair: all arrays have the same length.
 *
 * @since 0.1.0
 * @category models
 */
export interface Encoding {
  readonly inputIds: Array<number>
  readonly attentionMask: Array<number>
  readonly tokenTypeIds: Array<number>
  readonly tokens: Array<string>
}

/**
 * A batch of encodings, row `i` for text `i`; rows have equal length when padded.
 *
 * @since 0.1.0
 * @category models
 */
export interface BatchEncoding {
  readonly inputIds: Array<Array<number>>
  readonly attentionMask: Array<Array<number>>
  readonly tokenTypeIds: Array<Array<number>>
  readonly tokens: Array<Array<string>>
}

/**
 * Padding: `"none"` (the default), `"longest"` (to the longest row of the batch) or `"maxLength"` (every row to
 * `maxLength`). Padding is on the right, with the pad id, token type 0 and attention 0.
 *
 * @since 0.1.0
 * @category models
 */
export type Padding = "none" | "longest" | "maxLength"

/**
 * Encoding options. `maxLength` counts the special tokens; longer inputs are truncated (longest-first for
 * pairs, see {@link longestFirst}).
 *
 * @since 0.1.0
 * @category models
 */
export interface EncodeOptions {
  readonly maxLength?: number | undefined
  readonly padding?: Padding | undefined
}

/**
 * Decoding options; `skipSpecialTokens` drops [CLS], [SEP], [PAD]… (default false, as in Hugging Face).
 *
 * @since 0.1.0
 * @category models
 */
export interface DecodeOptions {
  readonly skipSpecialTokens?: boolean | undefined
}

/**
 * A loaded tokenizer. The encode methods are synchronous and pure; they throw {@link MaxLengthTooSmall} or
 * {@link InvalidEncodeInput} (tagged errors) on arguments they cannot honour, never on any text.
 *
 * @since 0.1.0
 * @category models
 */
export interface Tokenizer {
  readonly modelType: ModelType
  /** Size of the id space: the largest id, added tokens included, plus one (30522 for bert-base-uncased). */
  readonly vocabSize: number
  readonly specialIds: SpecialIds
  /** The special tokens' strings, by role. */
  readonly specialTokens: { readonly [K in keyof SpecialIds]: string }
  /** How many special tokens an encoding adds: 2 or 3 for BERT, 2 or 4 for RoBERTa. */
  readonly numSpecialTokens: (pair: boolean) => number
  /** The text's tokens, without special tokens or truncation. */
  readonly tokenize: (text: string) => Array<string>
  readonly encode: (text: string, textPair?: string | undefined, options?: EncodeOptions) => Encoding
  readonly encodeBatch: (
    texts: ReadonlyArray<string>,
    pairs?: ReadonlyArray<string> | undefined,
    options?: EncodeOptions
  ) => BatchEncoding
  readonly decode: (ids: ArrayLike<number>, options?: DecodeOptions) => string
  readonly tokenToId: (token: string) => number | undefined
  readonly idToToken: (id: number) => string | undefined
}

/**
 * Options of {@link fromJson}. `config` is the parsed tokenizer_config.json (special token names);
 * `modelType` the `model_type` of config.json, checked against the tokenizer; `source` names the origin in
 * errors.
 *
 * @since 0.1.0
 * @category constructors
 */
export interface FromJsonOptions {
  readonly config?: unknown
  readonly modelType?: string | undefined
  readonly source?: string | undefined
}

const KNOWN_MODEL_TYPES: Record<string, ModelType> = {
  bert: "bert",
  distilbert: "bert",
  electra: "bert",
  roberta: "roberta"
}

const DEFAULT_SPECIALS: Record<ModelType, { readonly [K in keyof SpecialIds]: string }> = {
  bert: { pad: "[PAD]", cls: "[CLS]", sep: "[SEP]", unk: "[UNK]", mask: "[MASK]" },
  roberta: { pad: "<pad>", cls: "<s>", sep: "</s>", unk: "<unk>", mask: "<mask>" }
}

const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/** tokenizer_config.json writes special tokens as strings or as `{ content: "…" }` objects. */
const tokenName = (u: unknown): string | undefined =>
  typeof u === "string" ? u : isRecord(u) && typeof u.content === "string" ? u.content : undefined

const hasByteLevel = (preTokenizer: unknown): boolean =>
  isRecord(preTokenizer) &&
  (preTokenizer.type === "ByteLevel" ||
    (preTokenizer.type === "Sequence" &&
      Array.isArray(preTokenizer.pretokenizers) &&
      preTokenizer.pretokenizers.some(hasByteLevel)))

/**
 * Files written by early `tokenizers` releases (bert-base-uncased's among them) omit `model.type`; Rust
 * reads them as an untagged enum, recognising BPE by its merges and WordPiece by its word-piece fields.
 */
const inferModelKind = (model: Record<string, unknown>): string =>
  "merges" in model
    ? "BPE"
    : "continuing_subword_prefix" in model || "max_input_chars_per_word" in model
      ? "WordPiece"
      : "(none)"

const astralCjkFix = (normalizer: unknown): boolean =>
  isRecord(normalizer) &&
  ((normalizer.type === "BertNormalizer" && normalizer.handle_chinese_chars !== false) ||
    (normalizer.type === "Sequence" &&
      Array.isArray(normalizer.normalizers) &&
      normalizer.normalizers.some(astralCjkFix)))

const checkInteger = (name: string, value: number, min: number): void => {
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidEncodeInput({ reason: `${name} must be an integer >= ${min}, got ${value}` })
  }
}

/**
 * A tokenizer from a parsed Hugging Face tokenizer.json (WordPiece for BERT, byte-level BPE for RoBERTa).
 * Needs no file system: use it with JSON fetched or bundled by any means.
 *
 * @example
 * ```ts
 * import { Tokenizer } from "@addrop/tokenizer"
 * import { Effect } from "effect"
 * const tok = await Effect.runPromise(Tokenizer.fromJson(json))
 * tok.encode("hello world").inputIds // [101, 7592, 2088, 102]
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const fromJson = (
  json: unknown,
  options: FromJsonOptions = {}
): Effect.Effect<Tokenizer, TokenizerFileCorrupt | UnknownModelType | MissingSpecialToken> =>
  Effect.suspend(
    (): Effect.Effect<Tokenizer, TokenizerFileCorrupt | UnknownModelType | MissingSpecialToken> => {
      const source = options.source ?? "tokenizer.json"
      const corrupt = (reason: string) => Effect.fail(new TokenizerFileCorrupt({ path: source, reason }))
      if (!isRecord(json)) return corrupt("the top level is not a JSON object")
      const model = json.model
      if (!isRecord(model)) return corrupt('missing "model" object')
      const modelName = typeof model.type === "string" ? model.type : inferModelKind(model)
      const unknown = (reason: string, modelType = modelName) =>
        Effect.fail(new UnknownModelType({ path: source, modelType, reason }))
      if (modelName !== "WordPiece" && modelName !== "BPE")
        return unknown("the model is neither WordPiece nor BPE")
      if (!isRecord(model.vocab)) return corrupt('"model.vocab" is not an object of token → id')
      if (json.added_tokens !== undefined && !Array.isArray(json.added_tokens))
        return corrupt('"added_tokens" is not an array')
      if (modelName === "BPE") {
        if (!Array.isArray(model.merges)) return corrupt('"model.merges" is not an array')
        if (!hasByteLevel(json.pre_tokenizer))
          return unknown("BPE without a ByteLevel pre-tokenizer is not RoBERTa's")
      }
      const modelType: ModelType = modelName === "WordPiece" ? "bert" : "roberta"
      if (options.modelType !== undefined) {
        const family = KNOWN_MODEL_TYPES[options.modelType]
        if (family === undefined)
          return unknown("config.json names a model type this package does not know", options.modelType)
        if (family !== modelType) {
          return unknown(
            `config.json says "${options.modelType}" but the tokenizer is ${modelName}`,
            options.modelType
          )
        }
      }
      const config = isRecord(options.config) ? options.config : {}
      let hf: HfTokenizer
      try {
        hf = new HfTokenizer(
          {
            normalizer: null,
            pre_tokenizer: null,
            post_processor: null,
            decoder: null,
            ...json,
            added_tokens: json.added_tokens ?? [],
            model: { ...model, type: modelName }
          },
          config
        )
      } catch (e) {
        return corrupt(e instanceof Error ? e.message : String(e))
      }
      const post = hf.post_processor
      if (post === null) return unknown("it has no post-processor, so it adds no [CLS]/[SEP] tokens")
      const single = post.post_process([], null, true).tokens
      const pairTemplate = post.post_process([], [], true).tokens
      if (single.length === 0) return unknown("its post-processor adds no special tokens")

      const defaults = DEFAULT_SPECIALS[modelType]
      const names = {
        pad: tokenName(config.pad_token) ?? defaults.pad,
        cls: single[0]!,
        sep: single[single.length - 1]!,
        unk:
          (typeof model.unk_token === "string" ? model.unk_token : undefined) ??
          tokenName(config.unk_token) ??
          defaults.unk,
        mask: tokenName(config.mask_token) ?? defaults.mask
      }
      const ids: Partial<Record<keyof SpecialIds, number>> = {}
      for (const role of ["pad", "cls", "sep", "unk", "mask"] as const) {
        const id = hf.token_to_id(names[role])
        if (id === undefined)
          return Effect.fail(new MissingSpecialToken({ path: source, role, token: names[role] }))
        ids[role] = id
      }
      return Effect.succeed(
        make(
          hf,
          modelType,
          ids as SpecialIds,
          names,
          [single.length, pairTemplate.length],
          astralCjkFix(json.normalizer)
        )
      )
    }
  )

const make = (
  hf: HfTokenizer,
  modelType: ModelType,
  specialIds: SpecialIds,
  specialTokens: { readonly [K in keyof SpecialIds]: string },
  [singleSpecials, pairSpecials]: readonly [number, number],
  fixCjk: boolean
): Tokenizer => {
  const post = hf.post_processor!
  // Ids, added tokens included, run from 0 to the largest: that sizes an embedding matrix.
  let vocabSize = 0
  for (const id of hf.get_vocab(true).values()) vocabSize = Math.max(vocabSize, id + 1)
  const idOf = (token: string): number => hf.token_to_id(token) ?? specialIds.unk
  const tokenize = (text: string): Array<string> =>
    hf.encode(fixCjk ? spaceAstralCjk(text) : text, { add_special_tokens: false }).tokens
  const numSpecialTokens = (pair: boolean) => (pair ? pairSpecials : singleSpecials)

  const checkOptions = (options: EncodeOptions, pair: boolean): void => {
    if (options.maxLength !== undefined) {
      checkInteger("maxLength", options.maxLength, 0)
      const specials = numSpecialTokens(pair)
      if (options.maxLength < specials) {
        throw new MaxLengthTooSmall({ maxLength: options.maxLength, specialTokens: specials, pair })
      }
    } else if (options.padding === "maxLength") {
      throw new InvalidEncodeInput({ reason: 'padding "maxLength" needs a maxLength' })
    }
  }

  const encodeUnpadded = (
    text: string,
    textPair: string | undefined,
    maxLength: number | undefined
  ): Encoding => {
    const pair = textPair !== undefined
    let a = tokenize(text)
    let b = pair ? tokenize(textPair) : null
    if (maxLength !== undefined) {
      const budget = maxLength - numSpecialTokens(pair)
      const [na, nb] = longestFirst(a.length, b?.length ?? 0, budget)
      if (na < a.length) a = a.slice(0, na)
      if (b !== null && nb < b.length) b = b.slice(0, nb)
    }
    const out = post.post_process(a, b, true)
    const tokens = out.tokens
    const types = modelType === "roberta" || out.token_type_ids === undefined ? undefined : out.token_type_ids
    return {
      inputIds: tokens.map(idOf),
      attentionMask: tokens.map(() => 1),
      tokenTypeIds: types === undefined ? tokens.map(() => 0) : types.map((t: number | undefined) => t ?? 0),
      tokens
    }
  }

  const padTo = (e: Encoding, length: number): Encoding => {
    const n = length - e.inputIds.length
    if (n <= 0) return e
    return {
      inputIds: e.inputIds.concat(Array(n).fill(specialIds.pad)),
      attentionMask: e.attentionMask.concat(Array(n).fill(0)),
      tokenTypeIds: e.tokenTypeIds.concat(Array(n).fill(0)),
      tokens: e.tokens.concat(Array(n).fill(specialTokens.pad))
    }
  }

  const encode = (text: string, textPair?: string, options: EncodeOptions = {}): Encoding => {
    checkOptions(options, textPair !== undefined)
    const e = encodeUnpadded(text, textPair, options.maxLength)
    return options.padding === "maxLength" ? padTo(e, options.maxLength!) : e
  }

  const encodeBatch = (
    texts: ReadonlyArray<string>,
    pairs?: ReadonlyArray<string>,
    options: EncodeOptions = {}
  ): BatchEncoding => {
    if (pairs !== undefined && pairs.length !== texts.length) {
      throw new InvalidEncodeInput({ reason: `${texts.length} texts but ${pairs.length} pairs` })
    }
    checkOptions(options, pairs !== undefined)
    let rows = texts.map((text, i) => encodeUnpadded(text, pairs?.[i], options.maxLength))
    if (options.padding === "longest" || options.padding === "maxLength") {
      const length =
        options.padding === "maxLength"
          ? options.maxLength!
          : Math.max(0, ...rows.map((r) => r.inputIds.length))
      rows = rows.map((r) => padTo(r, length))
    }
    return {
      inputIds: rows.map((r) => r.inputIds),
      attentionMask: rows.map((r) => r.attentionMask),
      tokenTypeIds: rows.map((r) => r.tokenTypeIds),
      tokens: rows.map((r) => r.tokens)
    }
  }

  const decode = (ids: ArrayLike<number>, options: DecodeOptions = {}): string => {
    const list = Array.from(ids)
    for (const id of list) {
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
        throw new InvalidEncodeInput({ reason: `token id ${id} is outside the vocabulary [0, ${vocabSize})` })
      }
    }
    if (list.length === 0) return ""
    return hf.decode(list, { skip_special_tokens: options.skipSpecialTokens ?? false })
  }

  return {
    modelType,
    vocabSize,
    specialIds,
    specialTokens,
    numSpecialTokens,
    tokenize,
    encode,
    encodeBatch,
    decode,
    tokenToId: (token) => hf.token_to_id(token),
    idToToken: (id) => hf.id_to_token(id)
  }
}

/**
 * Options of a BERT tokenizer built from vocab.txt; the defaults are `BertTokenizer`'s (lower-casing,
 * accents stripped when lower-casing, CJK ideographs isolated, `[UNK] [SEP] [PAD] [CLS] [MASK]`).
 *
 * @since 0.1.0
 * @category constructors
 */
export interface FromVocabOptions {
  readonly doLowerCase?: boolean | undefined
  readonly stripAccents?: boolean | null | undefined
  readonly tokenizeChineseChars?: boolean | undefined
  readonly unkToken?: string | undefined
  readonly sepToken?: string | undefined
  readonly padToken?: string | undefined
  readonly clsToken?: string | undefined
  readonly maskToken?: string | undefined
  readonly source?: string | undefined
}

/**
 * A BERT WordPiece tokenizer from the text of a vocab.txt (one token per line, id = 0-based line index),
 * configured as Hugging Face's slow-to-fast converter does, so it encodes exactly as the tokenizer.json
 * published beside it.
 *
 * @example
 * ```ts
 * import { Tokenizer } from "@addrop/tokenizer"
 * import { Effect } from "effect"
 * const tok = await Effect.runPromise(Tokenizer.fromVocab(vocabText, { doLowerCase: true }))
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const fromVocab = (
  text: string,
  options: FromVocabOptions = {}
): Effect.Effect<Tokenizer, TokenizerFileCorrupt | UnknownModelType | MissingSpecialToken> =>
  Effect.suspend(
    (): Effect.Effect<Tokenizer, TokenizerFileCorrupt | UnknownModelType | MissingSpecialToken> => {
      const source = options.source ?? "vocab.txt"
      const parsed = parseVocab(text)
      if (!("vocab" in parsed)) {
        return Effect.fail(
          new TokenizerFileCorrupt({ path: source, reason: parsed.reason, line: parsed.line })
        )
      }
      const json = bertTokenizerJson(parsed.vocab, {
        doLowerCase: options.doLowerCase ?? true,
        stripAccents: options.stripAccents ?? null,
        tokenizeChineseChars: options.tokenizeChineseChars ?? true,
        unkToken: options.unkToken ?? "[UNK]",
        sepToken: options.sepToken ?? "[SEP]",
        padToken: options.padToken ?? "[PAD]",
        clsToken: options.clsToken ?? "[CLS]",
        maskToken: options.maskToken ?? "[MASK]"
      })
      return fromJson(json, {
        source,
        config: { pad_token: options.padToken, mask_token: options.maskToken }
      })
    }
  )

// ---------------------------------------------------------------------------------------------------------
// Files, read through Effect's `FileSystem` service (a layer per runtime: `NodeFileSystem.layer` under Node,
// Bun and Deno); browsers and edge workers hand the contents to `fromJson` / `fromVocab` instead.
// ---------------------------------------------------------------------------------------------------------

const readText = (path: string): Effect.Effect<string, TokenizerFileNotFound, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    return yield* Effect.mapError(
      fs.readFileString(path),
      (e) => new TokenizerFileNotFound({ path, reason: e.message })
    )
  })

const exists = (path: string): Effect.Effect<boolean, never, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    return yield* fs.stat(path).pipe(
      Effect.map((info) => info.type === "File"),
      Effect.orElseSucceed(() => false)
    )
  })

const readJson = (
  path: string
): Effect.Effect<unknown, TokenizerFileNotFound | TokenizerFileCorrupt, FileSystem.FileSystem> =>
  Effect.flatMap(readText(path), (text) =>
    Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (e) =>
        new TokenizerFileCorrupt({
          path,
          reason: `invalid JSON: ${e instanceof Error ? e.message : String(e)}`
        })
    })
  )

const readOptionalJson = (
  path: string
): Effect.Effect<Record<string, unknown> | undefined, TokenizerFileCorrupt, FileSystem.FileSystem> =>
  Effect.flatMap(exists(path), (present) =>
    present
      ? Effect.flatMap(
          Effect.catchTag(readJson(path), "TokenizerFileNotFound", (e) =>
            Effect.fail(new TokenizerFileCorrupt({ path, reason: e.reason }))
          ),
          (json) =>
            isRecord(json)
              ? Effect.succeed(json)
              : Effect.fail(new TokenizerFileCorrupt({ path, reason: "the top level is not a JSON object" }))
        )
      : Effect.succeed(undefined)
  )

const join = (dir: string, file: string) => (dir.endsWith("/") ? `${dir}${file}` : `${dir}/${file}`)

/**
 * A tokenizer from a tokenizer.json file; `configPath` optionally names its tokenizer_config.json.
 *
 * @since 0.1.0
 * @category files
 */
export const fromTokenizerJsonFile = (
  path: string,
  options: { readonly configPath?: string | undefined; readonly modelType?: string | undefined } = {}
): Effect.Effect<Tokenizer, TokenizerLoadError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const json = yield* readJson(path)
    const config = options.configPath === undefined ? undefined : yield* readOptionalJson(options.configPath)
    return yield* fromJson(json, { config, modelType: options.modelType, source: path })
  })

/**
 * A BERT tokenizer from a vocab.txt file; `configPath` optionally names the tokenizer_config.json whose
 * `do_lower_case`, `strip_accents`, `tokenize_chinese_chars` and special tokens apply.
 *
 * @since 0.1.0
 * @category files
 */
export const fromVocabFile = (
  path: string,
  options: { readonly configPath?: string | undefined; readonly modelType?: string | undefined } = {}
): Effect.Effect<Tokenizer, TokenizerLoadError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const text = yield* readText(path)
    const config =
      (options.configPath === undefined ? undefined : yield* readOptionalJson(options.configPath)) ?? {}
    if (options.modelType !== undefined && KNOWN_MODEL_TYPES[options.modelType] !== "bert") {
      return yield* new UnknownModelType({
        path,
        modelType: options.modelType,
        reason: "a vocab.txt holds a BERT WordPiece vocabulary"
      })
    }
    const bool = (key: string): boolean | undefined => {
      const v = config[key]
      return typeof v === "boolean" ? v : undefined
    }
    const stripAccents = config.strip_accents
    return yield* fromVocab(text, {
      source: path,
      doLowerCase: bool("do_lower_case"),
      stripAccents: typeof stripAccents === "boolean" ? stripAccents : null,
      tokenizeChineseChars: bool("tokenize_chinese_chars"),
      unkToken: tokenName(config.unk_token),
      sepToken: tokenName(config.sep_token),
      padToken: tokenName(config.pad_token),
      clsToken: tokenName(config.cls_token),
      maskToken: tokenName(config.mask_token)
    })
  })

/**
 * A tokenizer from a Hugging Face model folder: tokenizer.json when present (or when `prefer` says so),
 * otherwise vocab.txt; tokenizer_config.json and config.json's `model_type` are read when present.
 *
 * @example
 * ```ts
 * import { Tokenizer } from "@addrop/tokenizer"
 * import { Effect } from "effect"
 * import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
 * const tok = await Effect.runPromise(
 *   Tokenizer.fromDirectory("models/bert-base-uncased").pipe(Effect.provide(NodeFileSystem.layer))
 * )
 * const batch = tok.encodeBatch(["a b", "c"], undefined, { maxLength: 128, padding: "longest" })
 * ```
 * @since 0.1.0
 * @category files
 */
export const fromDirectory = (
  dir: string,
  options: { readonly prefer?: "tokenizer.json" | "vocab.txt" | undefined } = {}
): Effect.Effect<Tokenizer, TokenizerLoadError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const tokenizerJson = join(dir, "tokenizer.json")
    const vocabTxt = join(dir, "vocab.txt")
    const configPath = join(dir, "tokenizer_config.json")
    const modelConfig = yield* readOptionalJson(join(dir, "config.json"))
    const modelType = typeof modelConfig?.model_type === "string" ? modelConfig.model_type : undefined
    const hasJson = yield* exists(tokenizerJson)
    const hasVocab = yield* exists(vocabTxt)
    const useJson = options.prefer === "vocab.txt" ? !hasVocab && hasJson : hasJson
    if (useJson) return yield* fromTokenizerJsonFile(tokenizerJson, { configPath, modelType })
    if (hasVocab) return yield* fromVocabFile(vocabTxt, { configPath, modelType })
    return yield* new TokenizerFileNotFound({
      path: dir,
      reason: "the folder has neither tokenizer.json nor vocab.txt"
    })
  })
