/**
 * Resident memory of the current process: the current and peak resident set size, and a way to restart
 * the peak, so that a measurement covers only the steps it times.
 *
 * Linux exposes both in `/proc/self/status` (`VmRSS`, `VmHWM`) and lets a process reset its own peak by
 * writing `5` to `/proc/self/clear_refs`. Elsewhere the peak comes from `process.resourceUsage().maxRSS`,
 * which cannot be reset. The wasm backend's heap is ordinary process memory, so it is included.
 *
 * @since 0.1.0
 */
import { readFileSync, writeFileSync } from "node:fs"

/**
 * Resident memory in MiB.
 *
 * @since 0.1.0
 * @category models
 */
export interface Resident {
  /** The resident set size now. */
  readonly rssMb: number
  /** The largest resident set size since the process started or the peak was last reset. */
  readonly peakRssMb: number
}

const MIB = 1024 * 1024

const statusField = (status: string, field: string): number | undefined => {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status)
  return match === null ? undefined : Number(match[1]) / 1024
}

/**
 * The current and peak resident set size of this process.
 *
 * @example
 * ```ts
 * import { Memory } from "@addrop/bench"
 * const { rssMb, peakRssMb } = Memory.resident()
 * ```
 * @since 0.1.0
 * @category measuring
 */
export const resident = (): Resident => {
  try {
    const status = readFileSync("/proc/self/status", "utf8")
    const rss = statusField(status, "VmRSS")
    const peak = statusField(status, "VmHWM")
    if (rss !== undefined && peak !== undefined) return { rssMb: rss, peakRssMb: peak }
  } catch {
    // Not Linux: fall through to the portable counters.
  }
  return { rssMb: process.memoryUsage().rss / MIB, peakRssMb: process.resourceUsage().maxRSS / 1024 }
}

/**
 * Restarts the peak (`VmHWM`) at the current resident size. Returns false where the platform cannot
 * (then the peak keeps counting from the process start).
 *
 * @since 0.1.0
 * @category measuring
 */
export const resetPeak = (): boolean => {
  try {
    writeFileSync("/proc/self/clear_refs", "5")
    return true
  } catch {
    return false
  }
}
