import { Stream } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { Glue } from "../src/index.js"
import { glueFile, tempDir, run } from "./helpers.js"

const tmp = tempDir()
afterAll(tmp.cleanup)

const countLabels = (labels: ReadonlyArray<number>) => {
  const counts: Record<number, number> = {}
  for (const l of labels) counts[l] = (counts[l] ?? 0) + 1
  return counts
}

describe("GLUE samples (packages/fixtures/data/glue)", () => {
  // Counts from `cut -f… | sort | uniq -c` on the files (packages/fixtures/data/README.md).
  it.each([
    ["sst2", "sst2/train.tsv", 1000, { 0: 458, 1: 542 }],
    ["sst2", "sst2/dev.tsv", 300, { 0: 145, 1: 155 }],
    ["cola", "cola/train.tsv", 500, { 0: 171, 1: 329 }],
    ["cola", "cola/dev.tsv", 300, { 0: 100, 1: 200 }],
    ["rte", "rte/train.tsv", 500, { 0: 245, 1: 255 }],
    ["rte", "rte/dev.tsv", 277, { 0: 146, 1: 131 }]
  ] as const)("%s %s has %i examples with the expected classes", async (task, path, rows, counts) => {
    const result = await run(Glue.loadAll(task, glueFile(path)))
    expect(result.examples).toHaveLength(rows)
    expect(result.skipped).toEqual([])
    expect(countLabels(result.examples.map((e) => e.label))).toEqual(counts)
    expect(result.labels).toBe(Glue.tasks[task].labels)
    const pair = Glue.tasks[task].pair
    expect(result.examples.every((e) => (e.textPair !== undefined) === pair)).toBe(true)
  })

  it.each([
    ["stsb/train.tsv", 500],
    ["stsb/dev.tsv", 300]
  ] as const)("stsb %s has %i regression targets in [0, 5]", async (path, rows) => {
    const result = await run(Glue.loadAll("stsb", glueFile(path)))
    expect(result.examples).toHaveLength(rows)
    const labels = result.examples.map((e) => e.label)
    expect(Math.min(...labels)).toBe(0)
    expect(Math.max(...labels)).toBe(5)
    expect(new Set(labels).size).toBeGreaterThan(50)
  })

  it("reads the fields of the first rows exactly", async () => {
    const sst2 = await run(Glue.loadAll("sst2", glueFile("sst2/dev.tsv")))
    expect(sst2.examples[0]).toEqual({
      index: 0,
      line: 2,
      text: "it 's a charming and often affecting journey . ",
      textPair: undefined,
      label: 1
    })
    const cola = await run(Glue.loadAll("cola", glueFile("cola/dev.tsv")))
    expect(cola.examples[0]).toMatchObject({ line: 1, text: "somebody just left guess who", label: 1 })
    const rte = await run(Glue.loadAll("rte", glueFile("rte/dev.tsv")))
    expect(rte.examples[0]).toMatchObject({
      line: 2,
      textPair: "Christopher Reeve had an accident.",
      label: 1
    })
    expect(rte.examples[1]).toMatchObject({ label: 0 })
    const stsb = await run(Glue.loadAll("stsb", glueFile("stsb/dev.tsv")))
    expect(stsb.examples[0]).toEqual({
      index: 0,
      line: 1,
      text: "A man is playing the cello.",
      textPair: "A man seated is playing the cello.",
      label: 4.25
    })
  })

  it("streams without reading the whole file", async () => {
    const first = await run(
      Stream.runCollect(Stream.take(Glue.stream("sst2", glueFile("sst2/train.tsv")), 3))
    )
    expect(first.map((e) => e.line)).toEqual([2, 3, 4])
    expect(first[0]!.text).toBe("hide new secretions from the parental units ")
    expect(await run(Stream.runCount(Glue.stream("cola", glueFile("cola/train.tsv"))))).toBe(500)
  })
})

