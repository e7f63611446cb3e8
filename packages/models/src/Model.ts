/**
 * A BERT or RoBERTa encoder with a classification, regression or token-classification head, holding one
 * `tf.Variable` per Hugging Face tensor.
 *
 * @since 0.1.0
 */
import { AttentionKernel, type Intervention } from "@addrop/attention"
import type { Key } from "@addrop/random"
import * as tf from "@tensorflow/tfjs-core"
import { Effect, Result, type Scope } from "effect"
import { type Lookup, run } from "./internal/encoder.js"
import { initialValue } from "./internal/init.js"
import {
  checkBatchShapes,
  checkBatchValues,
  checkBatchValuesSync,
  checkOptions,
  syncReadsAreCheap
} from "./internal/validate.js"
import { InvalidConfig, type ModelConfig, validate } from "./ModelConfig.js"
import { InvalidInput } from "./ModelError.js"
import * as Parameters from "./Parameters.js"
import type { Task } from "./Task.js"

/**
 * A batch of token sequences.
 *
 * @since 0.1.0
 * @category models
 */
export interface Batch {
  /** Token ids `[B,L]`, int32, each in `[0, vocab_size)`. */
  readonly inputIds: tf.Tensor2D
  /** `[B,L]`: 1 for real tokens, 0 for padding (any numeric dtype or bool). */
  readonly attentionMask: tf.Tensor2D
  /** Segment ids `[B,L]`, int32, each in `[0, type_vocab_size)`; zeros when omitted. */
  readonly tokenTypeIds?: tf.Tensor2D | undefined
}

/**
 * Options of {@link Model.forward}.
 *
 * @since 0.1.0
 * @category models
 */
export interface ForwardOptions {
  /** Training mode applies dropout (hidden, attention-probability and classifier dropout). */
  readonly training: boolean
  /**
   * The key all dropout masks derive from; required when training with any dropout rate above 0. Each
   * dropout site folds its own fixed index into it, so two forwards with the same key draw the same masks.
   */
  readonly dropoutKey?: Key.Key | undefined
  /** Per-layer attention interventions (AD-Drop score biases, probability taps), keyed by layer index. */
  readonly interventions?: Intervention.Interventions | undefined
  /** Also return every layer's attention probabilities `[B,H,L,L]` (after `mapProbs`, before dropout). */
  readonly outputAttentions?: boolean | undefined
  /**
   * Check the values of the batch (ids inside the vocabulary, 0/1 mask) by reading it synchronously.
   * Defaults to true except on webgpu, where a synchronous read stalls: there, use {@link checkBatch}.
   */
  readonly checkValues?: boolean | undefined
}

/**
 * The result of {@link Model.forward}; its tensors belong to the caller.
 *
 * @since 0.1.0
 * @category models
 */
export interface ForwardOutput {
  /** `[B,C]` (classification), `[B]` (regression) or `[B,L,C]` (token classification). */
  readonly logits: tf.Tensor
  /** With `outputAttentions`: one `[B,H,L,L]` tensor per layer. */
  readonly attentions?: ReadonlyArray<tf.Tensor4D> | undefined
}

/**
 * An encoder with its head.
 *
 * @since 0.1.0
 * @category models
 */
export interface Model {
  readonly config: ModelConfig
  readonly task: Task
  readonly numLabels: number
  readonly numLayers: number
  readonly numHeads: number
  /** Every parameter's Hugging Face name, shape and layout, in Hugging Face's module order. */
  readonly specs: ReadonlyArray<Parameters.ParameterSpec>
  /** Hugging Face tensor name → variable (Linear weights stored `[in, out]`, see `specs`). */
  readonly parameters: ReadonlyMap<string, tf.Variable>
  /** The variables, in `specs` order (a fresh array each time, ready for `tf.variableGrads`). */
  readonly trainableVariables: Array<tf.Variable>
  /**
   * Logits (and optionally attention probabilities) for a batch. Usable inside `tf.grads` /
   * `tf.variableGrads`; it leaves no tensors behind but the ones it returns. Throws {@link InvalidInput}.
   */
  readonly forward: (batch: Batch, options: ForwardOptions) => ForwardOutput
  /** The shape `[B,H,L,L]` of one layer's attention for a batch. */
  readonly attentionShape: (batch: Batch) => [number, number, number, number]
  /** Disposes every variable; the model cannot be used afterwards. */
  readonly dispose: () => void
  readonly isDisposed: boolean
}

