import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { glueSample, type SampledTask } from "@addrop/fixtures"
import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import { Effect, type FileSystem } from "effect"

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

/** Runs a test's effect with the file system of the runtime running the tests (Node, Bun or Deno). */
export const run = <A, E>(effect: Effect.Effect<A, E, FileSystem.FileSystem>): Promise<A> =>
  Effect.runPromise(Effect.provide(effect, NodeFileSystem.layer))

export const failure = <A, E>(effect: Effect.Effect<A, E, FileSystem.FileSystem>): Promise<E> =>
  run(Effect.flip(effect))
