/**
 * The Hugging Face `config.json` of a BERT or RoBERTa model: the fields the encoders use, decoded and
 * validated with errors that name the offending key, and written back in Hugging Face's layout.
 *
 * @since 0.1.0
 */
import type { ActivationName } from "@addrop/ops"
import { Data, Effect, Result } from "effect"
import type { Task } from "./Task.js"

/**
 * The encoder families supported: `bert` (BERT, absolute positions from 0) and `roberta` (positions from
 * `pad_token_id + 1`, one token type).
 *
 * @since 0.1.0
 * @category models
 */
export type ModelType = "bert" | "roberta"

/**
 * Hugging Face's `problem_type`.
 *
 * @since 0.1.0
 * @category models
 */
export type ProblemType = "single_label_classification" | "multi_label_classification" | "regression"

/**
 * A validated model configuration. Field names are the camelCase forms of the `config.json` keys
 * (`hiddenSize` ↔ `hidden_size`); keys the encoders do not use are kept in `extra` and written back.
 *
 * @since 0.1.0
 * @category models
 */
export interface ModelConfig {
  readonly modelType: ModelType
  readonly vocabSize: number
  readonly hiddenSize: number
  readonly numHiddenLayers: number
  readonly numAttentionHeads: number
  readonly intermediateSize: number
  readonly hiddenAct: ActivationName
  readonly hiddenDropoutProb: number
  readonly attentionProbsDropoutProb: number
  /** Dropout before the classifier; `null` or absent means `hiddenDropoutProb` (Hugging Face's rule). */
  readonly classifierDropout?: number | null | undefined
  readonly maxPositionEmbeddings: number
  readonly typeVocabSize: number
  readonly layerNormEps: number
  readonly padTokenId: number
  readonly initializerRange: number
  /** From `id2label` when present, else `num_labels`; `undefined` when the config names neither. */
  readonly numLabels?: number | undefined
  readonly id2label?: Readonly<Record<string, string>> | undefined
  readonly problemType?: ProblemType | undefined
  readonly architectures?: ReadonlyArray<string> | undefined
  /** Other `config.json` keys, preserved verbatim for writing the config back. */
  readonly extra?: Readonly<Record<string, unknown>> | undefined
}

/**
 * A configuration value is missing, has the wrong type, or is out of range. `field` is the `config.json`
 * key (snake_case), `value` what was found.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidConfig extends Data.TaggedError("InvalidConfig")<{
  readonly field: string
  readonly value: unknown
  readonly reason: string
}> {
  override get message(): string {
    return `Invalid model config: "${this.field}" ${this.reason} (got ${show(this.value)})`
  }
}

const show = (value: unknown): string => {
  if (value === undefined) return "nothing"
  try {
    const text = JSON.stringify(value)
    return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text
  } catch {
    return String(value)
  }
}

/** Every key this module reads, with its camelCase field. */
const KNOWN_KEYS: Readonly<Record<string, keyof ModelConfig>> = {
  model_type: "modelType",
  vocab_size: "vocabSize",
  hidden_size: "hiddenSize",
  num_hidden_layers: "numHiddenLayers",
  num_attention_heads: "numAttentionHeads",
  intermediate_size: "intermediateSize",
  hidden_act: "hiddenAct",
  hidden_dropout_prob: "hiddenDropoutProb",
  attention_probs_dropout_prob: "attentionProbsDropoutProb",
  classifier_dropout: "classifierDropout",
  max_position_embeddings: "maxPositionEmbeddings",
  type_vocab_size: "typeVocabSize",
  layer_norm_eps: "layerNormEps",
  pad_token_id: "padTokenId",
  initializer_range: "initializerRange",
  num_labels: "numLabels",
  id2label: "id2label",
  label2id: "id2label",
  problem_type: "problemType",
  architectures: "architectures"
}

const ACTIVATIONS: ReadonlyArray<ActivationName> = ["gelu", "relu", "tanh"]
const PROBLEM_TYPES: ReadonlyArray<ProblemType> = [
  "single_label_classification",
  "multi_label_classification",
  "regression"
]

