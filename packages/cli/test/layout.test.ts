/**
 * Reading any TSV, CSV or JSON Lines file: the data flags' validation, the generic source they resolve to,
 * the headerless-file message, and loading files generated from the SST-2 sample's rows.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { glueSample } from "@addrop/fixtures"
import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { DataLayout, TrainOptions, Workspace } from "../src/index.js"

const dir = mkdtempSync(join(tmpdir(), "addrop-layout-"))
const layout = (l: Partial<DataLayout.DataLayout>): DataLayout.DataLayout => ({ ...DataLayout.glue, ...l })
const run = <A, E>(e: Effect.Effect<A, E>) => Effect.runSync(e)
const failure = <A, E>(e: Effect.Effect<A, E>) => Effect.runSync(Effect.flip(e))

// The SST-2 sample's first rows (header sentence, label), rewritten label first without a header.
const rows = readFileSync(glueSample("sst2", "train.tsv"), "utf8")
  .trim()
  .split("\n")
  .slice(1, 41)
  .map((l) => {
    const [sentence, label] = l.split("\t")
    return { sentence: sentence!, label: label! }
  })
const csvQuote = (s: string) => `"${s.replace(/"/g, '""')}"`
const files = {
  tsv: join(dir, "train.tsv"),
  csv: join(dir, "train.csv"),
  jsonl: join(dir, "train.jsonl"),
  txt: join(dir, "train.txt")
}
writeFileSync(files.tsv, `${rows.map((r) => `${r.label}\t${r.sentence}`).join("\n")}\n`)
writeFileSync(files.csv, `${rows.map((r) => `${r.label},${csvQuote(r.sentence)}`).join("\n")}\n`)
writeFileSync(
  files.jsonl,
  `${rows.map((r) => JSON.stringify({ review: r.sentence, stars: Number(r.label) })).join("\n")}\n`
)
writeFileSync(files.txt, readFileSync(files.tsv))

describe("DataLayout.validate", () => {
  it.each([
    [{ format: "xlsx" }, "--format xlsx: expected one of tsv, csv, jsonl"],
    [{ format: "jsonl", header: false }, "--header false: JSON Lines has no header"],
    [
      { header: false, textColumn: "sentence" },
      "--text-column sentence: without a header (--no-header), columns are 0-based"
    ],
    [{ header: false, textColumn: "1", labelColumn: "-1" }, "--label-column -1: without a header"],
    [{ labelColumn: " " }, "--label-column: is empty"]
  ])("rejects %o", (input, message) => {
    const error = failure(DataLayout.validate(layout(input)))
    expect(error._tag).toBe("InvalidOption")
    expect(error.message).toContain(message)
  })
  it("accepts names with a header and indices without one", () => {
    expect(run(DataLayout.validate(layout({ textColumn: "review", labelColumn: "stars" })))).toBeDefined()
    expect(
      run(DataLayout.validate(layout({ header: false, textColumn: "1", labelColumn: "0" })))
    ).toBeDefined()
  })
})

describe("DataLayout.sourceFor", () => {
  it("keeps GLUE's own layouts for a .tsv file without data flags", () => {
    expect(DataLayout.isGeneric(DataLayout.glue, "glue/SST-2/train.tsv")).toBe(false)
    expect(run(DataLayout.sourceFor("sst2", "train.tsv", DataLayout.glue))).toBeUndefined()
  })
  it("reads other extensions, or any data flag, with the task's column names by default", () => {
    expect(run(DataLayout.sourceFor("sst2", "train.csv", DataLayout.glue))).toEqual({
      format: "csv",
      header: true,
      labels: expect.objectContaining({ kind: "classification", names: ["negative", "positive"] }),
      columns: { text: "sentence", textPair: undefined, label: "label" }
    })
    expect(run(DataLayout.sourceFor("rte", "dev.jsonl", DataLayout.glue))?.columns).toEqual({
      text: "sentence1",
      textPair: "sentence2",
      label: "label"
    })
    expect(run(DataLayout.sourceFor("sst2", "a.tsv", layout({ labelColumn: "y" })))?.columns.label).toBe("y")
  })
  it("gives indices as numbers without a header, and takes --format over the extension", () => {
    const source = run(
      DataLayout.sourceFor(
        "sst2",
        files.txt,
        layout({ format: "tsv", header: false, textColumn: "1", labelColumn: "0" })
      )
    )
    expect(source).toMatchObject({ format: "tsv", header: false, columns: { text: 1, label: 0 } })
  })
  it("needs --format for an unknown extension", () => {
    const error = failure(DataLayout.sourceFor("sst2", files.txt, layout({ textColumn: "t" })))
    expect(error.message).toContain("cannot tell the format of")
    expect(error.message).toContain("add --format tsv, csv or jsonl")
  })
  it("--no-header without the columns named fails with the first row and the flags to add", () => {
    const error = failure(DataLayout.sourceFor("sst2", files.csv, layout({ header: false })))
    expect(error._tag).toBe("HeaderlessFile")
    expect(error.message).toBe(
      `${files.csv}: without a header (--no-header), name the columns by 0-based index (--text-column, --label-column missing); first row: 0="${rows[0]!.label}" 1=${JSON.stringify(rows[0]!.sentence)}; if it has no header, read it with --no-header --text-column 1 --label-column 0`
    )
    // Prediction needs no label column.
    expect(
      run(DataLayout.inputSourceFor("sst2", files.csv, layout({ header: false, textColumn: "1" })))?.columns
    ).toEqual({ text: 1, textPair: undefined })
  })
})

describe("DataLayout.suggestFlags", () => {
  it.each([
    ["sst2", ["1", "a gripping story"], true, "--no-header --text-column 1 --label-column 0"],
    ["sst2", ["a gripping story", "1"], true, "--no-header --text-column 0 --label-column 1"],
    ["sst2", ["7", "a gripping story", "1"], true, "--no-header --text-column 1 --label-column 2"],
    ["sst2", ["1", "a gripping story"], false, "--no-header --text-column 1"],
    [
      "rte",
      ["17", "the cat sat on the mat .", "a cat sits .", "entailment"],
      true,
      "--no-header --text-column 1 --text-pair-column 2 --label-column 3"
    ],
    [
      "stsb",
      ["a man plays .", "a person plays music .", "3.8"],
      true,
      "--no-header --text-column 0 --text-pair-column 1 --label-column 2"
    ],
    [
      "sst2",
      ["great", "a gripping story"],
      true,
      "--no-header --text-column N --label-column N (0-based column indices)"
    ]
  ] as const)("%s %j (labelled %s) → %s", (task, fields, labelled, flags) => {
    expect(DataLayout.suggestFlags(task, fields, { labelled })).toBe(flags)
  })
})

describe("Workspace.loadExamples on generated files", () => {
  const expected = rows.map((r) => ({ text: r.sentence, label: Number(r.label) }))
  const texts = (d: { readonly examples: ReadonlyArray<{ text: string; label: number }> }) =>
    d.examples.map(({ text, label }) => ({ text, label }))
  it.each([
    ["headerless TSV", files.tsv, layout({ header: false, textColumn: "1", labelColumn: "0" })],
    ["headerless CSV", files.csv, layout({ header: false, textColumn: "1", labelColumn: "0" })],
    ["JSON Lines", files.jsonl, layout({ textColumn: "review", labelColumn: "stars" })]
  ])("%s: the sample's texts and labels, in order", async (_, file, l) => {
    const loaded = await Effect.runPromise(
      Workspace.loadExamples("sst2", file, undefined, l).pipe(Effect.provide(NodeFileSystem.layer))
    )
    expect(texts(loaded)).toEqual(expected)
  })
  it("a label-first file without flags fails with its first row and the flags that read it", async () => {
    const error = await Effect.runPromise(
      Effect.flip(Workspace.loadExamples("sst2", files.tsv)).pipe(Effect.provide(NodeFileSystem.layer))
    )
    expect(error._tag).toBe("HeaderlessFile")
    expect(error.message).toContain(`${files.tsv}: line 1 is not a header naming "sentence", "label"`)
    expect(error.message).toContain(`first row: 0="${rows[0]!.label}" 1=`)
    expect(error.message).toContain("read it with --no-header --text-column 1 --label-column 0")
  })
  it("--data DIR finds train and dev files of the --format's extension, or the first of tsv, csv, jsonl", () => {
    const data = join(dir, "data")
    mkdirSync(data)
    writeFileSync(join(data, "train.jsonl"), "")
    writeFileSync(join(data, "dev.jsonl"), "")
    const files = (format?: string) =>
      Effect.runSync(Workspace.dataFiles({ task: "sst2", data, train: undefined, dev: undefined, format }))
    expect(files()).toEqual({
      train: join(data, "train.jsonl"),
      dev: join(data, "dev.jsonl"),
      embedded: false
    })
    expect(files("jsonl").train).toBe(join(data, "train.jsonl"))
    const missing = Effect.runSync(
      Effect.flip(
        Workspace.dataFiles({ task: "sst2", data, train: undefined, dev: undefined, format: "csv" })
      )
    )
    expect(missing.message).toContain(`${join(data, "train.csv")}: no such file`)
  })
})

describe("TrainOptions with data flags", () => {
  const resolve = (...layers: Array<Record<string, unknown>>) => Effect.runSync(TrainOptions.resolve(layers))
  it("takes a config file's column indices as numbers, and checks them like flags", () => {
    expect(resolve({ header: false, textColumn: 1, labelColumn: 0 })).toMatchObject({
      header: false,
      textColumn: "1",
      labelColumn: "0"
    })
    const error = Effect.runSync(
      Effect.flip(TrainOptions.resolve([{ header: false, textColumn: "sentence" }]))
    )
    expect(error.message).toContain("--text-column sentence: without a header")
    expect(Effect.runSync(Effect.flip(TrainOptions.resolve([{ labelColumn: -1 }]))).message).toContain(
      "must be a column name or a 0-based index"
    )
  })
  it("the fingerprint leaves out the default header, so older runs still resume, but not --no-header", () => {
    const base = resolve()
    expect(TrainOptions.fingerprint(base)).not.toContain("header")
    expect(TrainOptions.fingerprint({ ...base, header: false })).not.toBe(TrainOptions.fingerprint(base))
    expect(TrainOptions.fingerprint({ ...base, textColumn: "1" })).not.toBe(TrainOptions.fingerprint(base))
  })
})
