import { Effect, Result } from "effect"
import { describe, expect, it } from "vitest"
import {
  alternateSteps,
  always,
  compile,
  crossTuning,
  describe as describeSpec,
  everyKthEpoch,
  format,
  InvalidSchedule,
  make,
  pattern,
  phasesFor,
  parse,
  type Schedule,
  type ScheduleSpec,
  validate,
  warmup
} from "../src/index.js"

const ok = (text: string): ScheduleSpec => {
  const r = parse(text)
  if (Result.isFailure(r)) throw new Error(`expected ${text} to parse: ${r.failure.message}`)
  return r.success
}
const failure = (text: string): InvalidSchedule => {
  const r = parse(text)
  if (Result.isSuccess(r)) throw new Error(`expected ${text} to fail, got ${JSON.stringify(r.success)}`)
  return r.failure
}
const samePlan = (a: Schedule, b: Schedule) => expect(phasesFor(a, 9, 5)).toEqual(phasesFor(b, 9, 5))

describe("parse", () => {
  it.each<[string, ScheduleSpec]>([
    ["cross", { _tag: "Cross", firstPhase: "ft" }],
    ["cross:ft", { _tag: "Cross", firstPhase: "ft" }],
    ["cross:addrop", { _tag: "Cross", firstPhase: "addrop" }],
    ["always", { _tag: "Always", phase: "addrop" }],
    ["never", { _tag: "Always", phase: "ft" }],
    ["every:3", { _tag: "Every", k: 3, offset: 0 }],
    ["every:3:1", { _tag: "Every", k: 3, offset: 1 }],
    ["every:1:0", { _tag: "Every", k: 1, offset: 0 }],
    ["steps:1:1", { _tag: "Steps", ft: 1, addrop: 1 }],
    ["steps:0:4", { _tag: "Steps", ft: 0, addrop: 4 }],
    ["pattern:ft,addrop,addrop", { _tag: "Pattern", phases: ["ft", "addrop", "addrop"], by: "epoch" }],
    ["pattern:epoch:addrop", { _tag: "Pattern", phases: ["addrop"], by: "epoch" }],
    ["pattern:step:ft,addrop", { _tag: "Pattern", phases: ["ft", "addrop"], by: "step" }],
    ["warmup:1+cross", { _tag: "Warmup", n: 1, by: "epoch", schedule: { _tag: "Cross", firstPhase: "ft" } }],
    ["warmup:0+always", { _tag: "Warmup", n: 0, by: "epoch", schedule: { _tag: "Always", phase: "addrop" } }],
    [
      "warmup:step:500+steps:2:1",
      { _tag: "Warmup", n: 500, by: "step", schedule: { _tag: "Steps", ft: 2, addrop: 1 } }
    ],
    [
      "warmup:2+warmup:step:10+every:2",
      {
        _tag: "Warmup",
        n: 2,
        by: "epoch",
        schedule: { _tag: "Warmup", n: 10, by: "step", schedule: { _tag: "Every", k: 2, offset: 0 } }
      }
    ]
  ])("%s", (text, expected) => {
    expect(ok(text)).toEqual(expected)
  })

  it("ignores case and surrounding whitespace", () => {
    expect(ok("  CROSS ")).toEqual(ok("cross"))
    expect(ok("Pattern: FT , AdDrop")).toEqual(ok("pattern:ft,addrop"))
    expect(ok("warmup : 1 + cross")).toEqual(ok("warmup:1+cross"))
    expect(ok("Every:3 : 1")).toEqual(ok("every:3:1"))
  })

  it.each<[string, string]>([
    ["", "the spec is empty"],
    ["   ", "the spec is empty"],
    ["crosstuning", 'unknown schedule "crosstuning"'],
    ["random", 'unknown schedule "random"'],
    ["cross:dropout", 'unknown phase "dropout"'],
    ["cross:ft:addrop", "cross takes at most one field"],
    ["always:3", "always takes no fields"],
    ["never:ft", "never takes no fields"],
    ["every", "every needs K"],
    ["every:", "K is missing"],
    ["every:0", 'K must be a positive integer, got "0"'],
    ["every:-2", 'K must be a positive integer, got "-2"'],
    ["every:1.5", 'K must be a positive integer, got "1.5"'],
    ["every:1e2", 'K must be a positive integer, got "1e2"'],
    ["every:three", 'K must be a positive integer, got "three"'],
    ["every:99999999999999999999", "K is too large"],
    ["every:3:-1", 'OFFSET must be a non-negative integer, got "-1"'],
    ["every:3:0.5", 'OFFSET must be a non-negative integer, got "0.5"'],
    ["every:3:1:2", "every takes K or K:OFFSET"],
    ["steps", "steps takes FT:ADDROP, got nothing"],
    ["steps:1", "steps takes FT:ADDROP"],
    ["steps:1:2:3", "steps takes FT:ADDROP"],
    ["steps:0:0", "steps needs FT + ADDROP ≥ 1"],
    ["steps:-1:2", 'FT must be a non-negative integer, got "-1"'],
    ["steps:1:2.5", 'ADDROP must be a non-negative integer, got "2.5"'],
    ["pattern", "pattern needs phases"],
    ["pattern:", "pattern needs at least one phase"],
    ["pattern:step:", "pattern needs at least one phase"],
    ["pattern:ft,,addrop", 'unknown phase "" at position 2'],
    ["pattern:ft,drop", 'unknown phase "drop" at position 2'],
    ["pattern:batch:ft", 'unknown unit "batch"'],
    ["pattern:step:ft:addrop", "pattern takes PHASE,PHASE,…"],
    ["warmup", 'warmup needs "+SPEC"'],
    ["warmup:1", 'warmup needs "+SPEC"'],
    ["warmup:1+", "warmup needs a schedule after"],
    ["warmup:+cross", "warmup N is missing"],
    ["warmup:-1+cross", 'warmup N must be a non-negative integer, got "-1"'],
    ["warmup:1.5+cross", 'warmup N must be a non-negative integer, got "1.5"'],
    ["warmup:epochs:1+cross", 'unknown unit "epochs"'],
    ["warmup:1+every:0", 'after warmup:…+: K must be a positive integer, got "0"'],
    ["warmup:1+warmup:2", 'after warmup:…+: warmup needs "+SPEC"']
  ])("rejects %j", (text, reason) => {
    const error = failure(text)
    expect(error).toBeInstanceOf(InvalidSchedule)
    expect(error._tag).toBe("InvalidSchedule")
    expect(error.spec).toBe(text)
    expect(error.reason).toContain(reason)
    expect(error.message).toContain(JSON.stringify(text))
    expect(error.message).toContain(reason)
    expect(error.message).toContain("every:K:OFFSET")
  })

  it("rejects non-strings with a typed error instead of throwing", () => {
    expect(failure(42 as unknown as string).reason).toBe("the spec must be a string")
  })

  it("works in Effect code through Effect.fromResult, with the error in the typed channel", () => {
    const program = (text: string) =>
      Effect.fromResult(parse(text)).pipe(
        Effect.map(format),
        Effect.catchTag("InvalidSchedule", (e) => Effect.succeed(`bad: ${e.spec}`))
      )
    expect(Effect.runSync(program("Every:2:0"))).toBe("every:2")
    expect(Effect.runSync(program("every:0"))).toBe("bad: every:0")
  })
})