/** Throws inside the decoder; caught and returned as a failure by {@link decodeResult}. */
class Failure {
  constructor(readonly error: InvalidConfig) {}
}
const fail = (field: string, value: unknown, reason: string): never => {
  throw new Failure(new InvalidConfig({ field, value, reason }))
}

const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

const integer = (json: Record<string, unknown>, key: string, min: number, fallback?: number): number => {
  const value = json[key] ?? fallback
  if (value === undefined) return fail(key, value, "is required")
  if (typeof value !== "number" || !Number.isSafeInteger(value)) return fail(key, value, "must be an integer")
  if (value < min) return fail(key, value, `must be at least ${min}`)
  return value
}

const probability = (json: Record<string, unknown>, key: string, fallback: number): number => {
  const value = json[key] ?? fallback
  if (typeof value !== "number" || !(value >= 0 && value < 1))
    return fail(key, value, "must be a number in [0, 1)")
  return value
}

const positive = (json: Record<string, unknown>, key: string, fallback: number): number => {
  const value = json[key] ?? fallback
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0)
    return fail(key, value, "must be a positive number")
  return value
}

const decodeUnchecked = (json: unknown): ModelConfig => {
  if (!isRecord(json)) return fail("<root>", json, "must be a JSON object")
  const modelType = json.model_type
  if (modelType !== "bert" && modelType !== "roberta")
    return fail("model_type", modelType, 'must be "bert" or "roberta"')
  const roberta = modelType === "roberta"
  const hiddenAct = json.hidden_act ?? "gelu"
  if (!ACTIVATIONS.includes(hiddenAct as ActivationName))
    return fail("hidden_act", hiddenAct, `must be one of ${ACTIVATIONS.join(", ")}`)
  const classifierDropoutRaw = json.classifier_dropout
  const classifierDropout =
    classifierDropoutRaw === undefined || classifierDropoutRaw === null
      ? classifierDropoutRaw
      : probability(json, "classifier_dropout", 0)
  const problemType = json.problem_type ?? undefined
  if (
    problemType !== undefined &&
    problemType !== null &&
    !PROBLEM_TYPES.includes(problemType as ProblemType)
  )
    return fail("problem_type", problemType, `must be one of ${PROBLEM_TYPES.join(", ")} or null`)
  const architectures = json.architectures ?? undefined
  if (
    architectures !== undefined &&
    architectures !== null &&
    !(Array.isArray(architectures) && architectures.every((a) => typeof a === "string"))
  )
    return fail("architectures", architectures, "must be an array of strings")
  const positionType = json.position_embedding_type
  if (positionType !== undefined && positionType !== null && positionType !== "absolute")
    return fail("position_embedding_type", positionType, 'must be "absolute" (the only kind supported)')
  let id2label: Record<string, string> | undefined
  if (json.id2label !== undefined && json.id2label !== null) {
    const raw = json.id2label
    if (!isRecord(raw)) return fail("id2label", raw, "must be an object from label index to name")
    const count = Object.keys(raw).length
    for (let i = 0; i < count; i++) {
      if (typeof raw[String(i)] !== "string")
        return fail("id2label", raw, `must map every index 0..${count - 1} to a name (index ${i} is missing)`)
    }
    id2label = raw as Record<string, string>
  }
  let numLabels: number | undefined
  if (json.num_labels !== undefined && json.num_labels !== null) numLabels = integer(json, "num_labels", 1)
  if (id2label !== undefined) {
    const fromMap = Object.keys(id2label).length
    if (numLabels !== undefined && numLabels !== fromMap)
      return fail("num_labels", numLabels, `disagrees with id2label, which names ${fromMap} labels`)
    numLabels = fromMap
  }
  const extra: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(json)) if (!(key in KNOWN_KEYS)) extra[key] = value
  const config: ModelConfig = {
    modelType,
    vocabSize: integer(json, "vocab_size", 1),
    hiddenSize: integer(json, "hidden_size", 1),
    numHiddenLayers: integer(json, "num_hidden_layers", 1),
    numAttentionHeads: integer(json, "num_attention_heads", 1),
    intermediateSize: integer(json, "intermediate_size", 1),
    hiddenAct: hiddenAct as ActivationName,
    hiddenDropoutProb: probability(json, "hidden_dropout_prob", 0.1),
    attentionProbsDropoutProb: probability(json, "attention_probs_dropout_prob", 0.1),
    classifierDropout,
    maxPositionEmbeddings: integer(json, "max_position_embeddings", 1, 512),
    typeVocabSize: integer(json, "type_vocab_size", 1, roberta ? 1 : 2),
    layerNormEps: positive(json, "layer_norm_eps", roberta ? 1e-5 : 1e-12),
    padTokenId: integer(json, "pad_token_id", 0, roberta ? 1 : 0),
    initializerRange: positive(json, "initializer_range", 0.02),
    numLabels,
    id2label,
    problemType: (problemType ?? undefined) as ProblemType | undefined,
    architectures: (architectures ?? undefined) as ReadonlyArray<string> | undefined,
    extra
  }
  checkConsistency(config)
  return config
}

