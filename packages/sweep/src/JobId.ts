/**
 * Stable job ids: a readable label and a hash of the job's canonical settings, so that the same settings
 * give the same id on every machine and in every re-run (that is what lets a re-run skip finished jobs).
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"

/**
 * JSON with object keys sorted at every level and `undefined` members dropped: equal settings give equal
 * text whatever order they were written in.
 *
 * @example
 * ```ts
 * canonicalJson({ q: 0.1, p: 0.3 }) // '{"p":0.3,"q":0.1}'
 * ```
 * @since 0.1.0
 * @category ids
 */
export const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(",")}]`
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`
  }
  return JSON.stringify(value)
}

/**
 * The first 12 hex digits of the SHA-256 of the canonical settings.
 *
 * @since 0.1.0
 * @category ids
 */
export const hash = (settings: unknown): string =>
  createHash("sha256").update(canonicalJson(settings)).digest("hex").slice(0, 12)

/**
 * A job's id: `<label>-<hash>`, e.g. `ga-p0.3-q0.1-s1-3f2a…`; the label is for people, the hash decides.
 * Ids contain only letters, digits, `.` and `-`, so they are folder names and BullMQ job ids.
 *
 * @example
 * ```ts
 * jobId("ft-s1", { seed: 1, schedule: "never" })
 * ```
 * @since 0.1.0
 * @category ids
 */
export const jobId = (label: string, settings: unknown): string =>
  `${label.replace(/[^A-Za-z0-9.-]/g, "_")}-${hash(settings)}`