describe("format", () => {
  it.each([
    "cross",
    "cross:addrop",
    "always",
    "never",
    "every:3",
    "every:3:1",
    "steps:1:1",
    "steps:0:7",
    "pattern:ft,addrop,addrop",
    "pattern:step:addrop,ft",
    "warmup:1+cross",
    "warmup:step:100+pattern:step:ft,addrop",
    "warmup:1+warmup:step:2+every:4:3"
  ])("round-trips the canonical text %s", (text) => {
    expect(format(ok(text))).toBe(text)
  })
  it.each([
    ["cross:ft", "cross"],
    ["every:3:0", "every:3"],
    ["pattern:epoch:ft", "pattern:ft"],
    ["warmup:epoch:1+ CROSS", "warmup:1+cross"]
  ])("canonicalises %s to %s", (text, canonical) => {
    expect(format(ok(text))).toBe(canonical)
  })
})

describe("compile", () => {
  it("gives the schedules the spec names", () => {
    samePlan(compile(ok("cross")), crossTuning())
    samePlan(compile(ok("cross:addrop")), crossTuning({ firstPhase: "addrop" }))
    samePlan(compile(ok("always")), always("addrop"))
    samePlan(compile(ok("never")), always("ft"))
    samePlan(compile(ok("every:3:1")), everyKthEpoch(3, { offset: 1 }))
    samePlan(compile(ok("steps:2:1")), alternateSteps({ ft: 2, addrop: 1 }))
    samePlan(
      compile(ok("pattern:step:ft,addrop,addrop")),
      pattern(["ft", "addrop", "addrop"], { by: "step" })
    )
    samePlan(compile(ok("warmup:1+cross")), warmup(1, crossTuning()))
    samePlan(compile(ok("warmup:step:7+cross")), warmup(7, crossTuning(), { by: "step" }))
  })
  it("lays out the paper's schedules", () => {
    expect(phasesFor(compile(ok("cross")), 4, 1).flat()).toEqual(["ft", "addrop", "ft", "addrop"])
    expect(phasesFor(compile(ok("warmup:1+cross")), 5, 1).flat()).toEqual([
      "ft",
      "ft",
      "addrop",
      "ft",
      "addrop"
    ])
  })
  it("throws a RangeError for a hand-built spec with bad numbers", () => {
    expect(() => compile({ _tag: "Every", k: 0, offset: 0 })).toThrow(RangeError)
  })
})

