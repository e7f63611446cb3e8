import { readFileSync } from "node:fs"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { Dataset, Glue } from "../src/index.js"
import { failure, glueFile } from "./helpers.js"

// Content in memory (a browser's file input, a fetched asset) goes through the same parser as a file.
describe("Dataset.parse", () => {
  const sst2: Dataset.Source = {
    format: "tsv",
    columns: { text: "sentence", label: "label" },
    labels: Glue.tasks.sst2.labels
  }

  it("parses the text and the bytes of a file exactly as loadAll reads the file", async () => {
    const file = glueFile("sst2/dev.tsv")
    const fromFile = await Effect.runPromise(Dataset.loadAll(file, sst2))
    const bytes = new Uint8Array(readFileSync(file))
    const fromBytes = await Effect.runPromise(Dataset.parse(bytes, sst2, file))
    const fromText = await Effect.runPromise(Dataset.parse(new TextDecoder().decode(bytes), sst2, file))
    expect(fromFile.examples).toHaveLength(300)
    expect(fromBytes).toEqual(fromFile)
    expect(fromText).toEqual(fromFile)
  })

  it("reports a bad row under the given name and line", async () => {
    const error = await failure(Dataset.parse("sentence\tlabel\ngood\t1\nbad\tmaybe\n", sst2, "upload.tsv"))
    expect(error).toMatchObject({ _tag: "UnknownLabel", file: "upload.tsv", line: 3, value: "maybe" })
  })

  it("reports a line that is not UTF-8 by its number, and the last line without a newline is read", async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode("sentence\tlabel\nok\t1\n"), 0xff, 0x0a])
    const skipped = await Effect.runPromise(Dataset.parse(bytes, { ...sst2, onBadRow: "skip" }, "b.tsv"))
    expect(skipped.examples.map((e) => e.text)).toEqual(["ok"])
    expect(skipped.skipped.map((s) => s.line)).toEqual([3])
    const last = await Effect.runPromise(Dataset.parse("sentence\tlabel\na\t0\nb\t1", sst2))
    expect(last.examples.map((e) => [e.text, e.label])).toEqual([
      ["a", 0],
      ["b", 1]
    ])
    expect(last.file).toBe("<memory>")
  })
})
