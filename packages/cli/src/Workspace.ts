/**
 * What a command works on: the model (a Hugging Face folder or a randomly initialised preset), its
 * tokenizer, and a GLUE task's data, turned into batches and scores.
 *
 * @since 0.1.0
 */
import { existsSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { readModelFolder } from "@addrop/checkpoint"
import {
  Batch,
  type BatchEncodeFailed,
  Dataset,
  Glue,
  type InvalidDataOption,
  type LoadError,
  Sampling
} from "@addrop/data"
import { evaluate as glueEvaluate } from "@addrop/metrics"
import { Model, Presets, Pretrained } from "@addrop/models"
import { Key } from "@addrop/random"
import { Tokenizer } from "@addrop/tokenizer"
import { Evaluate } from "@addrop/trainer"
import type { Trainer } from "@addrop/trainer"
import { Effect, type FileSystem, Stream } from "effect"
import * as Assets from "./Assets.js"
import { type HeaderlessFile, InvalidOption, MissingInput } from "./CliError.js"
import * as DataLayout from "./DataLayout.js"

/**
 * The model task and label count of a GLUE task.
 *
 * @since 0.1.0
 * @category tasks
 */
export const headOf = (
  task: Glue.TaskName
): { readonly task: Model.Model["task"]; readonly numLabels: number } => {
  const labels = Glue.tasks[task].labels
  return labels.kind === "regression"
    ? { task: "regression", numLabels: 1 }
    : { task: "classification", numLabels: labels.names.length }
}

/**
 * A loaded model and where it came from.
 *
 * @since 0.1.0
 * @category models
 */
export interface LoadedModel {
  readonly model: Model.Model
  /** Whether the weights came from a checkpoint (false: a randomly initialised preset). */
  readonly pretrained: boolean
  readonly description: string
  readonly tokenizer: Tokenizer.Tokenizer
  /** The tokenizer's files, copied next to saved models so that they are self-contained. */
  readonly tokenizerFiles: Readonly<Record<string, Uint8Array>>
}

const presetNames = Object.keys(Presets.byName)

const tokenizerFilesOf = (dir: string): Record<string, Uint8Array> => {
  const out: Record<string, Uint8Array> = {}
  for (const name of [
    "tokenizer.json",
    "vocab.txt",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.json",
    "merges.txt"
  ]) {
    const path = join(dir, name)
    if (existsSync(path)) out[name] = new Uint8Array(readFileSync(path))
  }
  return out
}

const loadTokenizer = (dir: string) =>
  Tokenizer.fromDirectory(dir).pipe(
    Effect.map((tokenizer) => ({ tokenizer, tokenizerFiles: tokenizerFilesOf(dir) })),
    Effect.mapError(
      (e) =>
        new MissingInput({ path: dir, reason: `no usable tokenizer (${e.message}); pass --tokenizer DIR` })
    )
  )

/**
 * Loads `--model`: a preset name gives a randomly initialised model (seeded by `seed`) with the
 * bert-base-uncased tokenizer; a folder is read as a Hugging Face checkpoint (a head it lacks is initialised).
 *
 * @since 0.1.0
 * @category models
 */
export const loadModel = (options: {
  readonly model: string
  readonly tokenizer: string | undefined
  readonly head: ReturnType<typeof headOf>
  readonly seed: number
}): Effect.Effect<
  LoadedModel,
  InvalidOption | MissingInput | Pretrained.PretrainedError | import("@addrop/checkpoint").ReadModelError,
  FileSystem.FileSystem
> =>
  Effect.gen(function* () {
    const key = Key.foldAll(Key.make(options.seed), [Key.Purpose.init])
    if (presetNames.includes(options.model)) {
      const config = Presets.byName[options.model as Presets.PresetName]
      if (config.modelType === "roberta" && options.tokenizer === undefined) {
        return yield* new InvalidOption({
          option: "tokenizer",
          value: undefined,
          reason: "the roberta-base preset needs a byte-level BPE tokenizer folder (--tokenizer DIR)"
        })
      }
      const model = yield* Model.make(config, { ...options.head, key })
      const { tokenizer, tokenizerFiles } = yield* loadTokenizer(options.tokenizer ?? Assets.bertTokenizer())
      return {
        model,
        pretrained: false,
        description: `${options.model} preset (${config.numHiddenLayers} layers, hidden ${config.hiddenSize}), randomly initialised`,
        tokenizer,
        tokenizerFiles
      }
    }
    if (!existsSync(options.model) || !statSync(options.model).isDirectory()) {
      return yield* new InvalidOption({
        option: "model",
        value: options.model,
        reason: `is neither a model folder nor a preset (${presetNames.join(", ")})`
      })
    }
    const folder = yield* readModelFolder(options.model)
    const { model } = yield* Pretrained.fromPretrained(folder, { ...options.head, key })
    const { tokenizer, tokenizerFiles } = yield* loadTokenizer(options.tokenizer ?? options.model)
    return {
      model,
      pretrained: true,
      description: `${options.model} (${folder.config.model_type})`,
      tokenizer,
      tokenizerFiles
    }
  })

/** The first of `DIR/NAME.EXT` that exists, for the extensions `--format` allows (all, without it). */
const inFolder = (dir: string, names: ReadonlyArray<string>, format: string | undefined) =>
  names.flatMap((n) => DataLayout.extensions(format).map((ext) => join(dir, `${n}.${ext}`))).find(existsSync)

const expected = (dir: string, name: string, format: string | undefined) =>
  DataLayout.extensions(format)
    .map((ext) => join(dir, `${name}.${ext}`))
    .join(" or ")

/**
 * The train and dev files of a task: `--train`/`--dev`, or `--data DIR` (train.tsv, dev.tsv; MNLI's
 * dev_matched.tsv; train/dev .csv or .jsonl — the extension `--format` names, or the first found of tsv,
 * csv, jsonl), or the embedded SST-2 sample.
 *
 * @since 0.1.0
 * @category data
 */
export const dataFiles = (options: {
  readonly task: Glue.TaskName
  readonly data: string | undefined
  readonly train: string | undefined
  readonly dev: string | undefined
  readonly format?: string | undefined
}): Effect.Effect<
  { readonly train: string; readonly dev: string; readonly embedded: boolean },
  MissingInput | InvalidOption
> =>
  Effect.gen(function* () {
    if (options.train !== undefined && options.dev !== undefined) {
      for (const path of [options.train, options.dev])
        if (!existsSync(path)) return yield* new MissingInput({ path, reason: "no such file" })
      return { train: options.train, dev: options.dev, embedded: false }
    }
    if (options.data === undefined) {
      if (options.task !== "sst2") {
        return yield* new InvalidOption({
          option: "data",
          value: undefined,
          reason: `task ${options.task} needs --data DIR or --train/--dev (only SST-2 is embedded)`
        })
      }
      const dir = Assets.sst2Sample()
      return { train: join(dir, "train.tsv"), dev: join(dir, "dev.tsv"), embedded: true }
    }
    const train = inFolder(options.data, ["train"], options.format)
    if (train === undefined)
      return yield* new MissingInput({
        path: expected(options.data, "train", options.format),
        reason: "no such file (expected a folder with train and dev files, e.g. GLUE's train.tsv and dev.tsv)"
      })
    const dev = yield* devFile({
      task: options.task,
      data: options.data,
      dev: undefined,
      format: options.format
    })
    return { train, dev, embedded: false }
  })

/**
 * The dev file of a task: `--dev`, or `DIR/dev.tsv` (MNLI: `dev_matched.tsv`; or dev.csv, dev.jsonl as for
 * {@link dataFiles}) of `--data`, or the embedded SST-2 sample's.
 *
 * @since 0.1.0
 * @category data
 */
export const devFile = (options: {
  readonly task: Glue.TaskName
  readonly data: string | undefined
  readonly dev: string | undefined
  readonly format?: string | undefined
}): Effect.Effect<string, MissingInput | InvalidOption> =>
  Effect.gen(function* () {
    if (options.dev !== undefined) {
      return existsSync(options.dev)
        ? options.dev
        : yield* new MissingInput({ path: options.dev, reason: "no such file" })
    }
    if (options.data === undefined) {
      if (options.task !== "sst2") {
        return yield* new InvalidOption({
          option: "data",
          value: undefined,
          reason: `task ${options.task} needs --data DIR or --dev FILE`
        })
      }
      return join(Assets.sst2Sample(), "dev.tsv")
    }
    const dev = inFolder(options.data, ["dev", "dev_matched"], options.format)
    return (
      dev ??
      (yield* new MissingInput({
        path: expected(options.data, "dev", options.format),
        reason: "no such file"
      }))
    )
  })

/**
 * Loads a labelled file, keeping the first `limit` examples: in the task's GLUE layout, or with `layout`'s
 * columns and format through the generic loader (see {@link DataLayout.sourceFor}). A file that looks
 * headerless fails with a {@link HeaderlessFile} that shows its first row and the flags to add.
 *
 * @since 0.1.0
 * @category data
 */
export const loadExamples = (
  task: Glue.TaskName,
  file: string,
  limit?: number,
  layout: DataLayout.DataLayout = DataLayout.glue
): Effect.Effect<Dataset.LoadResult, LoadError | InvalidOption | HeaderlessFile, FileSystem.FileSystem> =>
  DataLayout.sourceFor(task, file, layout).pipe(
    Effect.flatMap((source) =>
      (source === undefined ? Glue.loadAll(task, file) : Dataset.loadAll(file, source)).pipe(
        Effect.mapError(DataLayout.explainLoadError(task, layout, true))
      )
    ),
    Effect.map((dataset) =>
      limit === undefined || dataset.examples.length <= limit
        ? dataset
        : { ...dataset, examples: dataset.examples.slice(0, limit) }
    )
  )

/**
 * Loads a file for prediction, without labels (a label column is ignored): in the task's GLUE layouts, or
 * through the generic loader with `layout`'s columns (examples numbered by row).
 *
 * @since 0.1.0
 * @category data
 */
export const loadInputs = (
  task: Glue.TaskName,
  file: string,
  layout: DataLayout.DataLayout = DataLayout.glue
): Effect.Effect<
  Dataset.UnlabelledLoadResult,
  LoadError | InvalidOption | HeaderlessFile,
  FileSystem.FileSystem
> =>
  DataLayout.inputSourceFor(task, file, layout).pipe(
    Effect.flatMap((source) =>
      (source === undefined ? Glue.loadUnlabelled(task, file) : Dataset.loadAll(file, source)).pipe(
        Effect.mapError(DataLayout.explainLoadError(task, layout, false))
      )
    )
  )

/**
 * The few-shot training set of `--shots K`: K examples per class drawn with the run's seed (the paper's
 * low-resource SST-2 runs use 16, 64 and 256), in file order; all examples when `shots` is undefined. A class
 * with fewer than K examples fails as an `InvalidOption` of `--shots` naming the class and its count, so the
 * user knows the largest K that works.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Workspace } from "@addrop/cli"
 * // 32 examples of SST-2: 16 negative, 16 positive, the same for seed 42 on every runtime
 * const fewShot = Workspace.loadExamples("sst2", "train.tsv").pipe(
 *   Effect.flatMap((train) => Workspace.sampleShots(train, 16, 42))
 * )
 * ```
 * @since 0.1.0
 * @category data
 */
export const sampleShots = (
  dataset: Dataset.LoadResult,
  shots: number | undefined,
  seed: number
): Effect.Effect<Dataset.LoadResult, InvalidOption> =>
  shots === undefined
    ? Effect.succeed(dataset)
    : Sampling.fewShot(dataset, { perClass: shots, seed }).pipe(
        Effect.mapError(
          (e) =>
            new InvalidOption({
              option: "shots",
              value: shots,
              reason:
                e._tag === "NotEnoughExamples"
                  ? `class "${e.label}" has only ${e.available} training examples in ${dataset.file}; use --shots ${e.available} or fewer`
                  : e.reason
            })
        )
      )

/**
 * Batches of a dataset in file order, tokenized (all of them, for evaluation after every epoch). A batch
 * that cannot be encoded fails with the data package's `BatchEncodeFailed`.
 *
 * @since 0.1.0
 * @category data
 */
export const orderedBatches = (
  dataset: Parameters<typeof Batch.collate>[0],
  tokenizer: Tokenizer.Tokenizer,
  batchSize: number,
  maxLength: number
): Effect.Effect<Array<Batch.Batch>, BatchEncodeFailed | InvalidDataOption> =>
  Stream.runCollect(Batch.batches(dataset, { tokenizer, batchSize, maxLength }))

/**
 * Training batches: shuffled per (seed, epoch), last partial batch dropped, tokenized lazily as the
 * trainer pulls them (an encoding failure fails the run with `BatchEncodeFailed`).
 *
 * @since 0.1.0
 * @category data
 */
export const trainData = (
  dataset: Parameters<typeof Batch.collate>[0],
  tokenizer: Tokenizer.Tokenizer,
  options: { readonly batchSize: number; readonly maxLength: number; readonly seed: number }
): Trainer.TrainData<BatchEncodeFailed | InvalidDataOption> => ({
  stepsPerEpoch: Math.floor(dataset.examples.length / options.batchSize),
  batches: (epoch) =>
    Batch.batches(dataset, {
      tokenizer,
      batchSize: options.batchSize,
      maxLength: options.maxLength,
      shuffle: { seed: options.seed, epoch },
      dropLast: true
    })
})

/**
 * Scores a model on a task's dev batches with the task's GLUE metrics.
 *
 * @since 0.1.0
 * @category evaluation
 */
export const evaluator =
  (task: Glue.TaskName, batches: ReadonlyArray<Batch.Batch>): Evaluate.Evaluator =>
  (model) =>
    Evaluate.predict(model, batches).pipe(
      // Predictions and labels come from the model and the validated dataset: a metric error is a bug.
      Effect.flatMap(({ predictions, labels }) =>
        Effect.orDie(Effect.fromResult(glueEvaluate(task, predictions, labels)))
      ),
      Effect.map((scores) => {
        const { main, ...metrics } = scores as unknown as Record<string, number>
        return { metrics, main: main! }
      })
    )
