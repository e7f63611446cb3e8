import { existsSync, readdirSync } from "node:fs"
import { Effect, Stream } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { Dataset } from "../src/index.js"
import { glueFile, tempDir, run } from "./helpers.js"

const tmp = tempDir()
afterAll(tmp.cleanup)

const sentiment = {
  kind: "classification",
  names: ["negative", "positive"],
  map: { neg: 0, pos: 1, "0": 0, "1": 1 }
} as const

describe("generic loader", () => {
  it("reads contents it is handed (a browser's fetched text or bytes) as it reads the same file", async () => {
    const contents = 'id,review,label\r\n1,"two\nlines",pos\r\n2,bad,maybe\r\n3,fine,neg\r\n'
    const source = {
      format: "csv",
      columns: { text: "review", label: "label" },
      labels: sentiment,
      onBadRow: "skip"
    } as const
    const fromFile = await run(Dataset.loadAll(tmp.file(contents, "same.csv"), source))
    const fromText = await Effect.runPromise(Dataset.fromText("same.csv", contents, source))
    const fromBytes = await Effect.runPromise(
      Dataset.fromText("same.csv", new TextEncoder().encode(contents), source)
    )
    expect(fromText.examples).toEqual(fromFile.examples)
    expect(fromBytes.examples).toEqual(fromFile.examples)
    expect(fromText.skipped.map((s) => [s.line, s.error._tag])).toEqual([[4, "UnknownLabel"]])
    const bad = await Effect.runPromise(Effect.flip(Dataset.fromText("bad.csv", "", source)))
    expect(bad._tag).toBe("EmptyFile")
  })

  it("maps CSV columns by header name, with RFC 4180 quoting", async () => {
    const file = tmp.file(
      'id,review,summary,label\r\n1,"Great, really ""great"" film",short,pos\r\n2,"spans\ntwo lines",x,neg\r\n3,plain,"",1\r\n'
    )
    const result = await run(
      Dataset.loadAll(file, {
        format: "csv",
        columns: { text: "review", textPair: "summary", label: "label" },
        labels: sentiment
      })
    )
    expect(result.examples).toEqual([
      { index: 0, line: 2, text: 'Great, really "great" film', textPair: "short", label: 1 },
      { index: 1, line: 3, text: "spans\ntwo lines", textPair: "x", label: 0 },
      { index: 2, line: 5, text: "plain", textPair: "", label: 1 }
    ])
  })

  it("maps headerless TSV columns by index; quotes are text by default", async () => {
    const file = tmp.file('x\t"quoted" words\t1\ny\tplain\t0\n')
    const result = await run(
      Dataset.loadAll(file, {
        format: "tsv",
        header: false,
        columns: { text: 1, label: 2 },
        labels: sentiment
      })
    )
    expect(result.examples.map((e) => [e.text, e.label])).toEqual([
      ['"quoted" words', 1],
      ["plain", 0]
    ])
  })

  it("reads JSON Lines with string, number and boolean labels", async () => {
    const file = tmp.file('{"q": "a", "a": "b", "y": true}\n\n{"q": "c", "a": "d", "y": false}\n')
    const result = await run(
      Dataset.loadAll(file, {
        format: "jsonl",
        columns: { text: "q", textPair: "a", label: "y" },
        labels: { kind: "classification", names: ["no", "yes"], map: { false: 0, true: 1 } }
      })
    )
    expect(result.examples.map((e) => [e.text, e.textPair, e.label, e.line])).toEqual([
      ["a", "b", 1, 1],
      ["c", "d", 0, 3]
    ])
  })

  it("accepts label names by default and numeric regression targets", async () => {
    const names = tmp.file("text,label\nhi,positive\nlo,negative\n")
    const byName = await run(
      Dataset.loadAll(names, {
        format: "csv",
        columns: { text: "text", label: "label" },
        labels: { kind: "classification", names: ["negative", "positive"] }
      })
    )
    expect(byName.examples.map((e) => e.label)).toEqual([1, 0])
    const scores = tmp.file('{"t": "a", "s": 0.5}\n{"t": "b", "s": "-1e-3"}\n')
    const reg = await run(
      Dataset.loadAll(scores, {
        format: "jsonl",
        columns: { text: "t", label: "s" },
        labels: { kind: "regression" }
      })
    )
    expect(reg.examples.map((e) => e.label)).toEqual([0.5, -0.001])
    const huge = tmp.file('{"t": "a", "s": "1e999"}\n')
    const e = await run(
      Effect.flip(
        Dataset.loadAll(huge, {
          format: "jsonl",
          columns: { text: "t", label: "s" },
          labels: { kind: "regression" }
        })
      )
    )
    expect(e).toMatchObject({ _tag: "InvalidRegressionTarget", line: 1, reason: "is not a finite number" })
  })

  it("streams a file larger than one read chunk, lazily", async () => {
    const rows = Array.from(
      { length: 20000 },
      (_, i) => `sentence number ${i} with some padding text\t${i % 2}`
    )
    const file = tmp.file(`text\tlabel\n${rows.join("\n")}`) // no final newline
    const source = { format: "tsv", columns: { text: "text", label: "label" }, labels: sentiment } as const
    const all = await run(Stream.runCollect(Dataset.stream(file, source)))
    expect(all).toHaveLength(20000)
    expect(all[19999]).toEqual({
      index: 19999,
      line: 20001,
      text: "sentence number 19999 with some padding text",
      textPair: undefined,
      label: 1
    })
    expect(all.every((e, i) => e.text === `sentence number ${i} with some padding text`)).toBe(true)
    // A stream can be run again.
    const stream = Dataset.stream(file, source)
    expect(await run(Stream.runCount(stream))).toBe(20000)
    expect(await run(Stream.runCount(Stream.take(stream, 5)))).toBe(5)
  })

  // Linux lists a process's open files in /proc/self/fd.
  it.runIf(existsSync("/proc/self/fd"))("closes the file when a stream is cut short", async () => {
    const open = () => readdirSync("/proc/self/fd").length
    const before = open()
    const source = {
      format: "tsv",
      columns: { text: "sentence", label: "label" },
      labels: { kind: "classification", names: ["negative", "positive"], map: { "0": 0, "1": 1 } }
    } as const
    const firstThree = await run(
      Stream.runCollect(Stream.take(Dataset.stream(glueFile("sst2/train.tsv"), source), 3))
    )
    expect(firstThree).toHaveLength(3)
    expect(open()).toBe(before)
  })
})
