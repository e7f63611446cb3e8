/**
 * Models from and to Hugging Face checkpoints: parameter names map one to one, Linear weights are
 * transposed between PyTorch's `[out, in]` and the model's `[in, out]`, and a head the checkpoint lacks (or
 * holds with another label count) is initialised fresh and reported.
 *
 * @since 0.1.0
 */
import {
  type CheckpointMismatch,
  checkParameters,
  InvalidTensorInput,
  type ModelFolder,
  type ParameterReport,
  Safetensors,
  type WriteModelError,
  type WrittenModelFolder,
  writeModelFolder
} from "@addrop/checkpoint"
import type { Key } from "@addrop/random"
import * as tf from "@tensorflow/tfjs-core"
import { Effect, type FileSystem } from "effect"
import { initialValue } from "./internal/init.js"
import { assemble, type Model, resolveNumLabels } from "./Model.js"
import { decodeResult, headOf, InvalidConfig, toJson } from "./ModelConfig.js"
import { InvalidInput } from "./ModelError.js"
import * as Parameters from "./Parameters.js"
import type { Task } from "./Task.js"

/**
 * A checkpoint in memory: a parsed `config.json` and tensors by name. A `ModelFolder` from
 * `@addrop/checkpoint`'s `readModelFolder` / `readModelFiles` is one.
 *
 * @since 0.1.0
 * @category models
 */
export interface Checkpoint {
  readonly config: unknown
  readonly tensors: ReadonlyMap<string, Safetensors.SafeTensor>
}

/**
 * Options of {@link fromPretrained}.
 *
 * @since 0.1.0
 * @category models
 */
export interface PretrainedOptions {
  /** Defaults to the head the config's `architectures` / `problem_type` describe. */
  readonly task?: Task | undefined
  /** Defaults to the config's label count when it describes the same task, else 2 (1 for regression). */
  readonly numLabels?: number | undefined
  /** Seeds parameters the checkpoint lacks (a new head); they get the values `Model.make` would give. */
  readonly key?: Key.Key | undefined
}

/**
 * A checkpoint tensor renamed on loading (legacy LayerNorm `gamma`/`beta`, a missing `bert.` prefix).
 *
 * @since 0.1.0
 * @category models
 */
export interface Renamed {
  readonly from: string
  readonly to: string
}

/**
 * What loading did: the checkpoint package's report (`matched`, `initialised` — new head parameters —
 * and `unexpected` — checkpoint tensors left unused, e.g. a pre-training head) and the renames applied.
 *
 * @since 0.1.0
 * @category models
 */
export interface LoadReport extends ParameterReport {
  readonly renamed: ReadonlyArray<Renamed>
}

/**
 * A loaded model and how it was loaded.
 *
 * @since 0.1.0
 * @category models
 */
export interface Loaded {
  readonly model: Model
  readonly report: LoadReport
}

/**
 * Every way {@link fromPretrained} can fail: a bad config, a checkpoint that does not fit, a tensor whose
 * dtype is not floating point, a new head without a `key`.
 *
 * @since 0.1.0
 * @category errors
 */
export type PretrainedError = InvalidConfig | InvalidInput | CheckpointMismatch | InvalidTensorInput

/**
 * Hugging Face's own loading renames: LayerNorm `gamma`/`beta` → `weight`/`bias` (old TF-converted BERT
 * checkpoints) and, for a bare encoder checkpoint (`BertModel`, keys `embeddings.…`), the `bert.` /
 * `roberta.` prefix.
 */
const normaliseNames = (
  prefix: string,
  tensors: ReadonlyMap<string, Safetensors.SafeTensor>
): { tensors: Map<string, Safetensors.SafeTensor>; renamed: Array<Renamed> } => {
  const renamed: Array<Renamed> = []
  const bare = ![...tensors.keys()].some((name) => name.startsWith(`${prefix}.`))
  const out = new Map<string, Safetensors.SafeTensor>()
  for (const [name, tensor] of tensors) {
    let to = name
      .replace(/\.LayerNorm\.gamma$/, ".LayerNorm.weight")
      .replace(/\.LayerNorm\.beta$/, ".LayerNorm.bias")
    if (bare && /^(embeddings|encoder|pooler)\./.test(to)) to = `${prefix}.${to}`
    if (to !== name) {
      if (tensors.has(to)) continue // Both spellings present: the canonical one wins, the other is unused.
      renamed.push({ from: name, to })
    }
    out.set(to, tensor)
  }
  return { tensors: out, renamed }
}

const floatValues = (tensor: Safetensors.SafeTensor, name: string): Float32Array => {
  try {
    return Safetensors.toFloat32(tensor, name)
  } catch (error) {
    if (error instanceof InvalidTensorInput) throw error
    throw new InvalidTensorInput({
      tensor: name,
      detail: error instanceof Error ? error.message : String(error)
    })
  }
}