/** Cross-field rules. */
const checkConsistency = (config: ModelConfig): void => {
  if (config.hiddenSize % config.numAttentionHeads !== 0)
    fail(
      "hidden_size",
      config.hiddenSize,
      `must be divisible by num_attention_heads (${config.numAttentionHeads})`
    )
  if (config.padTokenId >= config.vocabSize)
    fail("pad_token_id", config.padTokenId, `must be below vocab_size (${config.vocabSize})`)
  if (config.modelType === "roberta" && config.maxPositionEmbeddings <= config.padTokenId + 1)
    fail(
      "max_position_embeddings",
      config.maxPositionEmbeddings,
      `must exceed pad_token_id + 1 (${config.padTokenId + 1}): RoBERTa positions start after the padding index`
    )
}

/**
 * Decodes and validates a parsed `config.json`, as a `Result`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeResult = (json: unknown): Result.Result<ModelConfig, InvalidConfig> => {
  try {
    return Result.succeed(decodeUnchecked(json))
  } catch (error) {
    if (error instanceof Failure) return Result.fail(error.error)
    throw error
  }
}

/**
 * Decodes and validates a parsed `config.json`. Missing optional keys take Hugging Face's defaults
 * (which differ for RoBERTa: `layer_norm_eps` 1e-5, `pad_token_id` 1, `type_vocab_size` 1).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ModelConfig } from "@addrop/models"
 * const config = await Effect.runPromise(ModelConfig.decode(JSON.parse(text)))
 * ```
 * @since 0.1.0
 * @category decoding
 */
export const decode = (json: unknown): Effect.Effect<ModelConfig, InvalidConfig> =>
  Effect.suspend(() => Effect.fromResult(decodeResult(json)))

/**
 * {@link decode} that throws the {@link InvalidConfig} on failure.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeUnsafe = (json: unknown): ModelConfig => {
  const result = decodeResult(json)
  if (Result.isFailure(result)) throw result.failure
  return result.success
}

/**
 * Re-validates a configuration built in code (for example a preset with some fields overridden).
 *
 * @since 0.1.0
 * @category decoding
 */
export const validate = (config: ModelConfig): Result.Result<ModelConfig, InvalidConfig> =>
  decodeResult(toJsonUnchecked(config))

/**
 * The classification head a configuration is written for.
 *
 * @since 0.1.0
 * @category models
 */
export interface Head {
  readonly task: Task
  readonly numLabels: number
}

/**
 * The Hugging Face architecture name of a model type and head.
 *
 * @since 0.1.0
 * @category serialisation
 */
export const architecture = (modelType: ModelType, task: Task): string =>
  `${modelType === "bert" ? "Bert" : "Roberta"}${task === "token-classification" ? "ForTokenClassification" : "ForSequenceClassification"}`

