import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { Dataset, Glue } from "../src/index.js"
import { failure } from "./helpers.js"

// Content in memory (a browser's file input, a fetched asset) goes through the same parser as a file (that
// it equals reading the file is in dataset.test.ts).
describe("Dataset.fromText", () => {
  const sst2: Dataset.Source = {
    format: "tsv",
    columns: { text: "sentence", label: "label" },
    labels: Glue.tasks.sst2.labels
  }

  it("reports a bad row under the given name and line", async () => {
    const error = await failure(
      Dataset.fromText("upload.tsv", "sentence\tlabel\ngood\t1\nbad\tmaybe\n", sst2)
    )
    expect(error).toMatchObject({ _tag: "UnknownLabel", file: "upload.tsv", line: 3, value: "maybe" })
  })

  it("reports a line that is not UTF-8 by its number, and the last line without a newline is read", async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode("sentence\tlabel\nok\t1\n"), 0xff, 0x0a])
    const skipped = await Effect.runPromise(Dataset.fromText("b.tsv", bytes, { ...sst2, onBadRow: "skip" }))
    expect(skipped.examples.map((e) => e.text)).toEqual(["ok"])
    expect(skipped.skipped.map((s) => s.line)).toEqual([3])
    const last = await Effect.runPromise(Dataset.fromText("<memory>", "sentence\tlabel\na\t0\nb\t1", sst2))
    expect(last.examples.map((e) => [e.text, e.label])).toEqual([
      ["a", 0],
      ["b", 1]
    ])
    expect(last.file).toBe("<memory>")
  })
})
