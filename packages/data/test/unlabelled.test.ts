import { join } from "node:path"
import { Stream } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { DataFileError, Dataset, EmptyFile, Glue, MalformedRow, MissingColumns } from "../src/index.js"
import { failure, glueFile, tempDir, run } from "./helpers.js"

const tmp = tempDir()
afterAll(tmp.cleanup)

const tsv = (rows: ReadonlyArray<ReadonlyArray<string>>): string =>
  rows.map((r) => `${r.join("\t")}\n`).join("")

const load = (task: Glue.TaskName, file: string, options?: Glue.TaskOptions) =>
  run(Glue.loadUnlabelled(task, file, options))

/** [id, text, textPair] of each example. */
const triples = (result: Dataset.UnlabelledLoadResult) =>
  result.examples.map((e) => [e.id, e.text, e.textPair] as const)

describe("GLUE test files (no label column)", () => {
  // Ids out of order, so that the file's value (not the row number) is seen to be kept.
  it("SST-2: index, sentence", async () => {
    const file = tmp.file(
      tsv([
        ["index", "sentence"],
        ["3", "a gorgeous film . "],
        ["1", 'a "dull" one']
      ])
    )
    const result = await load("sst2", file)
    expect(result.examples).toEqual([
      { index: 0, line: 2, id: "3", text: "a gorgeous film . ", textPair: undefined },
      { index: 1, line: 3, id: "1", text: 'a "dull" one', textPair: undefined }
    ])
    expect(result).toMatchObject({ file, labels: { kind: "none" }, skipped: [] })
  })

  it("CoLA: a header index, sentence (its train and dev files have none)", async () => {
    const file = tmp.file(
      tsv([
        ["index", "sentence"],
        ["0", "Bill whistled past the house."],
        ["1", "The car honked."]
      ])
    )
    expect(triples(await load("cola", file))).toEqual([
      ["0", "Bill whistled past the house.", undefined],
      ["1", "The car honked.", undefined]
    ])
  })

  it("RTE: index, sentence1, sentence2", async () => {
    const file = tmp.file(
      tsv([
        ["index", "sentence1", "sentence2"],
        ["10", "A dog runs.", "An animal moves."]
      ])
    )
    expect(triples(await load("rte", file))).toEqual([["10", "A dog runs.", "An animal moves."]])
  })

  it("MRPC: index, #1 ID, #2 ID, #1 String, #2 String", async () => {
    const file = tmp.file(
      tsv([
        ["index", "#1 ID", "#2 ID", "#1 String", "#2 String"],
        ["0", "1089874", "1089925", "PCCW 's chief.", "Mr Chan 's chief."],
        ["1", "3019446", "3019327", "The 30-year bond.", "The 30 year bond."]
      ])
    )
    expect(triples(await load("mrpc", file))).toEqual([
      ["0", "PCCW 's chief.", "Mr Chan 's chief."],
      ["1", "The 30-year bond.", "The 30 year bond."]
    ])
  })

  it("STS-B: GLUE's header without score, and its 9 columns without a header", async () => {
    const header = [
      "index",
      "genre",
      "filename",
      "year",
      "old_index",
      "source1",
      "source2",
      "sentence1",
      "sentence2"
    ]
    const row = [
      "7",
      "main-captions",
      "MSRvid",
      "2012test",
      "0024",
      "none",
      "none",
      "A girl sings.",
      "A kid sings."
    ]
    expect(triples(await load("stsb", tmp.file(tsv([header, row]))))).toEqual([
      ["7", "A girl sings.", "A kid sings."]
    ])
    expect(triples(await load("stsb", tmp.file(tsv([row]))))).toEqual([
      ["7", "A girl sings.", "A kid sings."]
    ])
  })

  it("MNLI test_matched / test_mismatched: sentence1, sentence2 and index by name", async () => {
    const header = [
      "index",
      "promptID",
      "pairID",
      "genre",
      "sentence1_binary_parse",
      "sentence2_binary_parse",
      "sentence1_parse",
      "sentence2_parse",
      "sentence1",
      "sentence2"
    ]
    const row = (i: string, s1: string, s2: string) => [
      i,
      "31193",
      "31193n",
      "government",
      "(",
      "(",
      "(",
      "(",
      s1,
      s2
    ]
    const file = tmp.file(tsv([header, row("0", "P1", "H1"), row("1", "P2", "H2")]))
    expect(triples(await load("mnli", file))).toEqual([
      ["0", "P1", "H1"],
      ["1", "P2", "H2"]
    ])
  })

  it("QNLI: index, question, sentence; QQP: id, question1, question2", async () => {
    const qnli = tmp.file(
      tsv([
        ["index", "question", "sentence"],
        ["0", "Who?", "Him."]
      ])
    )
    expect(triples(await load("qnli", qnli))).toEqual([["0", "Who?", "Him."]])
    const qqp = tmp.file(
      tsv([
        ["id", "question1", "question2"],
        ["0", "How?", "How so?"],
        ["1", "A?", "B?"]
      ])
    )
    expect(triples(await load("qqp", qqp))).toEqual([
      ["0", "How?", "How so?"],
      ["1", "A?", "B?"]
    ])
  })
})

