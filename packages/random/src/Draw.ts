/**
 * Draws from a key: uniform floats, uint32 words, integer seeds, permutations.
 *
 * Element i of a stream is a pure function of (key, i), so a stream may be produced in chunks or in parallel
 * and gives the same values everywhere.
 *
 * @since 0.1.0
 */
import type { Key } from "./Key.js"
import { block } from "./Philox.js"

/**
 * `count` uint32 words: block b of the stream is Philox(key, counter = [b_lo, b_hi, 0, 0]).
 *
 * @since 0.1.0
 * @category draws
 */
export const uint32 = (key: Key, count: number): Uint32Array => {
  const blocks = Math.ceil(count / 4)
  const out = new Uint32Array(blocks * 4)
  for (let b = 0; b < blocks; b++) streamBlock(key, b, out, b * 4)
  return count === out.length ? out : out.slice(0, count)
}

/** Block b of a key's stream (words 4b … 4b+3), written to `out` at `offset`. */
const streamBlock = (key: Key, b: number, out: Uint32Array, offset: number): void =>
  block(key.k0, key.k1, b >>> 0, Math.floor(b / 0x100000000), 0, 0, out, offset)

const TWO_TO_MINUS_24 = 2 ** -24

/** A word as a float32 in [0, 1): its top 24 bits scaled by 2⁻²⁴. */
const toUniform = (word: number): number => (word >>> 8) * TWO_TO_MINUS_24

/**
 * `count` float32 values uniform in [0, 1): the top 24 bits of each word, scaled by 2⁻²⁴ (exactly
 * representable, so every runtime produces the same bits).
 *
 * @example
 * ```ts
 * import { Draw, Key } from "@addrop/random"
 * const u = Draw.uniform(Key.fold(Key.make(0), 7), 1024)
 * ```
 * @since 0.1.0
 * @category draws
 */
export const uniform = (key: Key, count: number): Float32Array => {
  const words = uint32(key, count)
  const out = new Float32Array(count)
  for (let i = 0; i < count; i++) out[i] = toUniform(words[i]!)
  return out
}

/**
 * Element i of `uniform(key, n)` (any n > i) on demand, for a consumer that needs only some of a long
 * stream: Philox is counter-based, so element i does not depend on the others. Consecutive indices share a
 * block of four, computed once.
 *
 * @example
 * ```ts
 * import { Draw, Key } from "@addrop/random"
 * const at = Draw.uniformAt(Key.make(0))
 * at(1_000_000) === Draw.uniform(Key.make(0), 1_000_001)[1_000_000] // true
 * ```
 * @since 0.1.0
 * @category draws
 */
export const uniformAt = (key: Key): ((index: number) => number) => {
  const words = new Uint32Array(4)
  let current = -1
  return (index) => {
    const b = Math.floor(index / 4)
    if (b !== current) {
      streamBlock(key, b, words, 0)
      current = b
    }
    return toUniform(words[index & 3]!)
  }
}

/**
 * A seed for tfjs' seeded ops (`tf.randomUniform(shape, 0, 1, "float32", seed)`), derived from the key.
 *
 * @since 0.1.0
 * @category draws
 */
export const seed = (key: Key): number => uint32(key, 1)[0]!

/**
 * A uniformly random permutation of 0..n−1 (Fisher–Yates with unbiased bounded integers).
 *
 * @since 0.1.0
 * @category draws
 */
export const permutation = (key: Key, n: number): Int32Array => {
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`permutation size must be a non-negative integer, got ${n}`)
  const out = Int32Array.from({ length: n }, (_, i) => i)
  // Twice as many words as swaps leaves room for rejections; more are drawn in the rare case they run out.
  let words = uint32(key, 2 * n + 8)
  let next = 0
  let refill = 1
  const word = (): number => {
    if (next === words.length) {
      words = uint32({ k0: key.k0 ^ refill, k1: key.k1 }, 2 * n + 8)
      refill++
      next = 0
    }
    return words[next++]!
  }
  for (let i = n - 1; i > 0; i--) {
    const bound = i + 1
    const limit = 0x100000000 - (0x100000000 % bound)
    let w = word()
    while (w >= limit) w = word()
    const j = w % bound
    const t = out[i]!
    out[i] = out[j]!
    out[j] = t
  }
  return out
}