const toJsonUnchecked = (config: ModelConfig): Record<string, unknown> => {
  const out: Record<string, unknown> = { ...config.extra }
  if (config.architectures !== undefined) out.architectures = [...config.architectures]
  Object.assign(out, {
    attention_probs_dropout_prob: config.attentionProbsDropoutProb,
    hidden_act: config.hiddenAct,
    hidden_dropout_prob: config.hiddenDropoutProb,
    hidden_size: config.hiddenSize,
    initializer_range: config.initializerRange,
    intermediate_size: config.intermediateSize,
    layer_norm_eps: config.layerNormEps,
    max_position_embeddings: config.maxPositionEmbeddings,
    model_type: config.modelType,
    num_attention_heads: config.numAttentionHeads,
    num_hidden_layers: config.numHiddenLayers,
    pad_token_id: config.padTokenId,
    type_vocab_size: config.typeVocabSize,
    vocab_size: config.vocabSize
  })
  if (config.classifierDropout !== undefined) out.classifier_dropout = config.classifierDropout
  if (config.id2label !== undefined) {
    out.id2label = { ...config.id2label }
    out.label2id = Object.fromEntries(Object.entries(config.id2label).map(([i, name]) => [name, Number(i)]))
  } else if (config.numLabels !== undefined) out.num_labels = config.numLabels
  if (config.problemType !== undefined) out.problem_type = config.problemType
  // Sorted keys, as transformers writes config.json.
  return Object.fromEntries(
    Object.keys(out)
      .sort()
      .map((key) => [key, out[key]])
  )
}

/**
 * The `config.json` object of a configuration. With a `head`, `architectures`, `id2label`/`label2id`
 * (`LABEL_i` unless the config names the labels) and `problem_type` (`regression` or
 * `single_label_classification`; absent for token classification) describe that head, as Hugging Face's
 * `save_pretrained` writes them.
 *
 * @example
 * ```ts
 * import { ModelConfig, Presets } from "@addrop/models"
 * const json = ModelConfig.toJson(Presets.tiny, { task: "classification", numLabels: 2 })
 * json.architectures // ["BertForSequenceClassification"]
 * ```
 * @since 0.1.0
 * @category serialisation
 */
export const toJson = (config: ModelConfig, head?: Head): Record<string, unknown> => {
  if (head === undefined) return toJsonUnchecked(config)
  const sameLabels = config.id2label !== undefined && Object.keys(config.id2label).length === head.numLabels
  const id2label = sameLabels
    ? config.id2label
    : Object.fromEntries(Array.from({ length: head.numLabels }, (_, i) => [String(i), `LABEL_${i}`]))
  const problemType: ProblemType | undefined =
    head.task === "regression"
      ? "regression"
      : head.task === "classification"
        ? config.problemType === "multi_label_classification"
          ? config.problemType
          : "single_label_classification"
        : undefined
  const out = toJsonUnchecked({
    ...config,
    architectures: [architecture(config.modelType, head.task)],
    numLabels: head.numLabels,
    id2label,
    problemType
  })
  if (problemType === undefined) delete out.problem_type
  return out
}

/**
 * The head a configuration describes: token classification for `*ForTokenClassification`, regression for
 * `problem_type: "regression"`, else sequence classification; `undefined` when the config names no head
 * (for example a pre-training checkpoint's `BertForMaskedLM`) or no label count.
 *
 * @since 0.1.0
 * @category serialisation
 */
export const headOf = (config: ModelConfig): Head | undefined => {
  const arch = config.architectures?.[0]
  const numLabels = config.numLabels
  if (arch === undefined || numLabels === undefined) return undefined
  if (arch.endsWith("ForTokenClassification")) return { task: "token-classification", numLabels }
  if (!arch.endsWith("ForSequenceClassification")) return undefined
  return config.problemType === "regression"
    ? { task: "regression", numLabels }
    : { task: "classification", numLabels }
}