describe("labelled GLUE layouts read without labels", () => {
  it("ignores the label, even one that is not in the label set", async () => {
    const rte = tmp.file(
      tsv([
        ["index", "sentence1", "sentence2", "label"],
        ["5", "A.", "B.", "entailment"],
        ["6", "C.", "D.", "not-a-label"]
      ])
    )
    expect(triples(await load("rte", rte))).toEqual([
      ["5", "A.", "B."],
      ["6", "C.", "D."]
    ])
    expect(await failure(Glue.loadAll("rte", rte))).toMatchObject({ _tag: "UnknownLabel", line: 3 })
  })

  it("numbers rows from 0 when the file has no id column (MRPC and SST-2 train/dev, CoLA)", async () => {
    const mrpc = tmp.file(
      `\uFEFF${tsv([
        ["Quality", "#1 ID", "#2 ID", "#1 String", "#2 String"],
        ["1", "702876", "702977", "He said.", "He agreed."],
        ["0", "1", "2", "A.", "B."]
      ])}`
    )
    expect(triples(await load("mrpc", mrpc))).toEqual([
      ["0", "He said.", "He agreed."],
      ["1", "A.", "B."]
    ])
    const cola4 = tmp.file(
      tsv([
        ["gj04", "1", "", "Our friends won't buy this."],
        ["gj04", "0", "*", "They drank the pub."]
      ])
    )
    expect(triples(await load("cola", cola4))).toEqual([
      ["0", "Our friends won't buy this.", undefined],
      ["1", "They drank the pub.", undefined]
    ])
  })

  it("keeps QNLI's index, QQP's id, MNLI's index and headerless STS-B's first column", async () => {
    const qnli = tmp.file(
      tsv([
        ["index", "question", "sentence", "label"],
        ["12", "Who?", "Him.", "entailment"]
      ])
    )
    expect(triples(await load("qnli", qnli))).toEqual([["12", "Who?", "Him."]])
    const qqp = tmp.file(
      tsv([
        ["id", "qid1", "qid2", "question1", "question2", "is_duplicate"],
        ["402555", "536040", "536041", "How?", "How so?", "1"]
      ])
    )
    expect(triples(await load("qqp", qqp))).toEqual([["402555", "How?", "How so?"]])
    const mnliHeader = [
      "index",
      "promptID",
      "pairID",
      "genre",
      "a",
      "b",
      "c",
      "d",
      "sentence1",
      "sentence2",
      "label1"
    ]
    const mnli = tmp.file(
      tsv([
        [...mnliHeader, "gold_label"],
        ["9", "1", "2", "fiction", "(", "(", "(", "(", "P", "H", "neutral", "neutral"]
      ])
    )
    expect(triples(await load("mnli", mnli))).toEqual([["9", "P", "H"]])
    const stsb = tmp.file(
      tsv([["4", "main-captions", "MSRvid", "2012test", "0009", "none", "none", "A.", "B.", "4.250"]])
    )
    expect(triples(await load("stsb", stsb))).toEqual([["4", "A.", "B."]])
  })
})

