/**
 * The lines of a file's bytes, which arrive in chunks (a file is read through `FileSystem.stream` in 64 KiB
 * chunks, never whole). Lines end at "\n"; a trailing "\r" is removed, and so is a byte-order mark at the
 * start. Each line is decoded on its own (UTF-8 never uses the byte 0x0A inside a character), so an invalid
 * byte sequence is attributed to its exact line.
 */

export interface Line {
  /** 1-based. */
  readonly line: number
  /** `undefined` when the line is not valid UTF-8. */
  readonly text: string | undefined
}

const NEWLINE = 0x0a

/** The size of the chunks a file is read in. */
export const CHUNK = 1 << 16

export async function* linesOf(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Line> {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
  let line = 0
  const decode = (bytes: Uint8Array): Line => {
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
  let carry: Array<Uint8Array> = []
  for await (const chunk of chunks) {
    let start = 0
    let end = chunk.indexOf(NEWLINE, start)
    while (end !== -1) {
      const piece = chunk.subarray(start, end)
      yield decode(carry.length === 0 ? piece : concat([...carry, piece]))
      carry = []
      start = end + 1
      end = chunk.indexOf(NEWLINE, start)
    }
    // A copy: the reader may reuse the chunk's memory for the next one.
    if (start < chunk.length) carry.push(chunk.slice(start))
  }
  if (carry.length > 0) yield decode(concat(carry))
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
