/**
 * Where a session's model, tokenizer and data come from, as bytes and text (what a browser has: files dropped
 * on the page, assets fetched from the server): a preset initialised from a seed or a Hugging Face model folder
 * (`config.json`, `model.safetensors`, `tokenizer.json` or `vocab.txt`), and a TSV/CSV of labelled text.
 *
 * @since 0.1.0
 */
import { readModelFiles } from "@addrop/checkpoint"
import { Dataset } from "@addrop/data"
import { Model, Presets, Pretrained } from "@addrop/models"
import { Key } from "@addrop/random"
import { Tokenizer } from "@addrop/tokenizer"
import { Data, Effect } from "effect"

/**
 * Files the page cannot use: none of the expected names, or a table without a text or label column.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnusableFiles extends Data.TaggedError("UnusableFiles")<{
  readonly reason: string
}> {
  override get message() {
    return this.reason
  }
}

/**
 * A tokenizer from a folder's files: `tokenizer.json` when present, else BERT's `vocab.txt`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const tokenizerFromFiles = (files: ReadonlyMap<string, Uint8Array>, config?: unknown) =>
  Effect.gen(function* () {
    const text = (name: string) => new TextDecoder().decode(files.get(name))
    if (files.has("tokenizer.json")) {
      const json = yield* Effect.try({
        try: () => JSON.parse(text("tokenizer.json")) as unknown,
        catch: (cause) => new UnusableFiles({ reason: `tokenizer.json is not JSON: ${String(cause)}` })
      })
      const modelType = (config as { model_type?: unknown } | undefined)?.model_type
      return yield* Tokenizer.fromJson(json, {
        config,
        modelType: typeof modelType === "string" ? modelType : undefined
      })
    }
    if (files.has("vocab.txt")) return yield* Tokenizer.fromVocab(text("vocab.txt"), { doLowerCase: true })
    return yield* new UnusableFiles({ reason: "the folder has neither tokenizer.json nor vocab.txt" })
  })

/**
 * A classifier from a preset, its weights drawn from `seed`; the preset's vocabulary is cut to the
 * tokenizer's size when that is smaller.
 *
 * @since 0.1.0
 * @category constructors
 */
export const presetModel = (name: Presets.PresetName, vocabSize: number, seed: number) =>
  Model.make(
    { ...Presets.byName[name], vocabSize: Math.min(vocabSize, Presets.byName[name].vocabSize) },
    { task: "classification", numLabels: 2, key: Key.make(seed) }
  )

/**
 * A classifier and its tokenizer from a Hugging Face model folder's files; a new head is drawn from `seed`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const folderModel = (files: ReadonlyMap<string, Uint8Array>, seed: number) =>
  Effect.gen(function* () {
    const folder = yield* readModelFiles(files, { dir: "dropped folder" })
    const tokenizer = yield* tokenizerFromFiles(files, folder.config)
    const { model, report } = yield* Pretrained.fromPretrained(folder, {
      task: "classification",
      numLabels: 2,
      key: Key.make(seed)
    })
    return { model, tokenizer, report }
  })

/** Header names taken for the text and the label column, in order of preference. */
const TEXT_COLUMNS = ["sentence", "text", "review", "content"]
const LABEL_COLUMNS = ["label", "labels", "class", "sentiment"]

/**
 * Labelled text from a TSV or CSV file's bytes (by its name's extension; a header row names the columns):
 * the text column is `sentence`, `text`, `review` or `content`, the label column `label`, `labels`, `class`
 * or `sentiment`, with labels 0/1 (or `negative`/`positive`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as Sources from "./Sources.js"
 * const train = await Effect.runPromise(Sources.labelledText("train.tsv", bytes))
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const labelledText = (name: string, bytes: Uint8Array) =>
  Effect.gen(function* () {
    const format = /\.csv$/i.test(name) ? "csv" : "tsv"
    const firstLine = new TextDecoder().decode(bytes.subarray(0, 4096)).split("\n")[0] ?? ""
    const header = firstLine
      .replace(/\r$/, "")
      .split(format === "csv" ? "," : "\t")
      .map((h) => h.trim().replace(/^"|"$/g, ""))
    // The column as the header spells it, matched without regard to case.
    const column = (names: ReadonlyArray<string>) =>
      names.flatMap((name) => header.filter((h) => h.toLowerCase() === name))[0]
    const text = column(TEXT_COLUMNS)
    const label = column(LABEL_COLUMNS)
    if (text === undefined || label === undefined) {
      return yield* new UnusableFiles({
        reason: `${name}: its header (${header.join(", ")}) needs a text column (${TEXT_COLUMNS.join("/")}) and a label column (${LABEL_COLUMNS.join("/")})`
      })
    }
    return yield* Dataset.fromText(name, bytes, {
      format,
      columns: { text, label },
      labels: {
        kind: "classification",
        names: ["negative", "positive"],
        map: { "0": 0, "1": 1, negative: 0, positive: 1 }
      },
      onBadRow: "skip"
    })
  })
