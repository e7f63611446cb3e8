import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"

/** A folder of shared/datasets. */
export const shared = (path: string): string =>
  fileURLToPath(new URL(`../../../../shared/datasets/${path}`, import.meta.url))

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
