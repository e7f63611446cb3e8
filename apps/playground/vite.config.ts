/**
 * The playground's build: a static site in `dist/` (relative URLs, so it can be served from any path), with
 * the bundled default data copied into it from `@addrop/fixtures` (see README.md for their provenance), and the
 * tfjs wasm binaries emitted as assets.
 *
 * `ADDROP_SOURCE=1` bundles the @addrop packages' sources (the `@addrop/source` export condition) instead of
 * their builds, as the repository's tests do.
 */
import { copyFileSync, mkdirSync } from "node:fs"
import { dirname, join } from "node:path"
import { bertBaseUncasedDir, glueSample } from "@addrop/fixtures"
import { defineConfig, type Plugin } from "vite"

/** The files copied into `public/data/`, by their path there. */
export const bundledData: Readonly<Record<string, string>> = {
  "sst2/train.tsv": glueSample("sst2", "train.tsv"),
  "sst2/dev.tsv": glueSample("sst2", "dev.tsv"),
  "bert-base-uncased/tokenizer.json": join(bertBaseUncasedDir(), "tokenizer.json")
}

const copyBundledData = (): Plugin => ({
  name: "addrop-bundled-data",
  config: () => {
    for (const [to, from] of Object.entries(bundledData)) {
      const target = join(import.meta.dirname, "public", "data", to)
      mkdirSync(dirname(target), { recursive: true })
      copyFileSync(from, target)
    }
  }
})

export default defineConfig({
  base: "./",
  plugins: [copyBundledData()],
  resolve: process.env.ADDROP_SOURCE === "1" ? { conditions: ["@addrop/source", "module", "browser", "import", "default"] } : {},
  build: { target: "es2022", chunkSizeWarningLimit: 4000 },
  worker: { format: "es" }
})
