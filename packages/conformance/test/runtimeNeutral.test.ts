/**
 * A repository rule: the runtime-neutral packages (those whose `tsconfig.build.json` extends
 * `tsconfig.neutral.json`, which compiles their sources without Node's types) run in a browser or an edge
 * worker. tsc catches Node globals and `node:` imports in our own sources; this catches what tsc cannot: a
 * dependency, or one of our modules reached through a literal `import()`, that pulls in a Node builtin.
 *
 * Each package's entry is bundled with esbuild for `platform: "browser"`, as a browser app or a Worker
 * bundle (apps/edge-worker) would, from its sources. The bundle must build, and no module in it may import a
 * Node builtin, statically or through a literal dynamic import: code that needs one loads it through a
 * specifier bundlers do not follow (`@addrop/backends`' threaded wasm for Node, Bun and Deno does), on a
 * path that a browser never takes.
 */
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { build } from "esbuild"
import { describe, expect, it } from "vitest"

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..")

/** The packages whose sources compile without Node's types. */
const neutral = readdirSync(join(root, "packages")).filter((dir) => {
  try {
    return readFileSync(join(root, "packages", dir, "tsconfig.build.json"), "utf8").includes(
      "tsconfig.neutral.json"
    )
  } catch {
    return false
  }
})

/**
 * The bundle's problems: esbuild for the browser resolves what packages map away in their `browser` field
 * (tfjs-core's Node platform module, for one) and fails on any other Node builtin it meets.
 */
const bundleProblems = async (entries: ReadonlyArray<string>): Promise<ReadonlyArray<string>> => {
  try {
    const result = await build({
      entryPoints: [...entries],
      bundle: true,
      write: false,
      format: "esm",
      platform: "browser",
      target: "es2022",
      conditions: ["@addrop/source"],
      // Emscripten's glue in the wasm backend refers to its binary; a bundler copies it beside the script.
      loader: { ".wasm": "file" },
      outdir: join(root, ".runtime-neutral-bundle"),
      metafile: true,
      logLevel: "silent"
    })
    // Anything esbuild left external on its own is a builtin it recognised (none should be).
    const external = Object.values(result.metafile.inputs).flatMap((input) =>
      input.imports.filter((i) => i.external).map((i) => `${i.path} (${i.kind})`)
    )
    return [...result.errors.map((e) => e.text), ...external]
  } catch (error) {
    const errors = (error as { errors?: ReadonlyArray<{ text: string; location?: { file: string } | null }> })
      .errors
    if (errors === undefined) throw error
    return errors.map((e) => `${e.location?.file ?? "?"}: ${e.text}`)
  }
}

describe("runtime-neutral packages", () => {
  it("are the packages the brief names, each with a browser-bundleable entry", () => {
    expect(neutral.sort()).toEqual([
      "attention",
      "attribution",
      "backends",
      "checkpoint",
      "data",
      "mask",
      "metrics",
      "models",
      "ops",
      "random",
      "report",
      "schedule",
      "tokenizer",
      "trainer"
    ])
  })

  it("each one's entry bundles for the browser with no Node builtin in it", async () => {
    // One build for all the entries: esbuild reads the modules they share once.
    expect(
      await bundleProblems(neutral.map((dir) => join(root, "packages", dir, "src", "index.ts")))
    ).toEqual([])
  })

  it("the check finds a Node builtin: a module that imports node:fs does not bundle", async () => {
    const problems = await bundleProblems([
      join(root, "packages", "conformance", "test", "fixtures", "usesFs.ts")
    ])
    expect(problems.join("\n")).toMatch(/node:fs/)
  })
})
