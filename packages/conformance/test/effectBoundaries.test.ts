/**
 * A repository rule: library code stays inside Effect. `Effect.runSync` (and `runPromise`, `runFork`,
 * `runCallback` and their `…Exit` forms, on `Effect`, a `Runtime` or a `ManagedRuntime`, and a platform's
 * `runMain`) inside a library
 * turns its typed failures into defects or unhandled rejections that its callers cannot see in the type.
 * Only program entry points and test harness code may run effects; they are listed below with the reason.
 * Doc-comment examples may show running an effect: comments (and string contents) are not scanned.
 */
import { readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..")

/** Files (relative to the repository root) allowed to run effects, and why. */
const allowed: Readonly<Record<string, string>> = {
  "packages/cli/src/bin.ts": "the addrop command's process entry point runs the program",
  "packages/bench/src/internal/child.ts":
    "the entry point of the benchmark child process runs its measurement",
  "packages/sweep/src/Queue.ts":
    "BullMQ's Worker calls its job processor as a Promise-returning callback: each job's effect is run there through a FiberSet runtime (FiberSet.makeRuntimePromise) with the worker's services, and interrupted when the worker's scope closes",
  "packages/conformance/src/Backends.ts":
    "test harness: vitest's beforeAll/afterAll hooks (outside any Effect) set the tensor backend up and down"
}

const RUN = /\brun(?:Sync|Promise|Fork|Callback|Main)(?:Exit)?\b/

/**
 * The source with comments and the contents of string and template literals replaced by spaces (newlines
 * kept, so line numbers still match). Template literal `${…}` expressions are kept as code.
 */
const codeOnly = (source: string): string => {
  const out = source.split("")
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== "\n") out[k] = " "
  }
  // Open template literals and, for each, the brace depth of its current `${…}` expression.
  const templates: Array<number> = []
  let depth = 0
  let i = 0
  const n = source.length
  const skipString = (quote: string) => {
    const start = i
    i++
    while (i < n && source[i] !== quote && source[i] !== "\n") i += source[i] === "\\" ? 2 : 1
    blank(start + 1, i)
    i++
  }
  /** Scans template text from i to the closing backtick or the next `${`. */
  const skipTemplateText = () => {
    const start = i
    while (i < n && source[i] !== "`" && !(source[i] === "$" && source[i + 1] === "{"))
      i += source[i] === "\\" ? 2 : 1
    blank(start, i)
    if (source[i] === "`") {
      i++
      return
    }
    templates.push(depth)
    depth++
    i += 2
  }
  while (i < n) {
    const c = source[i]!
    const next = source[i + 1]
    if (c === "/" && next === "/") {
      const end = source.indexOf("\n", i)
      blank(i, end < 0 ? n : end)
      i = end < 0 ? n : end
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2)
      blank(i, end < 0 ? n : end + 2)
      i = end < 0 ? n : end + 2
    } else if (c === '"' || c === "'") {
      skipString(c)
    } else if (c === "`") {
      i++
      skipTemplateText()
    } else if (c === "{") {
      depth++
      i++
    } else if (c === "}") {
      depth--
      i++
      if (templates.length > 0 && templates.at(-1) === depth) {
        templates.pop()
        skipTemplateText()
      }
    } else {
      i++
    }
  }
  return out.join("")
}

const sourceFiles = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return /\.(?:ts|tsx|mts|cts|js|mjs)$/.test(entry) && !entry.endsWith(".d.ts") ? [path] : []
  })

/** Every `file:line: text` of a library source that runs an effect. */
const offenders = (): Array<{ readonly file: string; readonly line: number; readonly text: string }> => {
  const packages = join(root, "packages")
  const found: Array<{ file: string; line: number; text: string }> = []
  for (const pkg of readdirSync(packages)) {
    const src = join(packages, pkg, "src")
    if (!statSync(join(packages, pkg)).isDirectory()) continue
    let files: Array<string>
    try {
      files = sourceFiles(src)
    } catch {
      continue
    }
    for (const path of files) {
      const source = readFileSync(path, "utf8")
      const lines = codeOnly(source).split("\n")
      lines.forEach((line, index) => {
        if (RUN.test(line)) {
          found.push({
            file: relative(root, path).split("\\").join("/"),
            line: index + 1,
            text: source.split("\n")[index]!.trim()
          })
        }
      })
    }
  }
  return found
}

describe("library code stays inside Effect", () => {
  it("no packages/*/src file runs an effect, except the allowed entry points", () => {
    const report = offenders()
      .filter((o) => allowed[o.file] === undefined)
      .map((o) => `${o.file}:${o.line}: ${o.text}`)
    expect(report, "compose with Effect/Stream instead of running effects in library code").toEqual([])
  })

  it("every allow-list entry still runs an effect (stale entries are removed)", () => {
    const files = new Set(offenders().map((o) => o.file))
    expect(Object.keys(allowed).filter((file) => !files.has(file))).toEqual([])
  })

  it("ignores comments and strings but sees code, including code inside template expressions", () => {
    const scan = (source: string) => RUN.test(codeOnly(source))
    /** A template literal placeholder `${expr}` in the source under test. */
    const $ = (expr: string) => ["$", "{", expr, "}"].join("")
    const cases: ReadonlyArray<readonly [string, boolean]> = [
      ["/**\n * await Effect.runPromise(program)\n */", false],
      ["// Effect.runSync(x)", false],
      ['const s = "Effect.runSync"', false],
      [`const s = \`uses runFork(${$("1 + 1")})\``, false],
      ["const a = Effect.runSync(x)", true],
      [`const t = \`${$("Effect.runSyncExit(x)")}\``, true],
      ["const r = runtime.runCallback(x)", true],
      [`const b = { a: \`${$("{ b: 1 }.b")}\` }\nEffect.runPromise(y)`, true],
      ["Stream.runCollect(s); Effect.runSyncish", false]
    ]
    for (const [source, expected] of cases) {
      expect(scan(source), source).toBe(expected)
    }
  })
})