describe("GLUE dev samples read without labels", () => {
  it.each([
    ["sst2", "sst2/dev.tsv", 300],
    ["cola", "cola/dev.tsv", 300],
    ["rte", "rte/dev.tsv", 277],
    ["stsb", "stsb/dev.tsv", 300]
  ] as const)("%s %s: the labelled examples' texts, with ids", async (task, path, rows) => {
    const [unlabelled, labelled] = await Promise.all([
      load(task, glueFile(path)),
      run(Glue.loadAll(task, glueFile(path)))
    ])
    expect(unlabelled.examples).toHaveLength(rows)
    expect(unlabelled.skipped).toEqual([])
    expect(
      unlabelled.examples.map(({ index, line, text, textPair }) => ({ index, line, text, textPair }))
    ).toEqual(labelled.examples.map(({ index, line, text, textPair }) => ({ index, line, text, textPair })))
    expect(unlabelled.examples.every((e) => !("label" in e))).toBe(true)
    expect(new Set(unlabelled.examples.map((e) => e.id)).size).toBe(rows)
  })

  it("takes the ids from the file where it has them", async () => {
    // SST-2 and CoLA dev have no id column: row numbers. RTE's has `idx` (0…276), STS-B's column 0.
    const sst2 = await load("sst2", glueFile("sst2/dev.tsv"))
    expect(sst2.examples.map((e) => e.id)).toEqual(Array.from({ length: 300 }, (_, i) => String(i)))
    const rte = await load("rte", glueFile("rte/dev.tsv"))
    expect(rte.examples[276]).toMatchObject({ id: "276", line: 278 })
    const stsb = await load("stsb", glueFile("stsb/dev.tsv"))
    expect(stsb.examples.slice(0, 3).map((e) => e.id)).toEqual(["4", "8", "9"])
    expect(stsb.examples[299]!.id).toBe("1243")
    expect(stsb.examples[0]).toEqual({
      index: 0,
      line: 1,
      id: "4",
      text: "A man is playing the cello.",
      textPair: "A man seated is playing the cello."
    })
  })

  it("streams lazily", async () => {
    const first = await run(
      Stream.runCollect(Stream.take(Glue.streamUnlabelled("sst2", glueFile("sst2/train.tsv")), 2))
    )
    expect(first).toEqual([
      {
        index: 0,
        line: 2,
        id: "0",
        text: "hide new secretions from the parental units ",
        textPair: undefined
      },
      {
        index: 1,
        line: 3,
        id: "1",
        text: "contains no wit , only labored gags ",
        textPair: undefined
      }
    ])
  })
})

describe("errors without labels", () => {
  it("a missing file, an empty file, a header only", async () => {
    const absent = join(tmp.dir, "absent.tsv")
    expect(await failure(Glue.loadUnlabelled("sst2", absent))).toMatchObject({
      _tag: "DataFileError",
      file: absent
    })
    expect(await failure(Glue.loadUnlabelled("sst2", absent))).toBeInstanceOf(DataFileError)
    expect(await failure(Glue.loadUnlabelled("sst2", tmp.file("")))).toBeInstanceOf(EmptyFile)
    const headerOnly = tmp.file("index\tsentence\n")
    expect(await failure(Glue.loadUnlabelled("sst2", headerOnly))).toMatchObject({
      _tag: "EmptyFile",
      reason: expect.stringContaining("only a header")
    })
  })

  it("another task's file is MissingColumns at line 1", async () => {
    const file = tmp.file(
      tsv([
        ["id", "question1", "question2"],
        ["0", "A?", "B?"]
      ])
    )
    const e = await failure(Glue.loadUnlabelled("rte", file))
    expect(e).toBeInstanceOf(MissingColumns)
    expect(e).toMatchObject({ file, line: 1, missing: ["sentence1", "sentence2"] })
    // A single-sentence file for a pair task.
    const sst2 = tmp.file(
      tsv([
        ["index", "sentence"],
        ["0", "a."]
      ])
    )
    expect(await failure(Glue.loadUnlabelled("qnli", sst2))).toMatchObject({
      _tag: "MissingColumns",
      missing: ["question"]
    })
  })

  it("a row of the wrong width is a MalformedRow at its line; skipping keeps row-number ids aligned", async () => {
    const file = tmp.file(tsv([["sentence", "label"], ["one", "1"], ["two"], ["three", "0"]]))
    const e = await failure(Glue.loadUnlabelled("sst2", file))
    expect(e).toBeInstanceOf(MalformedRow)
    expect(e).toMatchObject({ file, line: 3, reason: "expected 2 columns, found 1" })
    expect(e.message).toContain(`${file}:3`)
    const skipped = await load("sst2", file, { onBadRow: "skip" })
    // The bad row keeps its number: "three" is data row 2 of the file.
    expect(triples(skipped)).toEqual([
      ["0", "one", undefined],
      ["2", "three", undefined]
    ])
    expect(skipped.skipped).toMatchObject([{ line: 3 }])
  })

  it("a headerless CoLA row of an unexpected width names the accepted widths", async () => {
    const file = tmp.file("a\tb\tc\n")
    const e = await failure(Glue.loadUnlabelled("cola", file))
    expect(e).toMatchObject({ _tag: "MalformedRow", line: 1 })
    expect((e as MalformedRow).reason).toBe("expected 2 or 4 columns (or a header naming sentence), found 3")
  })

  it("an empty or duplicate id is a MalformedRow at its line and column", async () => {
    const empty = tmp.file(
      tsv([
        ["index", "sentence1", "sentence2"],
        ["0", "A.", "B."],
        [" ", "C.", "D."]
      ])
    )
    expect(await failure(Glue.loadUnlabelled("rte", empty))).toMatchObject({
      _tag: "MalformedRow",
      file: empty,
      line: 3,
      column: 1,
      reason: "the id is empty"
    })
    const duplicate = tmp.file(
      tsv([
        ["id", "question1", "question2"],
        ["7", "A?", "B?"],
        ["8", "C?", "D?"],
        ["7", "E?", "F?"]
      ])
    )
    const e = await failure(Glue.loadUnlabelled("qqp", duplicate))
    expect(e).toMatchObject({
      _tag: "MalformedRow",
      line: 4,
      column: 1,
      reason: 'duplicate id "7" (first on line 2)'
    })
    const rows = await run(
      Stream.runCollect(Glue.streamUnlabelledRows("qqp", duplicate, { onBadRow: "skip" }))
    )
    expect(rows.map((r) => (r._tag === "Example" ? r.example.id : `skipped:${r.skipped.line}`))).toEqual([
      "7",
      "8",
      "skipped:4"
    ])
  })
})