/**
 * Options of {@link make}.
 *
 * @since 0.1.0
 * @category models
 */
export interface MakeOptions {
  readonly task: Task
  /** Defaults to the config's label count, else 2 (classification) or 1 (regression). */
  readonly numLabels?: number | undefined
  /** The initialisation key; the same key gives identical weights on every backend. */
  readonly key: Key.Key
  /**
   * The self-attention kernel every layer runs (default: the generic tfjs `selfAttention`); {@link makeWith}
   * takes it from the `AttentionKernel` service.
   */
  readonly attentionKernel?: AttentionKernel.Kernel | undefined
}

let serial = 0

/** @internal Builds a model whose parameter i starts from `value(spec, i)` (stored layout). */
export const assemble = (
  config: ModelConfig,
  task: Task,
  numLabels: number,
  value: (spec: Parameters.ParameterSpec, index: number) => tf.Tensor,
  kernel?: AttentionKernel.Kernel | undefined
): Model => {
  const specs = Parameters.all(config, task, numLabels)
  const id = serial++
  const parameters = new Map<string, tf.Variable>()
  try {
    specs.forEach((spec, index) => {
      const initial = value(spec, index)
      const expected = Parameters.storedShape(spec)
      if (!tf.util.arraysEqual(initial.shape, expected)) {
        throw new Error(`parameter ${spec.name}: value has shape [${initial.shape}], expected [${expected}]`)
      }
      parameters.set(spec.name, tf.variable(initial, true, `addrop.models/${id}/${spec.name}`, "float32"))
      initial.dispose()
    })
  } catch (error) {
    for (const v of parameters.values()) v.dispose()
    throw error
  }
  const variables = specs.map((s) => parameters.get(s.name)!)
  const get: Lookup = (name) => {
    const v = parameters.get(name)
    if (v === undefined) throw new Error(`internal: model has no parameter ${name}`)
    return v
  }
  const rate = config.classifierDropout ?? config.hiddenDropoutProb
  const usesDropout = config.hiddenDropoutProb > 0 || config.attentionProbsDropoutProb > 0 || rate > 0
  let disposed = false
  const model: Model = {
    config,
    task,
    numLabels,
    numLayers: config.numHiddenLayers,
    numHeads: config.numAttentionHeads,
    specs,
    parameters,
    get trainableVariables() {
      return [...variables]
    },
    get isDisposed() {
      return disposed
    },
    forward: (batch, options) => {
      if (disposed) throw new InvalidInput({ input: "model", reason: "the model has been disposed" })
      checkBatchShapes(config, batch)
      checkOptions(config, options, usesDropout)
      if (options.checkValues ?? syncReadsAreCheap()) checkBatchValuesSync(config, batch)
      return run(config, task, get, batch, options, kernel)
    },
    attentionShape: (batch) => {
      checkBatchShapes(config, batch)
      const [size, length] = batch.inputIds.shape
      return [size, config.numAttentionHeads, length, length]
    },
    dispose: () => {
      if (disposed) return
      disposed = true
      for (const v of variables) v.dispose()
    }
  }
  return model
}

/** @internal The label count for a task, validated. */
export const resolveNumLabels = (
  config: ModelConfig,
  task: Task,
  numLabels: number | undefined
): Result.Result<number, InvalidConfig> => {
  const n = numLabels ?? config.numLabels ?? (task === "regression" ? 1 : 2)
  if (!Number.isSafeInteger(n) || n < 1)
    return Result.fail(
      new InvalidConfig({ field: "num_labels", value: n, reason: "must be a positive integer" })
    )
  if (task === "regression" && n !== 1)
    return Result.fail(
      new InvalidConfig({ field: "num_labels", value: n, reason: "must be 1 for regression" })
    )
  if (task === "classification" && n < 2)
    return Result.fail(
      new InvalidConfig({ field: "num_labels", value: n, reason: "must be at least 2 for classification" })
    )
  return Result.succeed(n)
}

