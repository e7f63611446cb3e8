import { join } from "node:path"
import { Stream } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import {
  DataFileError,
  Dataset,
  EmptyFile,
  Glue,
  InvalidDataOption,
  InvalidRegressionTarget,
  MalformedRow,
  MissingColumns,
  UnknownLabel
} from "../src/index.js"
import { failure, tempDir, run } from "./helpers.js"

const tmp = tempDir()
afterAll(tmp.cleanup)

const binary = { kind: "classification", names: ["no", "yes"], map: { "0": 0, "1": 1 } } as const

describe("file-level errors", () => {
  it("a missing file is DataFileError naming it", async () => {
    const path = join(tmp.dir, "absent.tsv")
    const e = await failure(Glue.loadAll("sst2", path))
    expect(e).toBeInstanceOf(DataFileError)
    expect((e as DataFileError).file).toBe(path)
    expect(e.message).toContain(path)
  })

  it.each([
    ["an empty file", "", "it is empty"],
    ["blank lines only", "\n\n\n", "it is empty"],
    ["a header only", "sentence\tlabel\n", "only a header"]
  ])("%s is EmptyFile", async (_, content, reason) => {
    const file = tmp.file(content)
    const e = await failure(Glue.loadAll("sst2", file))
    expect(e).toBeInstanceOf(EmptyFile)
    expect(e).toMatchObject({ file, reason: expect.stringContaining(reason) })
    // Skipping bad rows does not turn an empty file into an empty success.
    expect(await failure(Glue.loadAll("sst2", file, { onBadRow: "skip" }))).toBeInstanceOf(EmptyFile)
  })

  it("an empty JSON Lines file is EmptyFile", async () => {
    const file = tmp.file("\n  \n")
    const source = { format: "jsonl", columns: { text: "t", label: "l" }, labels: binary } as const
    expect(await failure(Dataset.loadAll(file, source))).toBeInstanceOf(EmptyFile)
  })

  it("a header without the task's columns is MissingColumns at line 1", async () => {
    const file = tmp.file("text\tlabel\ngood\t1\n")
    const e = await failure(Glue.loadAll("sst2", file, { onBadRow: "skip" }))
    expect(e).toBeInstanceOf(MissingColumns)
    expect(e).toMatchObject({ file, line: 1, missing: ["sentence"], found: ["text", "label"] })
    const rte = tmp.file("premise\thypothesis\tlabel\nA\tB\t0\n")
    expect(await failure(Glue.loadAll("rte", rte))).toMatchObject({
      _tag: "MissingColumns",
      missing: ["sentence1", "sentence2"]
    })
  })

  it("a headerless SST-2 file is MissingColumns (its first row is no header)", async () => {
    const file = tmp.file("a fine film\t1\n")
    expect(await failure(Glue.loadAll("sst2", file))).toBeInstanceOf(MissingColumns)
  })

  it("bad options are InvalidDataOption", async () => {
    const file = tmp.file("text,label\na,0\n")
    const badMap = { kind: "classification", names: ["a"], map: { x: 3 } } as const
    const e = await failure(
      Dataset.loadAll(file, { format: "csv", columns: { text: "text", label: "label" }, labels: badMap })
    )
    expect(e).toBeInstanceOf(InvalidDataOption)
    const noHeaderNames = {
      format: "csv",
      header: false,
      columns: { text: "text", label: "label" },
      labels: binary
    } as const
    expect(await failure(Dataset.loadAll(file, noHeaderNames))).toBeInstanceOf(InvalidDataOption)
  })
})