describe("other GLUE layouts", () => {
  it("reads CoLA's original four-column form", async () => {
    const file = tmp.file(
      "gj04\t1\t\tOur friends won't buy this analysis.\ngj04\t0\t*\tThey drank the pub.\n"
    )
    const result = await run(Glue.loadAll("cola", file))
    expect(result.examples.map((e) => [e.text, e.label])).toEqual([
      ["Our friends won't buy this analysis.", 1],
      ["They drank the pub.", 0]
    ])
  })

  it("reads RTE with text labels and GLUE's column order", async () => {
    const file = tmp.file(
      "index\tsentence1\tsentence2\tlabel\n0\tA dog runs.\tAn animal moves.\tentailment\n1\tA dog runs.\tA cat sleeps.\tnot_entailment\n"
    )
    const result = await run(Glue.loadAll("rte", file))
    expect(result.examples.map((e) => [e.text, e.textPair, e.label])).toEqual([
      ["A dog runs.", "An animal moves.", 0],
      ["A dog runs.", "A cat sleeps.", 1]
    ])
  })

  it("reads STS-B with GLUE's header, score last", async () => {
    const header = "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n"
    const file = tmp.file(
      `${header}0\tmain-captions\tMSRvid\t2012test\t0001\tnone\tnone\tA plane.\tAn air plane.\t5.000\n`
    )
    const result = await run(Glue.loadAll("stsb", file))
    expect(result.examples).toEqual([
      { index: 0, line: 2, text: "A plane.", textPair: "An air plane.", label: 5 }
    ])
  })

  it("reads MRPC, with the byte-order mark of GLUE's file", async () => {
    const file = tmp.file(
      '\uFEFFQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\n1\t702876\t702977\tHe said "yes".\tHe agreed.\n0\t1\t2\tA.\tB.\n'
    )
    const result = await run(Glue.loadAll("mrpc", file))
    expect(result.examples.map((e) => [e.text, e.textPair, e.label])).toEqual([
      ['He said "yes".', "He agreed.", 1],
      ["A.", "B.", 0]
    ])
  })

  it("reads MNLI by header name", async () => {
    const cols = [
      "index",
      "promptID",
      "pairID",
      "genre",
      "sentence1_binary_parse",
      "sentence2_binary_parse",
      "sentence1_parse",
      "sentence2_parse",
      "sentence1",
      "sentence2",
      "label1",
      "gold_label"
    ]
    const row = (s1: string, s2: string, label: string) => [
      "0",
      "1",
      "2",
      "fiction",
      "(",
      "(",
      "(",
      "(",
      s1,
      s2,
      label,
      label
    ]
    const file = tmp.file(
      [cols, row("P1", "H1", "entailment"), row("P2", "H2", "neutral"), row("P3", "H3", "contradiction")]
        .map((r) => r.join("\t"))
        .join("\n")
    )
    const result = await run(Glue.loadAll("mnli", file))
    expect(result.examples.map((e) => [e.text, e.textPair, e.label])).toEqual([
      ["P1", "H1", 0],
      ["P2", "H2", 1],
      ["P3", "H3", 2]
    ])
  })

  it("reads QNLI and QQP", async () => {
    const qnli = tmp.file(
      "index\tquestion\tsentence\tlabel\n0\tWho?\tHim.\tentailment\n1\tWhat?\tNo.\tnot_entailment\n"
    )
    expect((await run(Glue.loadAll("qnli", qnli))).examples.map((e) => e.label)).toEqual([0, 1])
    const qqp = tmp.file(
      "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n1\t1\t2\tHow?\tHow so?\t1\n2\t3\t4\tA?\tB?\t0\n"
    )
    const result = await run(Glue.loadAll("qqp", qqp))
    expect(result.examples.map((e) => [e.text, e.textPair, e.label])).toEqual([
      ["How?", "How so?", 1],
      ["A?", "B?", 0]
    ])
  })

  it("describes each task's files and labels, and leaves metrics to @addrop/metrics", () => {
    for (const spec of Object.values(Glue.tasks)) {
      expect(Object.keys(spec).sort()).toEqual([
        "description",
        "labels",
        "layouts",
        "name",
        "pair",
        "unlabelledLayouts"
      ])
    }
    expect(Glue.tasks.stsb.labels).toEqual({ kind: "regression", min: 0, max: 5 })
    expect(Glue.tasks.sst2.labels).toMatchObject({ kind: "classification", names: ["negative", "positive"] })
    expect(Object.keys(Glue.tasks).sort()).toEqual([
      "cola",
      "mnli",
      "mrpc",
      "qnli",
      "qqp",
      "rte",
      "sst2",
      "stsb"
    ])
  })
})
