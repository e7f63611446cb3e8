import { Effect, Result } from "effect"
import { describe, expect, expectTypeOf, it } from "vitest"
import {
  evaluate,
  type GlueTask,
  glueTaskNames,
  glueTasks,
  InvalidValue,
  isGlueTask,
  parseTask,
  type Scores,
  UnknownTask
} from "../src/index.js"

const scores = <T extends GlueTask>(task: T, p: ArrayLike<number>, g: ArrayLike<number>): Scores<T> =>
  Result.getOrThrow(evaluate(task, p, g))

// The binary and three-class inputs of reference.test.ts (values from scikit-learn 1.2.1, SciPy 1.10.1).
const bp = [1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1]
const bg = [1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1]
const mp = [0, 1, 2, 2, 1, 0, 0, 2, 1, 1, 2, 0, 1, 2, 2]
const mg = [0, 1, 2, 1, 1, 0, 2, 2, 0, 1, 2, 0, 1, 0, 2]

describe("the GLUE task table", () => {
  it("maps each task to its metrics", () => {
    expect(glueTaskNames).toEqual(["cola", "sst2", "mrpc", "qqp", "stsb", "mnli", "qnli", "rte", "wnli"])
    expect(glueTasks.cola.metrics).toEqual(["matthews"])
    for (const t of ["sst2", "mnli", "qnli", "rte", "wnli"] as const)
      expect(glueTasks[t].metrics).toEqual(["accuracy"])
    expect(glueTasks.mrpc.metrics).toEqual(["f1", "accuracy"])
    expect(glueTasks.qqp.metrics).toEqual(["f1", "accuracy"])
    expect(glueTasks.stsb.metrics).toEqual(["pearson", "spearman"])
    expect(glueTasks.mnli.numLabels).toBe(3)
    expect(glueTasks.stsb.numLabels).toBeUndefined()
  })
  it("parses task names loosely and rejects unknown ones", () => {
    expect(Result.getOrThrow(parseTask("STS-B"))).toBe("stsb")
    expect(Result.getOrThrow(parseTask("SST-2"))).toBe("sst2")
    expect(Result.getOrThrow(parseTask("CoLA"))).toBe("cola")
    expect(Result.getOrThrow(parseTask("mnli-mm"))).toBe("mnli")
    expect(Result.getOrThrow(parseTask("mnli_matched"))).toBe("mnli")
    const r = parseTask("squad")
    expect(Result.isFailure(r) && r.failure).toBeInstanceOf(UnknownTask)
    expect(Result.isFailure(r) && r.failure.message).toBe(
      'Unknown GLUE task "squad"; expected one of: cola, sst2, mrpc, qqp, stsb, mnli, qnli, rte, wnli'
    )
    expect(isGlueTask("rte")).toBe(true)
    expect(isGlueTask("RTE")).toBe(false)
    expect(isGlueTask("toString")).toBe(false)
  })
})