describe("describe", () => {
  it.each([
    [
      "cross",
      "cross-tuning: plain fine-tuning on even epochs (0, 2, 4, …; the paper's epochs 1, 3, 5, …), AD-Drop on odd epochs (1, 3, 5, …)"
    ],
    [
      "cross:addrop",
      "cross-tuning starting with AD-Drop: AD-Drop on even epochs (0, 2, 4, …), plain fine-tuning on odd epochs (1, 3, 5, …)"
    ],
    ["always", "AD-Drop on every step (no cross-tuning)"],
    ["never", "plain fine-tuning on every step (no AD-Drop)"],
    [
      "every:3:1",
      "AD-Drop on epochs 1, 4, 7, … (every 3rd epoch from epoch 1), plain fine-tuning on the other epochs"
    ],
    [
      "every:2",
      "AD-Drop on epochs 0, 2, 4, … (every 2nd epoch from epoch 0), plain fine-tuning on the other epochs"
    ],
    [
      "every:1",
      "AD-Drop on epochs 0, 1, 2, … (every epoch from epoch 0), plain fine-tuning on the other epochs"
    ],
    [
      "every:11",
      "AD-Drop on epochs 0, 11, 22, … (every 11th epoch from epoch 0), plain fine-tuning on the other epochs"
    ],
    [
      "every:21",
      "AD-Drop on epochs 0, 21, 42, … (every 21st epoch from epoch 0), plain fine-tuning on the other epochs"
    ],
    ["steps:1:1", "repeating every 2 global steps: 1 plain fine-tuning step, then 1 AD-Drop step"],
    ["steps:3:2", "repeating every 5 global steps: 3 plain fine-tuning steps, then 2 AD-Drop steps"],
    ["pattern:ft,addrop,addrop", "repeating per-epoch pattern of 3: plain fine-tuning, AD-Drop, AD-Drop"],
    ["pattern:step:addrop", "repeating per-step pattern of 1: AD-Drop"],
    [
      "warmup:1+cross",
      "plain fine-tuning for the first epoch (epoch 0), then, counting epochs from 1 as 0: cross-tuning: plain fine-tuning on even epochs (0, 2, 4, …; the paper's epochs 1, 3, 5, …), AD-Drop on odd epochs (1, 3, 5, …)"
    ],
    [
      "warmup:step:100+always",
      "plain fine-tuning for the first 100 global steps (0–99), then, counting global steps from 100 as 0: AD-Drop on every step (no cross-tuning)"
    ],
    ["warmup:0+never", "plain fine-tuning on every step (no AD-Drop)"]
  ])("%s", (text, expected) => {
    expect(describeSpec(ok(text))).toBe(expected)
  })
})

