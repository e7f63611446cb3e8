/** JSON helpers shared by the safetensors header and the folder files. */

export type JsonResult =
  | { readonly ok: true; readonly value: unknown }
  | {
      readonly ok: false
      readonly detail: string
      readonly line?: number | undefined
      readonly column?: number | undefined
    }

const lineColumnAt = (text: string, position: number): { line: number; column: number } => {
  let line = 1
  let lineStart = 0
  const end = Math.min(position, text.length)
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: end - lineStart + 1 }
}

/**
 * `JSON.parse` with the error located where the runtime says: V8 reports "at position N" (older) or
 * "(line L column C)" (newer); JavaScriptCore reports neither, so the location is then left out.
 */
export const parseJson = (text: string): JsonResult => {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    const lc = /line (\d+) column (\d+)/.exec(detail)
    if (lc !== null) return { ok: false, detail, line: Number(lc[1]), column: Number(lc[2]) }
    const pos = /position (\d+)/.exec(detail)
    if (pos !== null) return { ok: false, detail, ...lineColumnAt(text, Number(pos[1])) }
    return { ok: false, detail }
  }
}

/** A plain JSON object (not an array, not null). */
export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * The first key that occurs twice in the top-level object of `text`, which must already be valid JSON
 * (`JSON.parse` silently keeps the last duplicate). Linear in the text length.
 */
export const firstDuplicateTopLevelKey = (text: string): string | undefined => {
  const seen = new Set<string>()
  let depth = 0
  let expectKey = false
  let i = 0
  const n = text.length
  while (i < n) {
    const c = text.charCodeAt(i)
    if (c === 34 /* " */) {
      const start = i
      i++
      while (i < n) {
        const d = text.charCodeAt(i)
        if (d === 92 /* \ */) i += 2
        else if (d === 34) break
        else i++
      }
      if (depth === 1 && expectKey) {
        const key = JSON.parse(text.slice(start, i + 1)) as string
        if (seen.has(key)) return key
        seen.add(key)
        expectKey = false
      }
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      depth++
      if (depth === 1 && c === 123) expectKey = true
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--
    } else if (c === 44 /* , */ && depth === 1) {
      expectKey = true
    }
    i++
  }
  return undefined
}