describe("row errors: raised with file, line and column, or skipped and reported", () => {
  const cases = [
    {
      name: "a row with too few columns",
      task: "sst2",
      content: "sentence\tlabel\ngood film\t1\nno label here\nbad film\t0\n",
      error: MalformedRow,
      line: 3,
      column: undefined,
      reason: "expected 2 columns, found 1"
    },
    {
      name: "a row with a stray tab (too many columns)",
      task: "sst2",
      content: "sentence\tlabel\ngood film\t1\nbad\tfilm\t0\nok\t1\n",
      error: MalformedRow,
      line: 3,
      column: undefined,
      reason: "expected 2 columns, found 3"
    },
    {
      name: "an unknown label",
      task: "sst2",
      content: "sentence\tlabel\ngood film\t1\nbad film\tnegative\nok\t0\n",
      error: UnknownLabel,
      line: 3,
      column: 2,
      reason: 'unknown label "negative"'
    },
    {
      name: "a label outside the class ids",
      task: "cola",
      content: "fine\t1\nodd\t2\nbad\t0\n",
      error: UnknownLabel,
      line: 2,
      column: 2,
      reason: 'unknown label "2"'
    },
    {
      name: "an empty label",
      task: "rte",
      content: "sentence1\tsentence2\tlabel\tidx\nA\tB\t1\t0\nA\tB\t\t1\nA\tC\t0\t2\n",
      error: UnknownLabel,
      line: 3,
      column: 3,
      reason: 'unknown label ""'
    },
    {
      name: "a non-numeric regression target",
      task: "stsb",
      content: `${stsb("A", "B", "3.2")}\n${stsb("A", "B", "high")}\n${stsb("C", "D", "1")}\n`,
      error: InvalidRegressionTarget,
      line: 2,
      column: 10,
      reason: "is not a number"
    },
    {
      name: "an empty regression target",
      task: "stsb",
      content: `${stsb("A", "B", "3.2")}\n${stsb("A", "B", "")}\n${stsb("C", "D", "1")}\n`,
      error: InvalidRegressionTarget,
      line: 2,
      column: 10,
      reason: "is not a number"
    },
    {
      name: "a regression target above the task's range",
      task: "stsb",
      content: `${stsb("A", "B", "3.2")}\n${stsb("A", "B", "7.5")}\n${stsb("C", "D", "1")}\n`,
      error: InvalidRegressionTarget,
      line: 2,
      column: 10,
      reason: "above the maximum 5"
    },
    {
      name: "a CoLA row of neither 2 nor 4 columns",
      task: "cola",
      content: "fine\t1\nsrc\t1\todd\nbad\t0\n",
      error: MalformedRow,
      line: 2,
      column: undefined,
      reason: "expected 2 columns, found 3"
    }
  ] as const

  it.each(cases)("$name fails with its location", async (c) => {
    const file = tmp.file(c.content)
    const e = await failure(Glue.loadAll(c.task, file))
    expect(e).toBeInstanceOf(c.error)
    expect(e).toMatchObject({ file, line: c.line })
    if (c.column !== undefined) expect(e).toMatchObject({ column: c.column })
    expect(e.message).toContain(`${file}:${c.line}`)
    expect(e.message).toContain(c.reason)
  })

  it.each(cases)("$name is skipped and reported with onBadRow: skip", async (c) => {
    const file = tmp.file(c.content)
    const result = await run(Glue.loadAll(c.task, file, { onBadRow: "skip" }))
    expect(result.skipped).toHaveLength(1)
    expect(result.skipped[0]).toMatchObject({ line: c.line, reason: expect.stringContaining(c.reason) })
    expect(result.skipped[0]!.error).toBeInstanceOf(c.error)
    expect(result.examples).toHaveLength(2)
    expect(result.examples.map((e) => e.index)).toEqual([0, 1])
    expect(result.examples.some((e) => e.line === c.line)).toBe(false)
  })

  it("a line that is not UTF-8 is a MalformedRow at its line", async () => {
    const bytes = new Uint8Array([
      ...new TextEncoder().encode("sentence\tlabel\ngood\t1\nbad "),
      0xff,
      0xfe,
      ...new TextEncoder().encode("\t0\nfine\t1\n")
    ])
    const file = tmp.file(bytes)
    expect(await failure(Glue.loadAll("sst2", file))).toMatchObject({ _tag: "MalformedRow", line: 3 })
    const result = await run(Glue.loadAll("sst2", file, { onBadRow: "skip" }))
    expect(result.examples.map((e) => e.text)).toEqual(["good", "fine"])
    expect(result.skipped.map((s) => s.line)).toEqual([3])
  })

  it("streamRows reports skipped rows in order with the examples", async () => {
    const file = tmp.file("sentence\tlabel\na\t1\nb\tx\nc\t0\nd\n")
    const rows = await run(Stream.runCollect(Glue.streamRows("sst2", file, { onBadRow: "skip" })))
    expect(rows.map((r) => (r._tag === "Example" ? r.example.line : -r.skipped.line))).toEqual([2, -3, 4, -5])
  })

  it("a stream stops at the first bad row only when it reaches it", async () => {
    const file = tmp.file("sentence\tlabel\na\t1\nb\t0\nc\toops\n")
    const firstTwo = await run(Stream.runCollect(Stream.take(Glue.stream("sst2", file), 2)))
    expect(firstTwo.map((e) => e.text)).toEqual(["a", "b"])
    expect(await failure(Stream.runCollect(Glue.stream("sst2", file)))).toBeInstanceOf(UnknownLabel)
  })
})

