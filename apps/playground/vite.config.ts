/**
 * The playground's build: a static site in `dist/` (relative URLs, so it can be served from any path), with
 * the bundled default data copied into it from `@addrop/fixtures` (see README.md for their provenance), and the
 * tfjs wasm binaries emitted as assets.
 *
 * `ADDROP_SOURCE=1` bundles the @addrop packages' sources (the `@addrop/source` export condition) instead of
 * their builds, as the repository's tests do.
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { bertBaseUncasedDir, glueSample } from "@addrop/fixtures"
import { defineConfig, type Plugin } from "vite"

/** The files copied into `public/data/`, by their path there. */
export const bundledData: Readonly<Record<string, string>> = {
  "sst2/train.tsv": glueSample("sst2", "train.tsv"),
  "sst2/dev.tsv": glueSample("sst2", "dev.tsv"),
  "bert-base-uncased/tokenizer.json": join(bertBaseUncasedDir(), "tokenizer.json")
}

/** Shipped beside the files in every build, so that a deployed copy says where its data comes from. */
const provenance = `# Data bundled with the AD-Drop playground

Copied unchanged from @addrop/fixtures (packages/fixtures/data in https://github.com/addrop/addrop-ts); not
covered by the project's MIT licence, each file keeps its source's terms.

- sst2/train.tsv: the first 1,000 rows of GLUE's SST-2 train.tsv; sst2/dev.tsv: the first 300 rows of its
  dev.tsv. The Stanford Sentiment Treebank (Socher et al., 2013, EMNLP), built on Pang & Lee's movie-review
  sentences, as distributed by GLUE (Wang et al., 2019). For demonstration only; use the original
  distribution for anything else.
- bert-base-uncased/tokenizer.json: the bert-base-uncased tokenizer published by Google Research with BERT
  (Devlin et al., 2019), in the form the Hugging Face bert-base-uncased repository distributes; Apache
  License 2.0 (https://www.apache.org/licenses/LICENSE-2.0).
`

const copyBundledData = (): Plugin => ({
  name: "addrop-bundled-data",
  config: () => {
    const data = join(import.meta.dirname, "public", "data")
    for (const [to, from] of Object.entries(bundledData)) {
      const target = join(data, to)
      mkdirSync(dirname(target), { recursive: true })
      copyFileSync(from, target)
    }
    writeFileSync(join(data, "PROVENANCE.md"), provenance)
  }
})

export default defineConfig({
  base: "./",
  plugins: [copyBundledData()],
  resolve: process.env.ADDROP_SOURCE === "1" ? { conditions: ["@addrop/source", "module", "browser", "import", "default"] } : {},
  build: { target: "es2022", chunkSizeWarningLimit: 4000 },
  worker: { format: "es" }
})
