import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { glueSample, type SampledTask } from "@addrop/fixtures"
import { Effect } from "effect"

/** A file of the GLUE samples in @addrop/fixtures, as `task/file` (e.g. `"rte/dev.tsv"`). */
export const glueFile = (path: `${SampledTask}/${"train" | "dev"}.tsv`): string => {
  const [task, file] = path.split("/") as [SampledTask, "train.tsv" | "dev.tsv"]
  return glueSample(task, file)
}

/** A temporary folder for files a test writes (never shared/); `cleanup` removes it. */
export const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "addrop-data-"))
  let n = 0
  return {
    dir,
    /** Writes `content` to a new file and returns its path. */
    file: (content: string | Uint8Array, name = `f${n++}.txt`): string => {
      const path = join(dir, name)
      writeFileSync(path, content)
      return path
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true })
  }
}

export const failure = <A, E>(effect: Effect.Effect<A, E>): Promise<E> =>
  Effect.runPromise(Effect.flip(effect))
