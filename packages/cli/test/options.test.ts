import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { TrainOptions } from "../src/index.js"

const resolve = (...layers: Array<Record<string, unknown>>) => Effect.runSync(TrainOptions.resolve(layers))
const failure = (...layers: Array<Record<string, unknown>>) =>
  Effect.runSync(Effect.flip(TrainOptions.resolve(layers)))

describe("TrainOptions.resolve", () => {
  it("starts from the embedded default: SST-2 sample, tiny preset, wasm, cross-tuned AD-Drop on layer 0", () => {
    expect(resolve()).toEqual(TrainOptions.defaults)
    expect(TrainOptions.defaults).toMatchObject({
      task: "sst2",
      model: "tiny",
      backend: "wasm",
      schedule: "cross",
      layers: "0",
      p: 0.3,
      q: 0.2
    })
  })
  it("later layers win and undefined values are skipped", () => {
    const o = resolve({ p: 0.5, epochs: 9 }, { p: 0.1, epochs: undefined })
    expect(o.p).toBe(0.1)
    expect(o.epochs).toBe(9)
  })
  it.each([
    [{ p: 1.5 }, "--p 1.5: must be a number in [0, 1]"],
    [{ q: -1 }, "--q -1: must be a number in [0, 1]"],
    [{ task: "squad" }, "--task squad: unknown task"],
    [{ backend: "tpu" }, "--backend tpu: expected auto or one of"],
    [{ method: "shap" }, "--method shap: expected one of ga, gold, iga, aa, rd, loss"],
    [{ strategy: "middle" }, "--strategy middle"],
    [{ schedule: "every:0" }, "--schedule every:0"],
    [{ layers: "first" }, '--layers first: expected "all" or comma-separated'],
    [{ epochs: 0 }, "--epochs 0: must be ≥ 1"],
    [{ batch: 2.5 }, "--batch 2.5: must be an integer"],
    [{ lr: 0 }, "--lr 0: must be a finite number > 0"],
    [{ maxLength: 2 }, "--max-length 2: must be ≥ 4"],
    [{ shots: 0 }, "--shots 0: must be ≥ 1"],
    [
      { task: "stsb", shots: 16 },
      "--shots 16: samples per class and needs class labels; task stsb is regression"
    ],
    [{ train: "a.tsv" }, "--dev"],
    [{ resume: true }, "--resume true: needs --out DIR"],
    [{ nonsense: 1 }, "--nonsense 1: is not a train option"]
  ])("rejects %o with a clear message", (input, message) => {
    const error = failure(input)
    expect(error._tag).toBe("InvalidOption")
    expect(error.message).toContain(message)
  })
  it("reads a JSON config file with camelCase or kebab-case keys, and reports bad files", () => {
    const dir = mkdtempSync(join(tmpdir(), "addrop-options-"))
    writeFileSync(join(dir, "good.json"), JSON.stringify({ "max-length": 64, patience: 2 }))
    const fromFile = Effect.runSync(TrainOptions.readConfigFile(join(dir, "good.json")))
    expect(resolve(fromFile)).toMatchObject({ maxLength: 64, patience: 2 })
    writeFileSync(join(dir, "bad.json"), "{ p: ")
    expect(Effect.runSync(Effect.flip(TrainOptions.readConfigFile(join(dir, "bad.json")))).message).toContain(
      "is not valid JSON"
    )
    writeFileSync(join(dir, "array.json"), "[1]")
    expect(
      Effect.runSync(Effect.flip(TrainOptions.readConfigFile(join(dir, "array.json")))).message
    ).toContain("JSON object")
    expect(
      Effect.runSync(Effect.flip(TrainOptions.readConfigFile(join(dir, "missing.json")))).message
    ).toContain("cannot be read")
  })
})

describe("TrainOptions.layerList", () => {
  it("expands all, sorts and de-duplicates, and rejects layers the model lacks", () => {
    expect(Effect.runSync(TrainOptions.layerList("all", 3))).toEqual([0, 1, 2])
    expect(Effect.runSync(TrainOptions.layerList("2, 0,2", 3))).toEqual([0, 2])
    expect(Effect.runSync(Effect.flip(TrainOptions.layerList("5", 3))).message).toContain("layers 0..2")
  })
})

it("the fingerprint ignores presentation flags but not training settings", () => {
  const base = resolve()
  expect(TrainOptions.fingerprint({ ...base, json: true, report: false, resume: true })).toBe(
    TrainOptions.fingerprint(base)
  )
  expect(TrainOptions.fingerprint({ ...base, p: 0.5 })).not.toBe(TrainOptions.fingerprint(base))
})