/**
 * Builds a model from a Hugging Face checkpoint. The model type (BERT or RoBERTa) comes from
 * `config.model_type`; every parameter of the model must be in the checkpoint with its Hugging Face shape,
 * except the head's, which are initialised from `options.key` when absent or of another shape (a
 * pre-training checkpoint, or another label count) and listed in `report.initialised`. Unused checkpoint
 * tensors are listed in `report.unexpected`.
 *
 * @example
 * ```ts
 * import { readModelFolder } from "@addrop/checkpoint"
 * import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
 * import { Effect } from "effect"
 * import { Pretrained } from "@addrop/models"
 *
 * const { model, report } = await Effect.runPromise(
 *   readModelFolder("bert-base-uncased").pipe(
 *     Effect.flatMap((folder) => Pretrained.fromPretrained(folder, { task: "classification", numLabels: 2 })),
 *     Effect.provide(NodeFileSystem.layer)
 *   )
 * )
 * console.log(report.initialised) // ["classifier.weight", "classifier.bias"]
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const fromPretrained = (
  checkpoint: Checkpoint | ModelFolder,
  options: PretrainedOptions = {}
): Effect.Effect<Loaded, PretrainedError> =>
  Effect.gen(function* () {
    const config = yield* Effect.fromResult(decodeResult(checkpoint.config))
    const described = headOf(config)
    const task = options.task ?? described?.task
    if (task === undefined) {
      return yield* Effect.fail(
        new InvalidConfig({
          field: "architectures",
          value: config.architectures,
          reason: "names no classification head; pass options.task"
        })
      )
    }
    const configLabels = described?.task === task ? described.numLabels : undefined
    const numLabels = yield* Effect.fromResult(
      resolveNumLabels({ ...config, numLabels: configLabels }, task, options.numLabels)
    )
    const { tensors, renamed } = normaliseNames(Parameters.prefix(config), checkpoint.tensors)
    const specs = Parameters.all(config, task, numLabels)
    const headNames = new Set(Parameters.head(config, task, numLabels).map((s) => s.name))
    const report = yield* checkParameters(specs, tensors, { initialise: (name) => headNames.has(name) })
    const fresh = new Set(report.initialised)
    if (fresh.size > 0 && options.key === undefined) {
      return yield* Effect.fail(
        new InvalidInput({
          input: "key",
          reason: `the checkpoint lacks ${[...fresh].join(", ")}; pass options.key to initialise the new head`
        })
      )
    }
    // Check every dtype before creating any tensor.
    const values = yield* Effect.try({
      try: () =>
        new Map(
          specs
            .filter((s) => !fresh.has(s.name))
            .map((s) => [s.name, floatValues(tensors.get(s.name)!, s.name)] as const)
        ),
      catch: (error) =>
        error instanceof InvalidTensorInput
          ? error
          : new InvalidTensorInput({ detail: error instanceof Error ? error.message : String(error) })
    })
    const model = assemble(config, task, numLabels, (spec, index) => {
      if (fresh.has(spec.name)) return initialValue(config, spec, index, options.key!)
      return tf.tidy(() => {
        const t = tf.tensor(values.get(spec.name)!, [...spec.shape], "float32")
        return spec.transposed ? tf.transpose(t) : t
      })
    })
    return { model, report: { ...report, renamed } }
  })

/**
 * The model's parameters as Hugging Face tensors (float32, PyTorch layout: Linear weights `[out, in]`), in
 * Hugging Face's module order. Reads asynchronously, so it works on every backend.
 *
 * @since 0.1.0
 * @category saving
 */
export const toHfTensors = (model: Model): Effect.Effect<Map<string, Safetensors.SafeTensor>> =>
  Effect.promise(async () => {
    const out = new Map<string, Safetensors.SafeTensor>()
    for (const spec of model.specs) {
      const variable = model.parameters.get(spec.name)!
      const hf = spec.transposed ? tf.transpose(variable) : variable
      const data = (await hf.data()) as Float32Array
      if (hf !== variable) hf.dispose()
      out.set(spec.name, { dtype: "F32", shape: [...spec.shape], data: Float32Array.from(data) })
    }
    return out
  })

/**
 * The model's `config.json`, with `architectures`, labels and `problem_type` for its head.
 *
 * @since 0.1.0
 * @category saving
 */
export const toHfConfig = (model: Model): Record<string, unknown> & { readonly model_type: string } =>
  toJson(model.config, { task: model.task, numLabels: model.numLabels }) as Record<string, unknown> & {
    readonly model_type: string
  }

/**
 * Writes the model as a Hugging Face folder (`config.json` + `model.safetensors`, atomically) that
 * `AutoModelFor….from_pretrained` loads. Needs Effect's `FileSystem` (e.g. `NodeFileSystem.layer`).
 *
 * @since 0.1.0
 * @category saving
 */
export const save = (
  model: Model,
  dir: string,
  extraFiles?: Readonly<Record<string, Uint8Array | string>>
): Effect.Effect<WrittenModelFolder, WriteModelError, FileSystem.FileSystem> =>
  Effect.flatMap(toHfTensors(model), (tensors) =>
    writeModelFolder(dir, { config: toHfConfig(model), tensors, extraFiles })
  )
