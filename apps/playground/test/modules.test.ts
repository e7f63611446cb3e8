/**
 * The page's modules under Node, without a browser: settings checking, sources from bytes, the Hugging Face
 * export round trip, and the drawing geometry.
 */
import { readModelFiles } from "@addrop/checkpoint"
import { TensorBackend } from "@addrop/backends"
import { Pretrained } from "@addrop/models"
import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import * as Chart from "../src/Chart.js"
import * as Export from "../src/Export.js"
import * as Heatmap from "../src/Heatmap.js"
import * as Inspect from "../src/Inspect.js"
import * as Settings from "../src/Settings.js"
import * as Sources from "../src/Sources.js"

const bytes = (text: string) => new TextEncoder().encode(text)
const failure = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(Effect.flip(effect))

describe("Settings.decode", () => {
  it("checks the form's defaults into values", async () => {
    const s = await Effect.runPromise(Settings.decode({}))
    expect(s).toMatchObject({ preset: "tiny", backend: "auto", p: 0.3, q: 0.3, layers: [0, 1], method: "ga" })
    expect(s.schedule({ epoch: 0, step: 0, stepInEpoch: 0 })).toBe("ft")
    expect(s.schedule({ epoch: 1, step: 9, stepInEpoch: 0 })).toBe("addrop")
  })

  it("names the field of a bad value", async () => {
    expect(await failure(Settings.decode({ p: "1.5" }))).toMatchObject({ _tag: "InvalidSetting", field: "p" })
    expect(await failure(Settings.decode({ epochs: "two" }))).toMatchObject({
      field: "epochs",
      reason: "not a number"
    })
    expect(await failure(Settings.decode({ scheduleSpec: "sometimes" }))).toMatchObject({ field: "schedule" })
    expect(await failure(Settings.decode({ layers: "0,2" }, 2))).toMatchObject({ field: "layers" })
    expect(await failure(Settings.decode({ backend: "cuda" }))).toMatchObject({ field: "backend" })
  })
})

describe("Sources", () => {
  it("reads labelled TSV and CSV by their header, and rejects a table without a label column", async () => {
    const tsv = await Effect.runPromise(
      Sources.labelledText("a.tsv", bytes("sentence\tlabel\ngood\t1\nbad\t0\n"))
    )
    expect(tsv.examples.map((e) => [e.text, e.label])).toEqual([
      ["good", 1],
      ["bad", 0]
    ])
    const csv = await Effect.runPromise(
      Sources.labelledText("b.csv", bytes('id,Text,label\n1,"fine, really",1\n'))
    )
    expect(csv.examples.map((e) => [e.text, e.label])).toEqual([["fine, really", 1]])
    expect(await failure(Sources.labelledText("c.tsv", bytes("sentence\tscore\nx\t1\n")))).toMatchObject({
      _tag: "UnusableFiles"
    })
  })

  it("needs tokenizer.json or vocab.txt", async () => {
    expect(await failure(Sources.tokenizerFromFiles(new Map()))).toMatchObject({ _tag: "UnusableFiles" })
    const tokenizer = await Effect.runPromise(
      Sources.tokenizerFromFiles(
        new Map([["vocab.txt", bytes("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n")]])
      )
    )
    expect(tokenizer.encode("Hello there").inputIds).toEqual([2, 5, 1, 3])
  })
})

describe("Export.modelFiles", () => {
  it("writes a Hugging Face folder that loads back to the same weights", async () => {
    const program = Effect.gen(function* () {
      const before = tf.memory().numTensors
      const model = yield* Sources.presetModel("tiny", 40, 3)
      const files = yield* Export.modelFiles(model, { "vocab.txt": "[PAD]\n" })
      expect([...files.keys()]).toEqual(["config.json", "model.safetensors", "vocab.txt"])
      const { model: loaded, report } = yield* Pretrained.fromPretrained(yield* readModelFiles(files))
      expect(report.initialised).toEqual([])
      expect(loaded.task).toBe("classification")
      for (const [name, variable] of model.parameters) {
        expect(Array.from(yield* Effect.promise(() => loaded.parameters.get(name)!.data())), name).toEqual(
          Array.from(yield* Effect.promise(() => variable.data()))
        )
      }
      model.dispose()
      loaded.dispose()
      expect(tf.memory().numTensors).toBe(before)
    })
    await Effect.runPromise(Effect.scoped(Effect.provide(program, TensorBackend.layerCpu)))
  })
})

describe("Inspect.inspect", () => {
  it("attributes every layer with each method, a typed sentence's prediction standing in for its label", async () => {
    const program = Effect.gen(function* () {
      const before = tf.memory().numTensors
      const tokenizer = yield* Sources.tokenizerFromFiles(
        new Map([["vocab.txt", bytes("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\ngood\nfilm\n")]])
      )
      const model = yield* Sources.presetModel("tiny", tokenizer.vocabSize, 1)
      for (const method of ["ga", "gold", "rd", "loss"] as const) {
        const settings = yield* Settings.decode({ method, layers: "1" })
        const seen = yield* Inspect.inspect(model, tokenizer, "good film", settings)
        expect(seen.tokens).toEqual(["[CLS]", "good", "film", "[SEP]"])
        expect([...seen.attribution.keys()], method).toEqual([0, 1])
        expect(seen.attribution.get(0)!.length).toBe(2 * 4 * 4)
        expect([...seen.dropped.keys()]).toEqual([1])
        expect(seen.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
      }
      model.dispose()
      expect(tf.memory().numTensors).toBe(before)
    })
    await Effect.runPromise(Effect.scoped(Effect.provide(program, TensorBackend.layerCpu)))
  })
})

describe("drawing", () => {
  it("fits a series into the box: first point at the left, extremes at the top and bottom", () => {
    const points = Chart.polyline(
      {
        name: "loss",
        color: "red",
        points: [
          [0, 1],
          [2, 0.5],
          [4, 0]
        ]
      },
      4,
      100,
      50
    )
    expect(points).toBe("0.0,0.0 50.0,25.0 100.0,50.0")
  })

  it("colours attribution by sign and magnitude, scaled per row", () => {
    expect(Heatmap.color(0)).toBe("rgb(255,255,255)")
    expect(Heatmap.color(1)).toBe("rgb(230,110,20)")
    expect(Heatmap.color(-2)).toBe("rgb(40,100,200)")
    const map = Float32Array.from([1, -4, 0, 2, 0, 0, 0, 0])
    expect([0, 2, 4, 6].map((offset) => Heatmap.scale(map, offset, 2))).toEqual([4, 2, 1, 1])
  })
})
