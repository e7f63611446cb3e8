import { describe, expect, it } from "vitest"
import {
  alternateSteps,
  always,
  crossTuning,
  everyKthEpoch,
  formatPlan,
  fromFunction,
  invert,
  join,
  opposite,
  pattern,
  type Phase,
  phasesFor,
  type Position,
  positionAt,
  type Schedule,
  validatePosition,
  warmup,
  when
} from "../src/index.js"

/** The phase of each epoch (first step) of a run, for epoch-level schedules. */
const byEpoch = (s: Schedule, epochs: number): Array<Phase> => phasesFor(s, epochs, 1).map((row) => row[0]!)
/** The phase of each global step of a single long epoch, for step-level schedules. */
const bySteps = (s: Schedule, steps: number): Array<Phase> => [...phasesFor(s, 1, steps)[0]!]
const at = (epoch: number, step = 0, stepInEpoch = 0): Position => ({ epoch, step, stepInEpoch })
const F = "ft"
const A = "addrop"

describe("crossTuning", () => {
  it("follows the paper: epoch 1 FT, epoch 2 AD-Drop, epoch 3 FT, … (0-based epochs 0, 1, 2, …)", () => {
    expect(byEpoch(crossTuning(), 6)).toEqual([F, A, F, A, F, A])
  })
  it("is constant within an epoch, whatever the step counters say", () => {
    expect(phasesFor(crossTuning(), 3, 4)).toEqual([
      [F, F, F, F],
      [A, A, A, A],
      [F, F, F, F]
    ])
    expect(crossTuning()(at(1, 999_999, 12_345))).toBe(A)
  })
  it("can start with AD-Drop", () => {
    expect(byEpoch(crossTuning({ firstPhase: "addrop" }), 4)).toEqual([A, F, A, F])
  })
  it("rejects an unknown first phase", () => {
    expect(() => crossTuning({ firstPhase: "dropout" as Phase })).toThrow(RangeError)
  })
})

describe("always", () => {
  it("always AD-Drop is the no-cross-tuning ablation, always FT the baseline", () => {
    expect(byEpoch(always("addrop"), 3)).toEqual([A, A, A])
    expect(phasesFor(always("ft"), 2, 3)).toEqual([
      [F, F, F],
      [F, F, F]
    ])
  })
  it("rejects an unknown phase", () => {
    expect(() => always("on" as Phase)).toThrow(/"ft" or "addrop"/)
  })
})

describe("everyKthEpoch", () => {
  it("uses AD-Drop where (epoch − offset) mod k = 0", () => {
    expect(byEpoch(everyKthEpoch(3), 7)).toEqual([A, F, F, A, F, F, A])
    expect(byEpoch(everyKthEpoch(3, { offset: 1 }), 8)).toEqual([F, A, F, F, A, F, F, A])
    expect(byEpoch(everyKthEpoch(1), 3)).toEqual([A, A, A])
  })
  it("fine-tunes before the offset", () => {
    expect(byEpoch(everyKthEpoch(2, { offset: 5 }), 8)).toEqual([F, F, F, F, F, A, F, A])
  })
  it("with k = 2 and offset 1 is the paper's cross-tuning", () => {
    expect(byEpoch(everyKthEpoch(2, { offset: 1 }), 10)).toEqual(byEpoch(crossTuning(), 10))
  })
  it("rejects k ≤ 0, fractional k and negative or fractional offsets", () => {
    expect(() => everyKthEpoch(0)).toThrow(/k must be an integer ≥ 1, got 0/)
    expect(() => everyKthEpoch(-2)).toThrow(RangeError)
    expect(() => everyKthEpoch(1.5)).toThrow(RangeError)
    expect(() => everyKthEpoch(Number.NaN)).toThrow(RangeError)
    expect(() => everyKthEpoch(2, { offset: -1 })).toThrow(/offset must be a non-negative integer/)
    expect(() => everyKthEpoch(2, { offset: 0.5 })).toThrow(RangeError)
  })
})

describe("alternateSteps", () => {
  it("runs a FT steps then b AD-Drop steps, repeating over the global step", () => {
    expect(bySteps(alternateSteps({ ft: 2, addrop: 1 }), 7)).toEqual([F, F, A, F, F, A, F])
    expect(bySteps(alternateSteps({ ft: 1, addrop: 3 }), 6)).toEqual([F, A, A, A, F, A])
  })
  it("keeps cycling across epoch boundaries (uses the global step, not stepInEpoch)", () => {
    expect(phasesFor(alternateSteps({ ft: 1, addrop: 1 }), 2, 3)).toEqual([
      [F, A, F],
      [A, F, A]
    ])
  })
  it("allows a zero count (degenerating to always)", () => {
    expect(bySteps(alternateSteps({ ft: 0, addrop: 2 }), 3)).toEqual([A, A, A])
    expect(bySteps(alternateSteps({ ft: 2, addrop: 0 }), 3)).toEqual([F, F, F])
  })
  it("rejects 0 + 0, negative and fractional counts", () => {
    expect(() => alternateSteps({ ft: 0, addrop: 0 })).toThrow(/ft \+ addrop ≥ 1/)
    expect(() => alternateSteps({ ft: -1, addrop: 2 })).toThrow(RangeError)
    expect(() => alternateSteps({ ft: 1, addrop: 2.5 })).toThrow(RangeError)
  })
})

