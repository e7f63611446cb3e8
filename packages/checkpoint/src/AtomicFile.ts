/**
 * Whole-file writes that never leave a half-written file: the content goes to a temporary file in the
 * same directory, which is then renamed over the target (an atomic replace on POSIX file systems).
 *
 * @since 0.1.0
 */
import { Effect, FileSystem } from "effect"
import { CheckpointIoError } from "./CheckpointError.js"

const splitPath = (path: string): { readonly dir: string; readonly name: string } => {
  const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"))
  return slash < 0
    ? { dir: ".", name: path }
    : { dir: path.slice(0, slash) || "/", name: path.slice(slash + 1) }
}

/**
 * A temporary path next to `path`, unique per call.
 *
 * @since 0.1.0
 * @category paths
 */
export const temporaryPath = (path: string): string => {
  const { dir, name } = splitPath(path)
  return `${dir}/.${name}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}.tmp`
}

/**
 * Writes `content` to `path` atomically: readers see the old file or the new one, never a part. On failure
 * the temporary file is removed and the old file is left as it was. Uninterruptible: an interrupted fiber
 * cannot cancel a write the operating system has started, so once begun the write is finished (and renamed
 * into place) rather than racing its own clean-up and leaving a temporary file behind.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "@addrop/checkpoint"
 * yield* writeFileAtomic("out/trainer_state.json", JSON.stringify(state))
 * ```
 * @since 0.1.0
 * @category writing
 */
export const writeFileAtomic = (
  path: string,
  content: Uint8Array | string
): Effect.Effect<void, CheckpointIoError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const temp = temporaryPath(path)
    const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content
    yield* fs.writeFile(temp, bytes).pipe(
      Effect.mapError((cause) => new CheckpointIoError({ path: temp, operation: "write", cause })),
      Effect.flatMap(() =>
        fs
          .rename(temp, path)
          .pipe(Effect.mapError((cause) => new CheckpointIoError({ path, operation: "rename", cause })))
      ),
      Effect.onError(() => Effect.ignore(fs.remove(temp)))
    )
  }).pipe(Effect.uninterruptible)
