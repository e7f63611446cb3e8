/**
 * A file's lines, read in 64 KiB chunks (never the whole file). Lines end at "\n"; a trailing "\r" is removed,
 * and so is a byte-order mark at the start. Each line is decoded on its own (UTF-8 never uses the byte 0x0A
 * inside a character), so an invalid byte sequence is attributed to its exact line.
 */
export interface Line {
  /** 1-based. */
  readonly line: number
  /** `undefined` when the line is not valid UTF-8. */
  readonly text: string | undefined
}

const NEWLINE = 0x0a
const CHUNK = 1 << 16

export async function* readLines(path: string): AsyncGenerator<Line> {
  // Loaded on first use, so that parsing text in memory (`linesOf`) needs no Node file system.
  const { open } = await import("node:fs/promises")
  const handle = await open(path, "r")
  const decode = lineDecoder()
  try {
    const buffer = new Uint8Array(CHUNK)
    let carry: Array<Uint8Array> = []
    while (true) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null)
      if (bytesRead === 0) break
      const chunk = buffer.subarray(0, bytesRead)
      let start = 0
      let end = chunk.indexOf(NEWLINE, start)
      while (end !== -1) {
        const piece = chunk.subarray(start, end)
        yield decode(carry.length === 0 ? piece : concat([...carry, piece]))
        carry = []
        start = end + 1
        end = chunk.indexOf(NEWLINE, start)
      }
      if (start < bytesRead) carry.push(chunk.slice(start))
    }
    if (carry.length > 0) yield decode(concat(carry))
  } finally {
    await handle.close()
  }
}

/**
 * The lines of a file already in memory (bytes as read, or text), split and decoded exactly as
 * {@link readLines} splits and decodes a file.
 */
export async function* linesOf(content: Uint8Array | string): AsyncGenerator<Line> {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content
  const decode = lineDecoder()
  let start = 0
  let end = bytes.indexOf(NEWLINE, start)
  while (end !== -1) {
    yield decode(bytes.subarray(start, end))
    start = end + 1
    end = bytes.indexOf(NEWLINE, start)
  }
  if (start < bytes.length) yield decode(bytes.subarray(start))
}

/** Decodes successive lines, numbering them, dropping a trailing "\r" and a leading byte-order mark. */
const lineDecoder = () => {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
  let line = 0
  return (bytes: Uint8Array): Line => {
    line++
    let text: string | undefined
    try {
      text = decoder.decode(bytes)
    } catch {
      text = undefined
    }
    if (text !== undefined) {
      if (text.endsWith("\r")) text = text.slice(0, -1)
      if (line === 1 && text.startsWith("\uFEFF")) text = text.slice(1)
    }
    return { line, text }
  }
}

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}