describe("make: the validating constructor", () => {
  const failure = (spec: ScheduleSpec | string) => Effect.runPromise(Effect.flip(make(spec)))

  it("builds the same schedule as compile for valid specs and texts", async () => {
    const spec: ScheduleSpec = {
      _tag: "Warmup",
      n: 1,
      by: "epoch",
      schedule: { _tag: "Cross", firstPhase: "ft" }
    }
    const fromSpec = await Effect.runPromise(make(spec))
    const fromText = await Effect.runPromise(make("warmup:1+cross"))
    expect(phasesFor(fromSpec, 5, 2)).toEqual(phasesFor(compile(spec), 5, 2))
    expect(phasesFor(fromText, 5, 2)).toEqual(phasesFor(compile(spec), 5, 2))
  })

  it.each<[string, ScheduleSpec, string]>([
    ["K = 0", { _tag: "Every", k: 0, offset: 0 }, "every: K must be a positive integer, got 0"],
    [
      "a fractional offset",
      { _tag: "Every", k: 2, offset: 0.5 },
      "every: OFFSET must be a non-negative integer"
    ],
    ["steps:0:0", { _tag: "Steps", ft: 0, addrop: 0 }, "FT + ADDROP ≥ 1"],
    [
      "a negative count",
      { _tag: "Steps", ft: -1, addrop: 2 },
      "steps: FT must be a non-negative integer, got -1"
    ],
    ["an empty pattern", { _tag: "Pattern", phases: [], by: "epoch" }, "at least one phase"],
    [
      "an unknown phase",
      { _tag: "Pattern", phases: ["ft", "drop" as "ft"], by: "epoch" },
      'pattern: phase 2 must be "ft" or "addrop", got "drop"'
    ],
    [
      "an unknown unit",
      { _tag: "Pattern", phases: ["ft"], by: "batch" as "step" },
      'by must be "epoch" or "step"'
    ],
    [
      "a bad nested schedule",
      { _tag: "Warmup", n: 1, by: "step", schedule: { _tag: "Every", k: -3, offset: 0 } },
      "after warmup: every: K must be a positive integer, got -3"
    ],
    ["an unknown tag", { _tag: "Sometimes" } as unknown as ScheduleSpec, 'unknown schedule tag "Sometimes"']
  ])("fails with InvalidSchedule for %s", async (_, spec, reason) => {
    const error = await failure(spec)
    expect(error).toBeInstanceOf(InvalidSchedule)
    expect(error._tag).toBe("InvalidSchedule")
    expect(error.reason).toContain(reason)
    expect(JSON.parse(error.spec)).toEqual(JSON.parse(JSON.stringify(spec)))
    // validate agrees, without running an Effect.
    expect(Result.isFailure(validate(spec))).toBe(true)
  })

  it("fails with InvalidSchedule for bad text, as parse does", async () => {
    const error = await failure("every:0")
    expect(error).toMatchObject({ _tag: "InvalidSchedule", spec: "every:0" })
    expect(error.reason).toContain("K must be a positive integer")
  })

  it("accepts every spec that parse produces", () => {
    for (const text of [
      "cross",
      "cross:addrop",
      "always",
      "never",
      "every:3:1",
      "steps:2:1",
      "pattern:step:ft,addrop",
      "warmup:step:5+warmup:1+cross"
    ]) {
      expect(Result.isSuccess(validate(ok(text))), text).toBe(true)
    }
  })
})
