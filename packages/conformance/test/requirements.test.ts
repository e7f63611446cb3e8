/**
 * The harness never lets a run pass by skipping what it was asked to check: a missing system component fails
 * under CI, and a backend named in ADDROP_TEST_BACKENDS that cannot start fails. Each case runs a small test
 * file in its own Vitest process (Node), since what is asserted is that process's outcome.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"

const vitest = fileURLToPath(new URL("../../../node_modules/vitest/vitest.mjs", import.meta.url))
const requirements = fileURLToPath(new URL("../src/Requirements.ts", import.meta.url))
const backends = fileURLToPath(new URL("../src/Backends.ts", import.meta.url))
const dirs: Array<string> = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/** Runs `source` as the only test file of a fresh Vitest process with `env` added. */
const runTestFile = (source: string, env: Record<string, string | undefined>) => {
  const dir = mkdtempSync(join(tmpdir(), "addrop-harness-"))
  dirs.push(dir)
  writeFileSync(join(dir, "case.test.ts"), source)
  // Empty values rather than deleted keys: Deno's child_process adds the parent's variables back. Both
  // variables read "" as unset.
  const own = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v ?? ""]))
  const out = spawnSync("node", [vitest, "run", "--root", dir], {
    env: { ...process.env, CI: "", ADDROP_TEST_BACKENDS: "", ...own, FORCE_COLOR: "0", NO_COLOR: "1" },
    encoding: "utf8"
  })
  return { status: out.status, output: `${out.stdout}\n${out.stderr}` }
}

const missingComponent = `
import { it } from "vitest"
import { describeRequiring, itRequiring } from ${JSON.stringify(requirements)}
const absent = { component: "Frobnicator", missing: "no file at /nonexistent/frob", install: "apt-get install frob" }
describeRequiring(absent, "needs the frobnicator", () => { it("uses it", () => {}) })
itRequiring(absent, "also needs it", () => {})
it("runs regardless", () => {})
`

describe("a missing system component", () => {
  it("fails the run under CI, naming the component and the install command", () => {
    const r = runTestFile(missingComponent, { CI: "true" })
    expect(r.status, r.output).toBe(1)
    expect(r.output).toContain("Frobnicator is missing (no file at /nonexistent/frob)")
    expect(r.output).toContain("install it with: apt-get install frob")
    expect(r.output).toMatch(/2 failed/)
  })

  it("is skipped with the reason outside CI (CI unset or false)", () => {
    for (const ci of [undefined, "false"]) {
      const r = runTestFile(missingComponent, { CI: ci })
      expect(r.status, r.output).toBe(0)
      expect(r.output).toMatch(/1 passed/)
      expect(r.output).toMatch(/2 skipped/)
    }
  })
})

describe("a backend named in ADDROP_TEST_BACKENDS", () => {
  // tfjs-node is not a dependency of this repository, so the "node" backend cannot start here.
  const source = `
import { it } from "vitest"
import { describeBackends, statuses } from ${JSON.stringify(backends)}
describeBackends("anything", await statuses(), () => { it("runs", () => {}) })
`
  it("fails with the reason when it cannot start", () => {
    const r = runTestFile(source, { ADDROP_TEST_BACKENDS: "cpu,node" })
    expect(r.status, r.output).toBe(1)
    expect(r.output).toContain('backend "node" was named in ADDROP_TEST_BACKENDS but cannot start')
    expect(r.output).toMatch(/1 failed/)
    expect(r.output).toMatch(/1 passed/)
  })

  it("is skipped with the reason when the backends were not named", () => {
    const r = runTestFile(source, {})
    expect(r.status, r.output).toBe(0)
    expect(r.output).toMatch(/unavailable|skipped/)
  })
})