describe("pattern", () => {
  it("repeats by epoch by default", () => {
    expect(byEpoch(pattern([F, A, A]), 7)).toEqual([F, A, A, F, A, A, F])
  })
  it("repeats by global step with by: step", () => {
    expect(phasesFor(pattern([A, F], { by: "step" }), 2, 3)).toEqual([
      [A, F, A],
      [F, A, F]
    ])
  })
  it("copies its input, so later mutation does not change the schedule", () => {
    const phases: Array<Phase> = [F, A]
    const s = pattern(phases)
    phases[0] = A
    expect(s(at(0))).toBe(F)
  })
  it("rejects an empty pattern, unknown phases and unknown units", () => {
    expect(() => pattern([])).toThrow(/at least one phase/)
    expect(() => pattern([F, "x" as Phase])).toThrow(/pattern\[1\]/)
    expect(() => pattern([F], { by: "batch" as "step" })).toThrow(/by must be/)
  })
})

describe("fromFunction", () => {
  it("wraps a function of the position", () => {
    const s = fromFunction(({ stepInEpoch }) => (stepInEpoch >= 2 ? A : F))
    expect(phasesFor(s, 2, 4)).toEqual([
      [F, F, A, A],
      [F, F, A, A]
    ])
  })
  it("throws when the function returns something that is not a phase", () => {
    const s = fromFunction(() => "on" as Phase)
    expect(() => s(at(0))).toThrow(/returned "on"/)
  })
  it("validates the position before calling the function", () => {
    let calls = 0
    const s = fromFunction(() => {
      calls++
      return F
    })
    expect(() => s(at(-1))).toThrow(RangeError)
    expect(calls).toBe(0)
  })
})

describe("invert", () => {
  it("swaps the phases", () => {
    expect(byEpoch(invert(crossTuning()), 4)).toEqual([A, F, A, F])
    expect(byEpoch(invert(always("ft")), 2)).toEqual([A, A])
  })
})

describe("when", () => {
  it("picks a schedule by a predicate on the position", () => {
    const s = when(({ stepInEpoch }) => stepInEpoch === 0, always("ft"), crossTuning())
    expect(phasesFor(s, 2, 3)).toEqual([
      [F, F, F],
      [F, A, A]
    ])
  })
  it("validates the position before calling the predicate", () => {
    expect(() => when(() => true, always(F), always(A))(at(0, 1.5, 0))).toThrow(/position.step/)
  })
})

describe("join", () => {
  it("switches schedules at epoch boundaries and restarts the later one from epoch 0", () => {
    const s = join([always("ft"), crossTuning(), always("addrop")], [2, 5], { by: "epoch" })
    // epochs 0, 1: ft | epochs 2, 3, 4: cross from 0 → ft, addrop, ft | epochs 5+: addrop
    expect(byEpoch(s, 7)).toEqual([F, F, F, A, F, A, A])
  })
  it("defaults to epochs", () => {
    expect(byEpoch(join([always("addrop"), crossTuning()], [1]), 4)).toEqual([A, F, A, F])
  })
  it("switches at global-step boundaries with by: step, shifting only the step counter", () => {
    const seen: Array<Position> = []
    const probe = fromFunction((p) => {
      seen.push(p)
      return A
    })
    const s = join([always("ft"), probe], [5], { by: "step" })
    expect(phasesFor(s, 2, 4)).toEqual([
      [F, F, F, F],
      [F, A, A, A]
    ])
    expect(seen).toEqual([at(1, 0, 1), at(1, 1, 2), at(1, 2, 3)])
  })
  it("passes the step counters through unchanged when joining by epoch", () => {
    const seen: Array<Position> = []
    const probe = fromFunction((p) => {
      seen.push(p)
      return A
    })
    join([always("ft"), probe], [1])(at(3, 37, 7))
    expect(seen).toEqual([at(2, 37, 7)])
  })
  it("with one schedule and no boundaries is that schedule", () => {
    expect(byEpoch(join([crossTuning()], []), 4)).toEqual([F, A, F, A])
  })
  it("boundary 0 skips the first schedule", () => {
    expect(byEpoch(join([always("addrop"), crossTuning()], [0]), 3)).toEqual([F, A, F])
  })
  it("rejects wrong boundary counts, unsorted, repeated, negative and fractional boundaries", () => {
    const two = [always(F), always(A)]
    expect(() => join([], [])).toThrow(/at least one schedule/)
    expect(() => join(two, [])).toThrow(/1 boundaries, got 0/)
    expect(() => join(two, [1, 2])).toThrow(/1 boundaries, got 2/)
    expect(() => join([...two, always(F)], [3, 2])).toThrow(/strictly increasing/)
    expect(() => join([...two, always(F)], [2, 2])).toThrow(/strictly increasing/)
    expect(() => join(two, [-1])).toThrow(RangeError)
    expect(() => join(two, [1.5])).toThrow(RangeError)
    expect(() => join(two, [1], { by: "epochs" as "epoch" })).toThrow(/by must be/)
  })
})

