/**
 * Generates `src/internal/stockGradients.ts`: tfjs-core's own gradient configs for the kernels in
 * {@link kernels}, bundled by esbuild from `@tensorflow/tfjs-core/dist/gradients/*_grad.js` into one ES
 * module that takes every op and helper from the `@tensorflow/tfjs-core` package entry.
 *
 * Why a generated module: tfjs-core's gradient files are ES modules with extension-less relative imports
 * inside a CommonJS-typed package, which Node and Deno cannot load, and the `@tensorflow/tfjs` bundle that
 * registers them in every runtime also brings tfjs-layers, -converter, -data and the WebGL backend. Bundled
 * here, with their imports pointed at the package entry (so the ops and the engine are the application's
 * own, never a second copy), they load in Node, Bun, Deno, browsers and workerd alike.
 *
 * `npx tsx scripts/stockGradients.ts` rewrites the file; `--check` fails when it is out of date (the
 * backends tests run that check).
 */
import { readFileSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import * as tf from "@tensorflow/tfjs-core"
import { build, type Plugin } from "esbuild"

const packageRoot = dirname(dirname(fileURLToPath(import.meta.url)))
export const target = join(packageRoot, "src", "internal", "stockGradients.ts")

/**
 * The kernels whose stock gradients AD-Drop's models use, measured: every gradient function that ran in the
 * models, attention, attribution, mask, ops and trainer test suites (golden tests included) with all of
 * tfjs' gradients registered. BatchMatMul's is AD-Drop's own (`@addrop/ops`), registered over it. Erf,
 * GatherV2, Identity, Relu, Rsqrt, Select, Square, Sub and Tile are there for the op-by-op compositions that
 * `@addrop/ops`' hand-written gradients replace (erf-GELU and ReLU feed-forwards, the embedding lookup, layer
 * norm, masked fill, broadcast matmul): the conformance suite checks each fused op's gradient against them,
 * and a user's own composite of them differentiates as well.
 */
export const kernels = [
  "Add",
  "ArgMax",
  "Cast",
  "Erf",
  "GatherV2",
  "Identity",
  "Mean",
  "Multiply",
  "Neg",
  "OneHot",
  "RealDiv",
  "Relu",
  "Reshape",
  "Rsqrt",
  "Select",
  "Slice",
  "Softmax",
  "Square",
  "SquaredDifference",
  "Sub",
  "Sum",
  "Tanh",
  "Tile",
  "Transpose"
] as const

const require = createRequire(import.meta.url)
const coreDist = dirname(require.resolve("@tensorflow/tfjs-core/dist/index.js"))
const gradientsDir = join(coreDist, "gradients")

/** tfjs-core's helper modules that the package entry exposes as namespaces rather than top-level names. */
const namespaces: Readonly<Record<string, string>> = {
  util: "util",
  util_base: "util",
  "ops/broadcast_util": "broadcast_util",
  "ops/axis_util": "backend_util",
  "ops/slice_util": "slice_util",
  "ops/reduce_util": "backend_util",
  "ops/conv_util": "backend_util",
  "ops/selu_util": "backend_util"
}

/** The names a tfjs-core ES module exports (its `export` declarations and lists, `export *` followed). */
const exportsOf = (file: string): Array<string> => {
  const text = readFileSync(file, "utf8")
  const names = new Set<string>()
  for (const m of text.matchAll(/^export \* from '([^']+)'/gm)) {
    for (const name of exportsOf(`${join(dirname(file), m[1]!)}.js`)) names.add(name)
  }
  for (const m of text.matchAll(/^export (?:const|let|function\*?|class|async function) (\w+)/gm))
    names.add(m[1]!)
  for (const m of text.matchAll(/^export \{([^}]*)\}/gm)) {
    for (const part of m[1]!.split(",")) {
      const name = part.split(" as ").pop()?.trim()
      if (name) names.add(name)
    }
  }
  return [...names].sort()
}

/**
 * The names `importer` imports from `specifier`; all the module's exports for `import * as`.
 */