describe("CSV quoting and JSON Lines errors", () => {
  const csv = { format: "csv", columns: { text: "text", label: "label" }, labels: binary } as const

  it("a character after a closing quote is bad quoting at its line and column", async () => {
    const file = tmp.file('text,label\n"fine",1\n"bad"x,0\n"ok",1\n')
    const e = await failure(Dataset.loadAll(file, csv))
    expect(e).toBeInstanceOf(MalformedRow)
    expect(e).toMatchObject({ line: 3, column: 6 })
    expect(e.message).toContain("after a closing quote")
    const result = await run(Dataset.loadAll(file, { ...csv, onBadRow: "skip" }))
    expect(result.examples.map((x) => x.text)).toEqual(["fine", "ok"])
    expect(result.skipped.map((s) => s.line)).toEqual([3])
  })

  it("a quoted field never closed is reported where it opens, and the lines after it are read again", async () => {
    const file = tmp.file('text,label\n"fine",1\n"open,0\nnext,1\nlast,0\n')
    const e = await failure(Dataset.loadAll(file, csv))
    expect(e).toMatchObject({ _tag: "MalformedRow", line: 3, column: 1 })
    expect(e.message).toContain("never closed")
    const result = await run(Dataset.loadAll(file, { ...csv, onBadRow: "skip" }))
    expect(result.examples.map((x) => [x.text, x.line])).toEqual([
      ["fine", 2],
      ["next", 4],
      ["last", 5]
    ])
    expect(result.skipped.map((s) => s.line)).toEqual([3])
  })

  it("invalid JSON, a non-object line and a missing field are MalformedRows", async () => {
    const source = { format: "jsonl", columns: { text: "t", label: "l" }, labels: binary } as const
    const lines = [
      '{"t": "a", "l": 1}',
      "{oops",
      "[1, 2]",
      '{"t": "b"}',
      '{"t": 3, "l": 0}',
      '{"t": "c", "l": 0}'
    ]
    const file = tmp.file(`${lines.join("\n")}\n`)
    expect(await failure(Dataset.loadAll(file, source))).toMatchObject({ _tag: "MalformedRow", line: 2 })
    const result = await run(Dataset.loadAll(file, { ...source, onBadRow: "skip" }))
    expect(result.examples.map((x) => [x.text, x.label, x.line])).toEqual([
      ["a", 1, 1],
      ["c", 0, 6]
    ])
    expect(result.skipped.map((s) => [s.line, s.error._tag])).toEqual([
      [2, "MalformedRow"],
      [3, "MalformedRow"],
      [4, "MalformedRow"],
      [5, "MalformedRow"]
    ])
    expect(result.skipped[2]!.reason).toContain('missing field(s) "l"')
  })
})

function stsb(s1: string, s2: string, score: string): string {
  return ["0", "main-captions", "MSRvid", "2012test", "0001", "none", "none", s1, s2, score].join("\t")
}
