#!/usr/bin/env node
// The optional larger check (`npm run check:shared`, not part of `npm test`): the small data the tests use
// (packages/fixtures/data) is exactly the leading rows of the full GLUE files and the unchanged tokenizer files
// of a shared data folder: `../shared` beside the repository, or ADDROP_SHARED_DIR. It fails when the folder is
// absent, saying where it looked.
import { existsSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"

const root = resolve(import.meta.dirname, "..")
const shared = resolve(process.env.ADDROP_SHARED_DIR ?? join(root, "..", "shared"))
const data = join(root, "packages", "fixtures", "data")
if (!existsSync(shared)) {
  console.error(`check:shared: no shared data folder at ${shared} (set ADDROP_SHARED_DIR)`)
  process.exit(1)
}

const failures = []
const lines = (path) => readFileSync(path, "utf8").split("\n")
for (const task of ["sst2", "cola", "rte", "stsb"]) {
  for (const file of ["train.tsv", "dev.tsv"]) {
    const sample = lines(join(data, "glue", task, file))
    const full = lines(join(shared, "datasets", task, file))
    // A sample ends with a newline: its last element is "", every other line must match the full file's.
    const rows = sample.at(-1) === "" ? sample.slice(0, -1) : sample
    const differs = rows.findIndex((line, i) => line !== full[i])
    if (differs >= 0) failures.push(`glue/${task}/${file}: line ${differs + 1} differs from ${task}/${file}`)
    else console.log(`glue/${task}/${file}: the first ${rows.length} of ${full.length - 1} lines, identical`)
  }
}
for (const file of ["tokenizer.json", "vocab.txt", "tokenizer_config.json", "config.json"]) {
  const ours = readFileSync(join(data, "tokenizers", "bert-base-uncased", file))
  const theirs = readFileSync(join(shared, "tokenizers", "bert-base-uncased", file))
  if (!ours.equals(theirs)) failures.push(`tokenizers/bert-base-uncased/${file} differs`)
  else console.log(`tokenizers/bert-base-uncased/${file}: identical`)
}
if (failures.length > 0) {
  for (const f of failures) console.error(f)
  process.exit(1)
}
console.log(`check:shared: packages/fixtures/data matches ${shared}`)
