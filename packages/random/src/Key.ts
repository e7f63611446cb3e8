/**
 * Random keys: immutable values from which every random draw of a run is derived.
 *
 * A run starts from `Key.make(seed)`; each use derives its own key with `Key.fold` — for example
 * `fold(fold(fold(root, TAG_MASK), step), layer)` — so draws never depend on how many numbers other parts
 * of the program consumed, and a run resumed at step s redraws exactly what the original run drew.
 *
 * @since 0.1.0
 */
import { block } from "./Philox.js"

/**
 * A Philox key (two uint32 words).
 *
 * @since 0.1.0
 * @category models
 */
export interface Key {
  readonly k0: number
  readonly k1: number
}

/**
 * The root key for a seed (a non-negative safe integer).
 *
 * @example
 * ```ts
 * import { Key } from "@addrop/random"
 * const root = Key.make(42)
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const make = (seed: number): Key => {
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new RangeError(`seed must be a non-negative safe integer, got ${seed}`)
  return { k0: (seed % 0x100000000) >>> 0, k1: Math.floor(seed / 0x100000000) >>> 0 }
}

const scratch = new Uint32Array(4)

/**
 * A new key derived from `key` and a uint32 `data` word (a step, an epoch, a layer index, a purpose tag).
 * Distinct data give independent keys.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fold = (key: Key, data: number): Key => {
  if (!Number.isInteger(data) || data < 0 || data > 0xffffffff)
    throw new RangeError(`fold data must be a uint32, got ${data}`)
  // Counter word 3 is a domain tag that the stream functions never use, so derived keys and draws cannot collide.
  block(key.k0, key.k1, data, 0, 0, 0x6b657973, scratch)
  return { k0: scratch[0]!, k1: scratch[1]! }
}

/**
 * Folds several words in order: `foldAll(k, [a, b])` is `fold(fold(k, a), b)`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const foldAll = (key: Key, data: ReadonlyArray<number>): Key => data.reduce(fold, key)

/**
 * `count` independent keys.
 *
 * @since 0.1.0
 * @category constructors
 */
export const split = (key: Key, count: number): Array<Key> =>
  Array.from({ length: count }, (_, i) => fold(key, i))

/**
 * Purpose tags for {@link fold}, so that the streams of different consumers never coincide: `init` weight
 * initialisation, `shuffle` epoch orders, `dropout` dropout masks, `mask` AD-Drop's dropped attention
 * positions, `region` its candidate regions, and `sample` dataset subsampling (few-shot samples).
 *
 * @example
 * ```ts
 * import { Key } from "@addrop/random"
 * const classKey = Key.foldAll(Key.make(13), [Key.Purpose.sample, 0])
 * ```
 * @since 0.1.0
 * @category constants
 */
export const Purpose = {
  init: 1,
  shuffle: 2,
  dropout: 3,
  mask: 4,
  region: 5,
  sample: 6
} as const