const importedNames = (importer: string, specifier: string, module: string): Array<string> => {
  const text = readFileSync(importer, "utf8")
  const quoted = specifier.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")
  const named = [...text.matchAll(new RegExp(`^import \\{([^}]*)\\} from '${quoted}'`, "gm"))].flatMap((m) =>
    m[1]!.split(",").map((part) => part.trim().split(" as ")[0]!.trim())
  )
  const star = new RegExp(`^import \\* as \\w+ from '${quoted}'`, "m").test(text)
  return [...new Set([...named, ...(star ? exportsOf(join(coreDist, `${module}.js`)) : [])])]
    .filter((n) => n !== "")
    .sort()
}

/**
 * A tfjs-core module imported by a gradient file becomes a module that re-exports the names the file uses
 * from the package entry (checked here, so that a name the entry lacks fails the generation, not a run).
 */
const toPackageEntry: Plugin = {
  name: "tfjs-core-package-entry",
  setup: (b) => {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const path = join(args.resolveDir, args.path)
      if (dirname(`${path}.js`) === gradientsDir) return { path: `${path}.js` }
      const module = relative(coreDist, path)
      const names = importedNames(args.importer, args.path, module)
      return { path: `${module}:${names.join(",")}`, namespace: "tfjs-core-entry" }
    })
    b.onLoad({ filter: /.*/, namespace: "tfjs-core-entry" }, (args) => {
      const [module, list] = args.path.split(":") as [string, string]
      const names = list.split(",")
      const ns = namespaces[module]
      const source = (ns === undefined ? tf : (tf as unknown as Record<string, object>)[ns]) as Record<
        string,
        unknown
      >
      const missing = names.filter((n) => source?.[n] === undefined)
      if (missing.length > 0) {
        return {
          errors: [
            {
              text: `@tensorflow/tfjs-core's entry lacks ${missing.join(", ")} of ${module}${ns ? ` (as ${ns})` : ""}`
            }
          ]
        }
      }
      return {
        contents:
          ns === undefined
            ? `export { ${names.join(", ")} } from "@tensorflow/tfjs-core"`
            : `import { ${ns} as ns } from "@tensorflow/tfjs-core"\nexport const { ${names.join(", ")} } = ns`,
        loader: "js"
      }
    })
  }
}

const configName = (kernel: string): string => {
  const names = exportsOf(join(gradientsDir, `${kernel}_grad.js`)).filter((n) => n.endsWith("GradConfig"))
  if (names.length !== 1) throw new Error(`${kernel}_grad.js exports ${names.length} gradient configs`)
  return names[0]!
}

export const generate = async (): Promise<string> => {
  const entry = [
    ...kernels.map((k) => `import { ${configName(k)} } from "./${k}_grad"`),
    `export const stockGradients = [${kernels.map(configName).join(", ")}]`
  ].join("\n")
  const result = await build({
    stdin: { contents: entry, resolveDir: gradientsDir, loader: "js" },
    // The bundle's path comments are relative to this: the same output from any working directory.
    absWorkingDir: packageRoot,
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    external: ["@tensorflow/tfjs-core"],
    plugins: [toPackageEntry],
    legalComments: "none",
    logLevel: "silent"
  })
  const version = (
    JSON.parse(readFileSync(join(coreDist, "..", "package.json"), "utf8")) as { version: string }
  ).version
  return [
    "// @ts-nocheck",
    `// Generated by scripts/stockGradients.ts from @tensorflow/tfjs-core ${version} (Apache-2.0, Copyright`,
    "// Google LLC): the gradient configs of the kernels listed there. Do not edit; run the script instead.",
    result.outputFiles[0]!.text
  ].join("\n")
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = await generate()
  if (process.argv.includes("--check")) {
    if (readFileSync(target, "utf8") !== text) {
      console.error(
        `${relative(process.cwd(), target)} is out of date: run npx tsx scripts/stockGradients.ts`
      )
      process.exit(1)
    }
  } else {
    writeFileSync(target, text)
    console.log(`${relative(process.cwd(), target)}: ${text.length} bytes, ${kernels.length} gradients`)
  }
}
