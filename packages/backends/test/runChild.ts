/**
 * Runs a test fixture in a child process of this runtime, to check what only a whole process shows: that it
 * exits by itself once a backend's scope is closed (a thread pool or a GPU device otherwise keeps it alive).
 */
import { spawn } from "node:child_process"
import { Runtime } from "../src/index.js"

/** This runtime, running the TypeScript file `fixture` against the packages' sources. */
const childCommand = (fixture: string, args: Array<string>): [string, Array<string>] => {
  switch (Runtime.current) {
    case "bun":
      return [process.execPath, [fixture, ...args]]
    case "deno":
      return [process.execPath, ["run", "-A", "--sloppy-imports", fixture, ...args]]
    default:
      return [process.execPath, ["--conditions=@addrop/source", "--import", "tsx", fixture, ...args]]
  }
}

/**
 * Runs `fixture`; resolves with its exit code, or null if it was still running `waitMs` after it started
 * or `graceMs` after it printed its result.
 */
export const runChild = (fixture: string, args: Array<string>, waitMs: number, graceMs = waitMs) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const [command, argv] = childCommand(fixture, args)
    const child = spawn(command, argv, { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    const kill = () => {
      child.kill("SIGKILL")
      resolve({ code: null, stdout, stderr })
    }
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
      if (stdout.includes("\n")) setTimeout(kill, graceMs).unref()
    })
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000)
    })
    const timer = setTimeout(kill, waitMs)
    child.on("exit", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