describe("the generic loader without labels", () => {
  it("reads CSV with an id column by name, ignoring other columns", async () => {
    const file = tmp.file('key,review,stars\nr-9,"Great, really",5\nr-2,meh,\n')
    const result = await run(
      Dataset.loadAll(file, {
        format: "csv",
        columns: { text: "review", id: "key" },
        labels: Dataset.noLabels
      })
    )
    expect(result.examples).toEqual([
      { index: 0, line: 2, id: "r-9", text: "Great, really", textPair: undefined },
      { index: 1, line: 3, id: "r-2", text: "meh", textPair: undefined }
    ])
    expect(result.labels).toEqual({ kind: "none" })
  })

  it("numbers rows without an id column; headerless TSV by index", async () => {
    const file = tmp.file("x\tfirst\ty\nx\tsecond\ty\n")
    const examples = await run(
      Stream.runCollect(
        Dataset.stream(file, {
          format: "tsv",
          header: false,
          columns: { text: 1, textPair: 2 },
          labels: { kind: "none" }
        })
      )
    )
    expect(examples.map((e) => [e.id, e.text, e.textPair])).toEqual([
      ["0", "first", "y"],
      ["1", "second", "y"]
    ])
  })

  it("reads JSON Lines ids that are strings or numbers; others, or a missing id, are MalformedRows", async () => {
    const good = tmp.file('{"t": "a", "k": 17}\n{"t": "b", "k": "x"}\n')
    const source = { format: "jsonl", columns: { text: "t", id: "k" }, labels: Dataset.noLabels } as const
    const result = await run(Dataset.loadAll(good, source))
    expect(result.examples.map((e) => e.id)).toEqual(["17", "x"])
    const bad = tmp.file('{"t": "a", "k": true}\n{"t": "b"}\n{"t": "c", "k": 3}\n')
    const skipping = await run(Dataset.loadAll(bad, { ...source, onBadRow: "skip" }))
    expect(skipping.examples.map((e) => e.id)).toEqual(["3"])
    expect(skipping.skipped.map((s) => [s.line, (s.error as MalformedRow).reason])).toEqual([
      [1, "the id true is not a string or number"],
      [2, 'missing field(s) "k"']
    ])
  })

  it("a named id column the header lacks is MissingColumns", async () => {
    const file = tmp.file("text\nhello\n")
    const e = await failure(
      Dataset.loadAll(file, { format: "csv", columns: { text: "text", id: "id" }, labels: Dataset.noLabels })
    )
    expect(e).toMatchObject({ _tag: "MissingColumns", line: 1, missing: ["id"] })
  })
})
