/**
 * Spec parsing and expansion, and stable ids.
 */
import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { JobId, Spec } from "../src/index.js"

const defaults = {
  p: 0.3,
  q: 0.2,
  method: "ga",
  seed: 42,
  knownMethods: ["ga", "gold", "iga", "aa", "rd", "loss"]
}
const parse = (raw: unknown) => Effect.runSync(Effect.exit(Spec.parse(raw, defaults)))
const ok = (raw: unknown) => {
  const exit = parse(raw)
  if (!Exit.isSuccess(exit)) throw new Error(`expected success: ${String(exit.cause)}`)
  return exit.value
}
const failureOf = (raw: unknown) => {
  const exit = parse(raw)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const error = exit.cause.reasons[0]
  return (error as unknown as { error: { _tag: string; field: string; message: string } }).error
}

describe("Spec.parse", () => {
  it("reads lists from text and JSON alike, ranges of seeds, and fills defaults", () => {
    const spec = ok({ p: "0.1,0.3,0.5", q: [0.1, 0.3], method: "ft,ga", seeds: "1-3", train: { epochs: 2 } })
    expect(spec).toEqual({
      p: [0.1, 0.3, 0.5],
      q: [0.1, 0.3],
      methods: ["ft", "ga"],
      seeds: [1, 2, 3],
      train: { epochs: 2 }
    })
    expect(ok({})).toEqual({ p: [0.3], q: [0.2], methods: ["ga"], seeds: [42], train: {} })
    expect(ok({ seeds: "1-3,7,2" }).seeds).toEqual([1, 2, 3, 7])
    expect(ok({ seeds: [5, 6] }).seeds).toEqual([5, 6])
  })

  it.each([
    [{ p: "0.1,x" }, "p"],
    [{ p: 1.5 }, "p"],
    [{ q: "" }, "q"],
    [{ seeds: "3-1" }, "seeds"],
    [{ seeds: "1-" }, "seeds"],
    [{ seeds: [-1] }, "seeds"],
    [{ method: "ga,nope" }, "method"],
    [{ shots: 3 }, "shots"],
    [{ train: [] }, "train"],
    [{ train: { p: 0.1 } }, "train.p"]
  ])("rejects %j with InvalidSpec naming %s", (raw, field) => {
    const error = failureOf(raw)
    expect(error._tag).toBe("InvalidSpec")
    expect(error.field).toBe(field)
    expect(error.message).toContain(field)
  })

  it("rejects a spec that is not an object", () => {
    expect(failureOf([1, 2])._tag).toBe("InvalidSpec")
  })
})

describe("Spec.expand", () => {
  const spec = ok({ p: "0.1,0.3", q: "0.1,0.3", method: "ft,ga,rd", seeds: "1-3", train: { epochs: 2 } })
  const jobs = Spec.expand(spec)

  it("runs every (p, q) of each AD-Drop method per seed, and ft once per seed", () => {
    expect(jobs).toHaveLength(2 * 2 * 2 * 3 + 3)
    const ft = jobs.filter((j) => j.method === "ft")
    expect(ft.map((j) => j.seed)).toEqual([1, 2, 3])
    expect(ft[0]!.settings).toEqual({ epochs: 2, seed: 1, schedule: "never" })
    expect(ft[0]!.p).toBeUndefined()
    const ga = jobs.find((j) => j.method === "ga" && j.p === 0.3 && j.q === 0.1 && j.seed === 2)!
    expect(ga.settings).toEqual({ epochs: 2, method: "ga", p: 0.3, q: 0.1, seed: 2 })
    expect(new Set(jobs.map((j) => j.id)).size).toBe(jobs.length)
  })

  it("gives ids that depend only on the settings, readable and safe as folder names", () => {
    const again = Spec.expand({ ...spec, train: { epochs: 2 } })
    expect(again.map((j) => j.id)).toEqual(jobs.map((j) => j.id))
    // A shared setting changes every id.
    const other = Spec.expand({ ...spec, train: { epochs: 3 } })
    expect(other.some((j, i) => j.id === jobs[i]!.id)).toBe(false)
    for (const j of jobs) expect(j.id).toMatch(/^[A-Za-z0-9.-]+-[0-9a-f]{12}$/)
    expect(jobs.find((j) => j.method === "ga")!.id).toMatch(/^ga-p0\.1-q0\.1-s1-/)
  })
})

describe("JobId", () => {
  it("canonical JSON sorts keys at every level and drops undefined members", () => {
    expect(JobId.canonicalJson({ q: 0.1, p: { b: 1, a: [2, { d: 1, c: undefined }] } })).toBe(
      '{"p":{"a":[2,{"d":1}],"b":1},"q":0.1}'
    )
  })

  it("hashes are stable across key order and change with any value", () => {
    expect(JobId.hash({ a: 1, b: 2 })).toBe(JobId.hash({ b: 2, a: 1 }))
    expect(JobId.hash({ a: 1, b: 2 })).not.toBe(JobId.hash({ a: 1, b: 3 }))
    // sha256('{"a":1}') starts with 015abd7f5cc5.
    expect(JobId.hash({ a: 1 })).toBe("015abd7f5cc5")
    expect(JobId.jobId("ga p/0.3", { a: 1 })).toBe("ga_p_0.3-015abd7f5cc5")
  })
})
