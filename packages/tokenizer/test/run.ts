import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import { Effect, type FileSystem } from "effect"

/** Runs a test's effect with the file system of the runtime running the tests (Node, Bun or Deno). */
export const run = <A, E>(effect: Effect.Effect<A, E, FileSystem.FileSystem>): Promise<A> =>
  Effect.runPromise(Effect.provide(effect, NodeFileSystem.layer))
