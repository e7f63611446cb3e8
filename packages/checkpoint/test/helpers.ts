import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import { Effect, type FileSystem } from "effect"

/** A safetensors file built by hand: u64 LE header length (or `claimedLength`), the header text, `data`. */
export const rawFile = (
  header: string | object,
  data: Uint8Array | number = 0,
  options: { readonly claimedLength?: bigint; readonly pad?: boolean } = {}
): Uint8Array => {
  let text = typeof header === "string" ? header : JSON.stringify(header)
  if (options.pad === true) text += " ".repeat((8 - (text.length % 8)) % 8)
  const json = new TextEncoder().encode(text)
  const body = typeof data === "number" ? new Uint8Array(data) : data
  const out = new Uint8Array(8 + json.byteLength + body.byteLength)
  new DataView(out.buffer).setBigUint64(0, options.claimedLength ?? BigInt(json.byteLength), true)
  out.set(json, 8)
  out.set(body, 8 + json.byteLength)
  return out
}

/** Little-endian bytes of float32 values. */
export const f32Bytes = (values: ReadonlyArray<number>): Uint8Array => {
  const out = new Uint8Array(values.length * 4)
  const view = new DataView(out.buffer)
  values.forEach((v, i) => {
    view.setFloat32(i * 4, v, true)
  })
  return out
}

export const tempDir = (): { readonly path: string; readonly cleanup: () => void } => {
  const path = mkdtempSync(join(tmpdir(), "addrop-checkpoint-"))
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) }
}

export const runNode = <A, E>(effect: Effect.Effect<A, E, FileSystem.FileSystem>): Promise<A> =>
  Effect.runPromise(Effect.provide(effect, NodeFileSystem.layer))

/** Runs with the Node file system and returns the failure (throws if the effect succeeds). */
export const failureOf = <A, E>(effect: Effect.Effect<A, E, FileSystem.FileSystem>): Promise<E> =>
  Effect.runPromise(Effect.provide(Effect.flip(effect), NodeFileSystem.layer))

/** The failure of an effect that needs nothing. */
export const failureOfPure = <A, E>(effect: Effect.Effect<A, E>): Promise<E> =>
  Effect.runPromise(Effect.flip(effect))

/** Calls `f` and returns what it throws (fails the test when it does not throw). */
export const thrown = (f: () => unknown): unknown => {
  try {
    f()
  } catch (error) {
    return error
  }
  throw new Error("expected a throw")
}
