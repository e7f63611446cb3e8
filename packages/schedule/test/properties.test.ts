/**
 * Property tests over many random positions and random schedules (fast-check).
 */
import { Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  alternateSteps,
  always,
  compile,
  counter,
  crossTuning,
  everyKthEpoch,
  format,
  invert,
  join,
  type Phase,
  parse,
  pattern,
  type Position,
  type Schedule,
  type ScheduleSpec,
  shift,
  type Unit,
  warmup,
  when
} from "../src/index.js"

const runs = { numRuns: 500 }
const phase = fc.constantFrom<Phase>("ft", "addrop")
const unit = fc.constantFrom<Unit>("epoch", "step")
const position: fc.Arbitrary<Position> = fc.record({
  epoch: fc.nat(2_000),
  step: fc.nat(5_000_000),
  stepInEpoch: fc.nat(100_000)
})

const spec: fc.Arbitrary<ScheduleSpec> = fc.letrec<{ spec: ScheduleSpec }>((tie) => ({
  spec: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ _tag: fc.constant("Cross" as const), firstPhase: phase }),
    fc.record({ _tag: fc.constant("Always" as const), phase }),
    fc.record({
      _tag: fc.constant("Every" as const),
      k: fc.integer({ min: 1, max: 50 }),
      offset: fc.nat(50)
    }),
    fc
      .record({ ft: fc.nat(20), addrop: fc.nat(20) })
      .filter(({ ft, addrop }) => ft + addrop > 0)
      .map(({ ft, addrop }) => ({ _tag: "Steps" as const, ft, addrop })),
    fc.record({
      _tag: fc.constant("Pattern" as const),
      phases: fc.array(phase, { minLength: 1, maxLength: 8 }),
      by: unit
    }),
    fc.record({ _tag: fc.constant("Warmup" as const), n: fc.nat(100), by: unit, schedule: tie("spec") })
  )
})).spec

/** A random schedule built from the constructors and the combinators. */
const schedule: fc.Arbitrary<Schedule> = fc.letrec<{ s: Schedule }>((tie) => ({
  s: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    spec.map(compile),
    tie("s").map(invert),
    fc.tuple(tie("s"), tie("s"), fc.nat(3_000), unit).map(([a, b, n, by]) => join([a, b], [n], { by })),
    fc.tuple(tie("s"), tie("s"), fc.nat(7)).map(([a, b, m]) => when((p) => p.epoch % 8 === m, a, b))
  )
})).s

