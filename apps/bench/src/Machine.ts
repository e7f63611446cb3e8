/**
 * The machine a benchmark ran on: what BENCHMARKS.md must state next to every number.
 */
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { availableParallelism, totalmem } from "node:os"
import * as tf from "@tensorflow/tfjs-core"

export interface Machine {
  /** `nproc`: the CPUs this process may use. */
  readonly nproc: number
  /** `os.availableParallelism()`: the cores wasm's `threads: "auto"` counts (absent in older results). */
  readonly cores?: number | undefined
  /** `model name` from /proc/cpuinfo. */
  readonly cpu: string
  readonly memoryGb: number
  readonly os: string
  readonly node: string
  readonly tfjs: string
  readonly python: string
  readonly torch: string
}

const cpuModel = (): string => {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))
    return match?.[1]?.trim() ?? "unknown"
  } catch {
    return "unknown"
  }
}

const nproc = (): number => {
  try {
    return Number(execFileSync("nproc", { encoding: "utf8" }).trim())
  } catch {
    return availableParallelism()
  }
}

const osName = (): string => {
  try {
    const match = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(readFileSync("/etc/os-release", "utf8"))
    return `${match?.[1] ?? process.platform} (${process.arch})`
  } catch {
    return `${process.platform} (${process.arch})`
  }
}

/** Python and torch versions of the interpreter, or "unavailable" with the reason. */
const pythonVersions = (python: string): { python: string; torch: string } => {
  try {
    const out = execFileSync(
      python,
      ["-c", "import sys, torch; print(sys.version.split()[0]); print(torch.__version__)"],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }
    )
    const [py = "?", torch = "?"] = out.trim().split("\n")
    return { python: py, torch }
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0]! : String(error)
    return { python: `unavailable (${reason})`, torch: "unavailable" }
  }
}

export const describe = (python: string): Machine => ({
  nproc: nproc(),
  cores: availableParallelism(),
  cpu: cpuModel(),
  memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  os: osName(),
  node: process.versions.node,
  tfjs: tf.version_core,
  ...pythonVersions(python)
})