describe("warmup", () => {
  it("fine-tunes for n epochs, then runs the schedule from its epoch 0", () => {
    expect(byEpoch(warmup(1, crossTuning()), 5)).toEqual([F, F, A, F, A])
    expect(byEpoch(warmup(2, always("addrop")), 4)).toEqual([F, F, A, A])
  })
  it("counts global steps with by: step", () => {
    expect(bySteps(warmup(3, alternateSteps({ ft: 1, addrop: 1 }), { by: "step" }), 7)).toEqual([
      F,
      F,
      F,
      F,
      A,
      F,
      A
    ])
  })
  it("warmup(0, s) is s", () => {
    expect(byEpoch(warmup(0, invert(crossTuning())), 4)).toEqual([A, F, A, F])
  })
  it("rejects a negative or fractional n", () => {
    expect(() => warmup(-1, crossTuning())).toThrow(/warmup n/)
    expect(() => warmup(0.5, crossTuning())).toThrow(RangeError)
  })
})

describe("positions", () => {
  it("every schedule rejects negative, fractional, NaN, infinite and missing counters", () => {
    const schedules: Array<Schedule> = [
      crossTuning(),
      always(F),
      everyKthEpoch(2),
      alternateSteps({ ft: 1, addrop: 1 }),
      pattern([F, A], { by: "step" }),
      invert(always(A)),
      warmup(1, crossTuning()),
      join([always(F), always(A)], [3], { by: "step" })
    ]
    const bad: Array<Position> = [
      at(-1),
      at(0, -1),
      at(0, 0, -1),
      at(0.5),
      at(0, 1.5),
      at(Number.NaN),
      at(0, Number.POSITIVE_INFINITY),
      { epoch: 0, step: 0 } as Position,
      null as unknown as Position
    ]
    for (const s of schedules) for (const p of bad) expect(() => s(p)).toThrow(RangeError)
  })
  it("validatePosition names the bad counter", () => {
    expect(() => validatePosition(at(0, 0, -3))).toThrow(
      "position.stepInEpoch must be a non-negative integer, got -3"
    )
    expect(validatePosition(at(1, 2, 3))).toEqual(at(1, 2, 3))
  })
  it("positionAt computes the global step", () => {
    expect(positionAt(2, 3, 100)).toEqual(at(2, 203, 3))
    expect(() => positionAt(0, 5, 5)).toThrow(/less than stepsPerEpoch/)
    expect(() => positionAt(0, 0, 0)).toThrow(RangeError)
  })
})

describe("plans", () => {
  it("phasesFor lays a schedule out over a run", () => {
    expect(phasesFor(crossTuning(), 3, 2)).toEqual([
      [F, F],
      [A, A],
      [F, F]
    ])
    expect(phasesFor(crossTuning(), 0, 2)).toEqual([])
    expect(() => phasesFor(crossTuning(), -1, 2)).toThrow(RangeError)
    expect(() => phasesFor(crossTuning(), 2, 0)).toThrow(RangeError)
  })
  it("formatPlan prints one line per epoch with the runs of each phase", () => {
    expect(formatPlan(phasesFor(crossTuning(), 2, 10))).toBe("epoch 0: ft\nepoch 1: addrop")
    expect(formatPlan(phasesFor(alternateSteps({ ft: 3, addrop: 1 }), 2, 5))).toBe(
      "epoch 0: ft (steps 0–2), addrop (step 3), ft (step 4)\nepoch 1: ft (steps 0–1), addrop (step 2), ft (steps 3–4)"
    )
    expect(formatPlan([[]])).toBe("epoch 0: (no steps)")
    expect(formatPlan([])).toBe("")
  })
  it("opposite swaps phases", () => {
    expect(opposite(F)).toBe(A)
    expect(opposite(A)).toBe(F)
  })
})