describe("schedule laws", () => {
  it("invert(invert(s)) agrees with s, and invert(s) always differs from s", () => {
    fc.assert(
      fc.property(schedule, position, (s, p) => {
        expect(invert(invert(s))(p)).toBe(s(p))
        expect(invert(s)(p)).not.toBe(s(p))
      }),
      runs
    )
  })

  it("join picks the schedule of the segment and shifts the position by its boundary", () => {
    fc.assert(
      fc.property(
        fc.array(schedule, { minLength: 1, maxLength: 4 }),
        fc.uniqueArray(fc.nat(3_000), { minLength: 3, maxLength: 3 }),
        unit,
        position,
        (ss, raw, by, p) => {
          const boundaries = raw.sort((a, b) => a - b).slice(0, ss.length - 1)
          const joined = join(ss, boundaries, { by })
          const c = counter(p, by)
          const segment = boundaries.filter((b) => c >= b).length
          const expected = segment === 0 ? ss[0]!(p) : ss[segment]!(shift(p, by, boundaries[segment - 1]!))
          expect(joined(p)).toBe(expected)
        }
      ),
      runs
    )
  })

  it("at a boundary the next schedule sees counter 0, just before it the previous schedule runs", () => {
    fc.assert(
      fc.property(
        schedule,
        schedule,
        fc.integer({ min: 1, max: 3_000 }),
        unit,
        position,
        (a, b, n, by, p) => {
          const atBoundary = by === "epoch" ? { ...p, epoch: n } : { ...p, step: n }
          const before = by === "epoch" ? { ...p, epoch: n - 1 } : { ...p, step: n - 1 }
          const joined = join([a, b], [n], { by })
          expect(joined(atBoundary)).toBe(b(by === "epoch" ? { ...p, epoch: 0 } : { ...p, step: 0 }))
          expect(joined(before)).toBe(a(before))
        }
      ),
      runs
    )
  })

  it("warmup(n, s) fine-tunes before n and runs shifted s after; warmup(0, s) is s", () => {
    fc.assert(
      fc.property(schedule, fc.nat(3_000), unit, position, (s, n, by, p) => {
        const w = warmup(n, s, { by })
        expect(w(p)).toBe(counter(p, by) < n ? "ft" : s(shift(p, by, n)))
        expect(warmup(0, s, { by })(p)).toBe(s(p))
      }),
      runs
    )
  })

  it("when(pred, s, s) is s; when with a constant predicate picks one branch", () => {
    fc.assert(
      fc.property(schedule, schedule, position, (a, b, p) => {
        expect(when((q) => q.step % 2 === 0, a, a)(p)).toBe(a(p))
        expect(when(() => true, a, b)(p)).toBe(a(p))
        expect(when(() => false, a, b)(p)).toBe(b(p))
      }),
      runs
    )
  })

  it("cross-tuning equals every-2nd-epoch-from-1 and the ft,addrop epoch pattern; starting with AD-Drop is its inverse", () => {
    fc.assert(
      fc.property(position, (p) => {
        const c = crossTuning()(p)
        expect(c).toBe(p.epoch % 2 === 0 ? "ft" : "addrop")
        expect(everyKthEpoch(2, { offset: 1 })(p)).toBe(c)
        expect(pattern(["ft", "addrop"])(p)).toBe(c)
        expect(crossTuning({ firstPhase: "addrop" })(p)).toBe(invert(crossTuning())(p))
        expect(everyKthEpoch(2)(p)).toBe(invert(crossTuning())(p))
      }),
      runs
    )
  })

  it("epoch-based schedules ignore the step counters", () => {
    fc.assert(
      fc.property(
        phase,
        fc.integer({ min: 1, max: 20 }),
        fc.nat(20),
        position,
        position,
        (first, k, offset, p, q) => {
          const moved = { ...q, epoch: p.epoch }
          for (const s of [crossTuning({ firstPhase: first }), everyKthEpoch(k, { offset })]) {
            expect(s(moved)).toBe(s(p))
          }
        }
      ),
      runs
    )
  })

  it("patterns are periodic in their counter", () => {
    fc.assert(
      fc.property(fc.array(phase, { minLength: 1, maxLength: 9 }), unit, position, (phases, by, p) => {
        const s = pattern(phases, { by })
        const later =
          by === "epoch" ? { ...p, epoch: p.epoch + phases.length } : { ...p, step: p.step + phases.length }
        expect(s(later)).toBe(s(p))
        expect(s(p)).toBe(phases[counter(p, by) % phases.length])
      }),
      runs
    )
  })

  it("alternateSteps spends exactly ft FT steps and addrop AD-Drop steps in every window of one period", () => {
    fc.assert(
      fc.property(fc.nat(10), fc.nat(10), fc.nat(100_000), (ft, addrop, start) => {
        fc.pre(ft + addrop > 0)
        const s = alternateSteps({ ft, addrop })
        let n = 0
        for (let step = start; step < start + ft + addrop; step++) {
          if (s({ epoch: 0, step, stepInEpoch: 0 }) === "addrop") n++
        }
        expect(n).toBe(addrop)
      }),
      runs
    )
  })

  it("always is constant", () => {
    fc.assert(
      fc.property(phase, position, (ph, p) => {
        expect(always(ph)(p)).toBe(ph)
      }),
      runs
    )
  })

  it("every schedule rejects a position with a negative or fractional counter", () => {
    const badValue = fc.oneof(
      fc.integer({ min: -1_000_000, max: -1 }),
      fc.double({ noInteger: true }),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY)
    )
    fc.assert(
      fc.property(
        schedule,
        position,
        fc.constantFrom("epoch", "step", "stepInEpoch"),
        badValue,
        (s, p, key, value) => {
          expect(() => s({ ...p, [key]: value })).toThrow(RangeError)
        }
      ),
      runs
    )
  })
})

describe("spec laws", () => {
  it("parse(format(spec)) is spec, and format is canonical", () => {
    fc.assert(
      fc.property(spec, (s) => {
        const text = format(s)
        expect(Result.getOrThrow(parse(text))).toEqual(s)
        expect(format(Result.getOrThrow(parse(text)))).toBe(text)
      }),
      runs
    )
  })

  it("parse ignores case and surrounding whitespace", () => {
    fc.assert(
      fc.property(
        spec,
        fc.stringMatching(/^[ \t]{0,3}$/),
        fc.stringMatching(/^[ \t]{0,3}$/),
        (s, pre, post) => {
          expect(Result.getOrThrow(parse(pre + format(s).toUpperCase() + post))).toEqual(s)
        }
      ),
      runs
    )
  })

  it("parse never throws: every string parses or fails with InvalidSchedule", () => {
    const alphabet = fc.constantFrom(..."crosalwyneviptfdm0123456789:+,.- ".split(""))
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: alphabet, maxLength: 30 })), (text) => {
        const r = parse(text)
        if (Result.isFailure(r)) {
          expect(r.failure._tag).toBe("InvalidSchedule")
          expect(r.failure.spec).toBe(text)
        } else {
          expect(Result.getOrThrow(parse(format(r.success)))).toEqual(r.success)
        }
      }),
      { numRuns: 2_000 }
    )
  })
})
