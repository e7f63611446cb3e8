/**
 * Runs the real `addrop` executable (from source, through tsx) in a child process.
 */
import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll } from "vitest"

export const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))
export const root = fileURLToPath(new URL("../../..", import.meta.url))
const nodeArgs = ["--conditions=@addrop/source", "--import", "tsx", bin]

export interface Result {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `addrop ...args` to completion. */
export const addrop = (args: ReadonlyArray<string>, options: { cwd?: string } = {}): Result => {
  const out = spawnSync(process.execPath, [...nodeArgs, ...args], {
    cwd: options.cwd ?? root,
    encoding: "utf8",
    env: { ...process.env, FORCE_COLOR: "0" },
    maxBuffer: 64 * 1024 * 1024
  })
  return { status: out.status, stdout: out.stdout, stderr: out.stderr }
}

/** Starts `addrop ...args` in the background. */
export const start = (args: ReadonlyArray<string>) =>
  spawn(process.execPath, [...nodeArgs, ...args], {
    cwd: root,
    env: { ...process.env, FORCE_COLOR: "0" },
    stdio: ["ignore", "pipe", "pipe"]
  })

/** The JSON lines of an output. */
export const jsonLines = (text: string): Array<Record<string, unknown>> =>
  text
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>)

export const tempDir = () => {
  const path = mkdtempSync(join(tmpdir(), "addrop-cli-"))
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) }
}

/** A maker of temporary folders for one test file, all removed after its tests: call at the file's top level. */
export const scratchDirs = (): (() => string) => {
  const dirs: Array<ReturnType<typeof tempDir>> = []
  afterAll(() => {
    for (const d of dirs) d.cleanup()
  })
  return () => {
    const dir = tempDir()
    dirs.push(dir)
    return dir.path
  }
}