/**
 * Builds a randomly initialised model, validating the configuration: Linear and embedding weights
 * ~ N(0, initializer_range) seeded from `key`, zero biases, LayerNorm γ = 1 and β = 0, and the padding
 * row of the word embeddings zeroed, as Hugging Face initialises BERT.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Key } from "@addrop/random"
 * import { Model, Presets } from "@addrop/models"
 *
 * const model = await Effect.runPromise(
 *   Model.make(Presets.tiny, { task: "classification", numLabels: 2, key: Key.make(42) })
 * )
 * const { logits } = model.forward({ inputIds, attentionMask }, { training: false })
 * model.dispose()
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const make = (config: ModelConfig, options: MakeOptions): Effect.Effect<Model, InvalidConfig> =>
  Effect.suspend(() => Effect.fromResult(makeResult(config, options)))

const makeResult = (config: ModelConfig, options: MakeOptions): Result.Result<Model, InvalidConfig> => {
  const valid = validate(config)
  if (Result.isFailure(valid)) return Result.fail(valid.failure)
  const numLabels = resolveNumLabels(valid.success, options.task, options.numLabels)
  if (Result.isFailure(numLabels)) return Result.fail(numLabels.failure)
  const checked = valid.success
  return Result.succeed(
    assemble(
      checked,
      options.task,
      numLabels.success,
      (spec, index) => initialValue(checked, spec, index, options.key),
      options.attentionKernel
    )
  )
}

/**
 * {@link make} with the self-attention kernel of the `AttentionKernel` service: a backend-specific fused
 * kernel is a layer, and the program building the model does not name it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AttentionKernel } from "@addrop/attention"
 * import { Model, Presets } from "@addrop/models"
 * import { Key } from "@addrop/random"
 * const model = Model.makeWith(Presets.tiny, { task: "classification", key: Key.make(0) }).pipe(
 *   Effect.provide(AttentionKernel.layerTfjs)
 * )
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const makeWith = (
  config: ModelConfig,
  options: Omit<MakeOptions, "attentionKernel">
): Effect.Effect<Model, InvalidConfig, AttentionKernel.AttentionKernel> =>
  AttentionKernel.AttentionKernel.use((kernel) =>
    make(config, { ...options, attentionKernel: kernel.selfAttention })
  )

/**
 * {@link make} that throws the {@link InvalidConfig} on failure.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeUnsafe = (config: ModelConfig, options: MakeOptions): Model => {
  const result = makeResult(config, options)
  if (Result.isFailure(result)) throw result.failure
  return result.success
}

/**
 * {@link make} as a scoped resource: the model's variables are disposed when the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const scoped = (
  config: ModelConfig,
  options: MakeOptions
): Effect.Effect<Model, InvalidConfig, Scope.Scope> =>
  Effect.acquireRelease(make(config, options), (model) => Effect.sync(() => model.dispose()))

/**
 * Checks a batch against a model by reading it asynchronously (the way to validate values on webgpu):
 * shapes and dtypes, ids inside the vocabulary, token types inside the type vocabulary, a 0/1 mask.
 *
 * @since 0.1.0
 * @category validation
 */
export const checkBatch = (model: Model, batch: Batch): Effect.Effect<void, InvalidInput> =>
  Effect.gen(function* () {
    yield* Effect.try({
      try: () => checkBatchShapes(model.config, batch),
      catch: (error) => asInvalidInput(error)
    })
    const [inputIds, attentionMask, tokenTypeIds] = yield* Effect.promise(() =>
      Promise.all([batch.inputIds.data(), batch.attentionMask.data(), batch.tokenTypeIds?.data()])
    )
    yield* Effect.try({
      try: () =>
        checkBatchValues(model.config, {
          inputIds: inputIds as ArrayLike<number>,
          attentionMask: attentionMask as ArrayLike<number>,
          tokenTypeIds: tokenTypeIds as ArrayLike<number> | undefined
        }),
      catch: (error) => asInvalidInput(error)
    })
  })

/**
 * The checks throw {@link InvalidInput}; anything else they throw (a `TypeError` from a batch that is not
 * shaped like one, say) is reported the same way, naming the batch, so nothing escapes as a defect.
 */
const asInvalidInput = (error: unknown): InvalidInput =>
  error instanceof InvalidInput
    ? error
    : new InvalidInput({ input: "batch", reason: error instanceof Error ? error.message : String(error) })