describe("evaluate", () => {
  it("cola: matthews_corrcoef(bg, bp) = 0.4923659639173309 is also main", () => {
    const s = scores("cola", bp, bg)
    expect(s).toEqual({
      matthews: expect.closeTo(0.4923659639173309, 15),
      main: expect.closeTo(0.4923659639173309, 15)
    })
  })
  it("mrpc / qqp: f1 0.7826086956521738, accuracy 0.75, main their mean", () => {
    for (const task of ["mrpc", "qqp"] as const) {
      const s = scores(task, bp, bg)
      expect(Object.keys(s).sort()).toEqual(["accuracy", "f1", "main"])
      expect(s.f1).toBeCloseTo(0.7826086956521738, 15)
      expect(s.accuracy).toBe(0.75)
      expect(s.main).toBeCloseTo((0.7826086956521738 + 0.75) / 2, 15)
    }
  })
  it("accuracy tasks: sst2, qnli, rte, wnli (binary) and mnli (three classes)", () => {
    for (const task of ["sst2", "qnli", "rte", "wnli"] as const)
      expect(scores(task, bp, bg)).toEqual({ accuracy: 0.75, main: 0.75 })
    const m = scores("mnli", mp, mg)
    expect(m.accuracy).toBeCloseTo(0.7333333333333333, 15)
    expect(m.main).toBe(m.accuracy)
  })
  it("stsb: pearsonr 0.9304538052897159, spearmanr 0.9020979020979022, main their mean", () => {
    // rng = np.random.default_rng(0); sg = np.round(rng.uniform(0,5,12),2); sp = np.round(sg + rng.normal(0,0.8,12),3)
    // pearsonr(sp, sg)[0], spearmanr(sp, sg)[0]
    const sg = [3.18, 1.35, 0.2, 0.08, 4.07, 4.56, 3.03, 3.65, 2.72, 4.68, 4.08, 0.01]
    const sp = [1.32, 1.175, -0.797, -0.506, 3.635, 4.307, 3.359, 4.484, 2.617, 5.773, 3.548, 0.291]
    const s = scores("stsb", sp, sg)
    expect(s.pearson).toBeCloseTo(0.9304538052897159, 14)
    expect(s.spearman).toBeCloseTo(0.9020979020979022, 14)
    expect(s.main).toBeCloseTo((0.9304538052897159 + 0.9020979020979022) / 2, 14)
    // float32 predictions straight from a model differ from the float64 ones only in the 8th digit
    expect(scores("stsb", Float32Array.from(sp), sg).pearson).toBeCloseTo(0.9304538052897159, 6)
  })
  it("stsb with constant predictions scores NaN, which never wins a `>` comparison", () => {
    const s = scores("stsb", [2, 2, 2], [1, 2, 3])
    expect(s.pearson).toBeNaN()
    expect(s.main).toBeNaN()
    expect(s.main > Number.NEGATIVE_INFINITY).toBe(false)
  })
  it("has precise types per task", () => {
    expectTypeOf(scores("stsb", [1, 2], [1, 2])).toEqualTypeOf<Scores<"stsb">>()
    expectTypeOf<Scores<"mrpc">>().toEqualTypeOf<
      { readonly f1: number; readonly accuracy: number } & { readonly main: number }
    >()
  })
  it("rejects labels outside the task's classes, non-integer labels, and bad lengths", () => {
    const bad = (task: GlueTask, p: Array<number>, g: Array<number>) => {
      const r = evaluate(task, p, g)
      if (Result.isSuccess(r)) throw new Error("expected a failure")
      return r.failure
    }
    const e = bad("mnli", [0, 1, 3], [0, 1, 2]) as InvalidValue
    expect(e).toBeInstanceOf(InvalidValue)
    expect(e.message).toBe("mnli: predictions[2] is 3, expected one of the mnli labels {0, 1, 2}")
    expect(bad("cola", [0, 1], [0, -1]).message).toBe(
      "cola: gold[1] is -1, expected one of the cola labels {0, 1}"
    )
    expect(bad("sst2", [0.7, 0.3], [1, 0]).message).toBe(
      "sst2: predictions[0] is 0.7, expected an integer class label"
    )
    expect(bad("qqp", [0, 1], [1])._tag).toBe("LengthMismatch")
    expect(bad("rte", [], [])._tag).toBe("EmptyInput")
    expect(bad("stsb", [1, Number.NaN], [1, 2])._tag).toBe("InvalidValue")
    expect(bad("nope" as GlueTask, [1], [1])._tag).toBe("UnknownTask")
  })
  it("fits Effect code, with the errors in the typed channel", () => {
    const program = Effect.fromResult(evaluate("rte", [1, 0], [1, 1, 0])).pipe(
      Effect.map((s) => s.main),
      Effect.catchTag("LengthMismatch", (e) => Effect.succeed(-e.lengths[1]))
    )
    expect(Effect.runSync(program)).toBe(-3)
  })
})
