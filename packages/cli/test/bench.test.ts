/**
 * `addrop bench --threads`: the measurement children start the threaded wasm backend and exit.
 */
import { describe, expect, it } from "vitest"
import { addrop, jsonLines } from "./run.js"

const small = ["bench", "--preset", "tiny", "--backend", "wasm", "--batch", "2", "--seq", "8"]

describe("addrop bench --threads", () => {
  it("measures wasm with a pool of 2 threads, reports it, and exits 0", () => {
    const r = addrop([...small, "--warmup", "1", "--steps", "1", "--threads", "2", "--json"])
    expect(r.status, r.stderr).toBe(0)
    const lines = jsonLines(r.stdout)
    expect(lines.map((l) => [l.backend, l.threads, l.layers, l.error])).toEqual([
      ["wasm", 2, "0", undefined],
      ["wasm", 2, "all", undefined]
    ])
    for (const l of lines) expect(l.ftMs).toBeGreaterThan(0)
  })

  it.each([["0"], ["two"], ["9"]])("--threads %s fails with one clear line and status 1", (value) => {
    const r = addrop([...small, "--threads", value])
    expect(r.status).toBe(1)
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
    expect(r.stderr).toContain("threads")
  })
})
