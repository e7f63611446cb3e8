import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { afterEach, expect, it } from "vitest"
import { writeFileAtomic } from "../src/index.js"
import { runNode, tempDir } from "./helpers.js"

let dir: ReturnType<typeof tempDir>
afterEach(() => dir?.cleanup())

it("writes a new file and replaces an existing one, leaving no temporary file", async () => {
  dir = tempDir()
  const path = join(dir.path, "state.json")
  await runNode(writeFileAtomic(path, "first"))
  expect(readFileSync(path, "utf8")).toBe("first")
  await runNode(writeFileAtomic(path, new TextEncoder().encode("second")))
  expect(readFileSync(path, "utf8")).toBe("second")
  expect(readdirSync(dir.path)).toEqual(["state.json"])
})

it("a failed replace keeps what was there and removes the temporary file", async () => {
  dir = tempDir()
  // The target is a non-empty directory: the final rename fails after the temporary file was written.
  const target = join(dir.path, "occupied")
  mkdirSync(target)
  writeFileSync(join(target, "keep.txt"), "kept")
  const error = await runNode(Effect.flip(writeFileAtomic(target, "new")))
  expect(error._tag).toBe("CheckpointIoError")
  expect(error.operation).toBe("rename")
  expect(readFileSync(join(target, "keep.txt"), "utf8")).toBe("kept")
  expect(readdirSync(dir.path)).toEqual(["occupied"])
})
