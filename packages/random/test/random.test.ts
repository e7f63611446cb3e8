import { describe, expect, it } from "vitest"
import { Draw, Key, Philox } from "../src/index.js"

const hex = (words: Uint32Array) => Array.from(words, (w) => w.toString(16).padStart(8, "0"))

describe("Philox4x32-10", () => {
  // Known-answer vectors from Random123's kat_vectors (philox4x32_10).
  it.each([
    { key: [0, 0], ctr: [0, 0, 0, 0], out: ["6627e8d5", "e169c58d", "bc57ac4c", "9b00dbd8"] },
    {
      key: [0xffffffff, 0xffffffff],
      ctr: [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
      out: ["408f276d", "41c83b0e", "a20bc7c6", "6d5451fd"]
    },
    {
      key: [0xa4093822, 0x299f31d0],
      ctr: [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
      out: ["d16cfe09", "94fdcceb", "5001e420", "24126ea1"]
    }
  ])("matches the Random123 known answer for key $key", ({ key, ctr, out }) => {
    const result = new Uint32Array(4)
    Philox.block(key[0]!, key[1]!, ctr[0]!, ctr[1]!, ctr[2]!, ctr[3]!, result)
    expect(hex(result)).toEqual(out)
  })
})

/** Philox4x32-10 in BigInt arithmetic (exact 64-bit products), independent of the float tricks in src. */
const bigIntBlock = (key: [number, number], counter: [number, number, number, number]) => {
  const mask = 0xffffffffn
  let [x0, x1, x2, x3] = counter.map(BigInt) as [bigint, bigint, bigint, bigint]
  let [k0, k1] = key.map(BigInt) as [bigint, bigint]
  for (let round = 0; round < 10; round++) {
    const p0 = 0xd2511f53n * x0
    const p1 = 0xcd9e8d57n * x2
    ;[x0, x1, x2, x3] = [((p1 >> 32n) ^ x1 ^ k0) & mask, p1 & mask, ((p0 >> 32n) ^ x3 ^ k1) & mask, p0 & mask]
    k0 = (k0 + 0x9e3779b9n) & mask
    k1 = (k1 + 0xbb67ae85n) & mask
  }
  return [x0, x1, x2, x3].map(Number)
}

describe("Philox4x32-10 against exact 64-bit products", () => {
  it("agrees with a BigInt implementation over counters and keys spanning the uint32 range", () => {
    const words = Draw.uint32(Key.make(99), 6 * 500)
    for (let i = 0; i < 500; i++) {
      const [k0, k1, c0, c1, c2, c3] = Array.from(words.subarray(6 * i, 6 * i + 6))
      const out = new Uint32Array(4)
      Philox.block(k0!, k1!, c0!, c1!, c2!, c3!, out)
      expect(Array.from(out)).toEqual(bigIntBlock([k0!, k1!], [c0!, c1!, c2!, c3!]))
    }
  })
})

describe("Key", () => {
  it("rejects seeds that are not non-negative safe integers", () => {
    expect(() => Key.make(-1)).toThrow(RangeError)
    expect(() => Key.make(1.5)).toThrow(RangeError)
    expect(() => Key.make(2 ** 53)).toThrow(RangeError)
  })
  it("derives distinct keys from distinct data, and the same key from the same path", () => {
    const root = Key.make(123)
    expect(Key.fold(root, 1)).toEqual(Key.fold(root, 1))
    expect(Key.fold(root, 1)).not.toEqual(Key.fold(root, 2))
    expect(Key.foldAll(root, [4, 5])).toEqual(Key.fold(Key.fold(root, 4), 5))
    expect(Key.make(2 ** 40)).not.toEqual(Key.make(0))
    const keys = Key.split(root, 100).map((k) => `${k.k0}:${k.k1}`)
    expect(new Set(keys).size).toBe(100)
  })
  it("has distinct purpose tags, each a uint32 that fold accepts, and stable values", () => {
    // The values are part of every recorded run's key path: changing one changes reproduced draws.
    expect(Key.Purpose).toEqual({ init: 1, shuffle: 2, dropout: 3, mask: 4, region: 5, sample: 6 })
    const tags = Object.values(Key.Purpose)
    expect(new Set(tags).size).toBe(tags.length)
    const root = Key.make(5)
    const keys = tags.map((t) => Key.fold(root, t)).map((k) => `${k.k0}:${k.k1}`)
    expect(new Set(keys).size).toBe(tags.length)
  })
})

describe("Draw", () => {
  const key = Key.foldAll(Key.make(7), [Key.Purpose.mask, 3])
  it("uniform values lie in [0,1) and have the moments of U(0,1)", () => {
    const u = Draw.uniform(key, 200_000)
    let sum = 0
    let sq = 0
    let outside = 0
    for (const v of u) {
      if (!(v >= 0 && v < 1)) outside++
      sum += v
      sq += v * v
    }
    expect(outside).toBe(0)
    const mean = sum / u.length
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005)
    expect(Math.abs(sq / u.length - mean * mean - 1 / 12)).toBeLessThan(0.002)
  })
  it("uniformAt gives element i of the uniform stream, in any order of access", () => {
    const key = Key.fold(Key.make(3), 11)
    const all = Draw.uniform(key, 4099)
    const at = Draw.uniformAt(key)
    for (const i of [4098, 0, 1, 2, 3, 4, 7, 2049, 2048, 5, 4096, 4097]) expect(at(i)).toBe(all[i])
  })
  it("a stream's prefix does not depend on its length (chunks agree)", () => {
    const long = Draw.uniform(key, 1001)
    const short = Draw.uniform(key, 10)
    expect(Array.from(long.slice(0, 10))).toEqual(Array.from(short))
  })
  it("permutation is a bijection, reproducible, and uniform over positions", () => {
    const p = Draw.permutation(key, 1000)
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i))
    expect(Array.from(Draw.permutation(key, 1000))).toEqual(Array.from(p))
    // Where element 0 lands over many keys: roughly uniform over 4 positions.
    const counts = [0, 0, 0, 0]
    for (let s = 0; s < 4000; s++) counts[Draw.permutation(Key.fold(key, s), 4).indexOf(0)]!++
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150)
  })
  it("seed gives a uint32", () => {
    const s = Draw.seed(key)
    expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32).toBe(true)
  })
})
