import { describe, expect, it } from "vitest"
import { Safetensors, SafetensorsError, type SafetensorsErrorReason } from "../src/index.js"
import { rawFile, thrown } from "./helpers.js"

const rejection = (file: Uint8Array, options?: Safetensors.ParseOptions): SafetensorsError => {
  const error = thrown(() => Safetensors.parse(file, options))
  expect(error).toBeInstanceOf(SafetensorsError)
  return error as SafetensorsError
}

const expectReason = (file: Uint8Array, reason: SafetensorsErrorReason, message?: RegExp): void => {
  const error = rejection(file)
  expect(error.reason).toBe(reason)
  if (message !== undefined) expect(error.message).toMatch(message)
}

const entry = (dtype: unknown, shape: unknown, data_offsets: unknown) => ({ dtype, shape, data_offsets })

describe("safetensors rejects malformed files with a typed error", () => {
  it("a file shorter than the 8-byte length", () => {
    expectReason(new Uint8Array(0), "Truncated", /0 bytes/)
    expectReason(new Uint8Array([2, 0, 0]), "Truncated")
  })

  it("a truncated data section", () => {
    const good = Safetensors.serialize({ w: { dtype: "F32", shape: [4], data: new Float32Array(4) } })
    expectReason(
      good.subarray(0, good.byteLength - 1),
      "OffsetsOutOfRange",
      /exceed the data section of 15 bytes/
    )
  })

  it("a header length above the limit, however large", () => {
    expectReason(
      rawFile("{}", 0, { claimedLength: 2n ** 60n }),
      "HeaderTooLarge",
      /1152921504606846976 bytes/
    )
    expectReason(rawFile("{}", 0, { claimedLength: 2n ** 64n - 1n }), "HeaderTooLarge")
    expectReason(rawFile("{}", 0, { claimedLength: 100_000_001n }), "HeaderTooLarge", /limit of 100000000/)
    const small = rejection(rawFile({ a: entry("U8", [1], [0, 1]) }, 1), { maxHeaderBytes: 16 })
    expect(small.reason).toBe("HeaderTooLarge")
  })

  it("a header length beyond the end of the file", () => {
    expectReason(
      rawFile("{}", 0, { claimedLength: 3n }),
      "HeaderBeyondFile",
      /claims 3 bytes but only 2 follow/
    )
    expectReason(rawFile("{}", 0, { claimedLength: 99_000_000n }), "HeaderBeyondFile")
  })

  it("a header that is not UTF-8, does not start with '{', or is not JSON", () => {
    const bad = rawFile("{}")
    bad[9] = 0xff
    expectReason(bad, "InvalidUtf8")
    expectReason(rawFile(" {}"), "InvalidHeaderStart")
    expectReason(rawFile("[]"), "InvalidHeaderStart")
    expectReason(rawFile('{"a":'), "InvalidJson", /not valid JSON/)
    expectReason(rawFile('{"a":1} x'), "InvalidJson")
  })

  it("a name that appears twice (JSON.parse would keep only the last)", () => {
    const e = JSON.stringify(entry("U8", [0], [0, 0]))
    expectReason(rawFile(`{"a":${e},"b":${e},"a":${e}}`), "DuplicateName", /"a" appears twice/)
    expectReason(rawFile(`{"a":${e},"\\u0061":${e}}`), "DuplicateName")
    // nested keys may repeat across entries
    expect(Safetensors.parse(rawFile(`{"a":${e},"b":${e}}`)).tensors.size).toBe(2)
  })

  it("metadata that is not a string-to-string map", () => {
    expectReason(rawFile({ __metadata__: { epoch: 3 } }), "InvalidMetadata", /__metadata__\["epoch"\] is 3/)
    expectReason(rawFile({ __metadata__: ["pt"] }), "InvalidMetadata")
    expectReason(rawFile({ __metadata__: null }), "InvalidMetadata")
  })

  it("an entry that is not an object, or an unknown or unsupported dtype", () => {
    expectReason(rawFile({ w: [1, 2] }), "InvalidEntry")
    expectReason(rawFile({ w: entry("F128", [1], [0, 16]) }, 16), "UnknownDtype", /"w" has dtype "F128"/)
    expectReason(rawFile({ w: { shape: [1], data_offsets: [0, 4] } }, 4), "UnknownDtype")
    expectReason(rawFile({ w: entry("f32", [1], [0, 4]) }, 4), "UnknownDtype")
    expectReason(rawFile({ w: entry("F8_E4M3", [1], [0, 1]) }, 1), "UnsupportedDtype")
  })

  it("a shape with a negative, fractional, unsafe or non-numeric dimension", () => {
    for (const shape of [[-1], [1.5], ["2"], [2 ** 60], [null], "3", undefined]) {
      const error = rejection(rawFile({ w: entry("U8", shape, [0, 0]) }))
      expect(error.reason, JSON.stringify(shape)).toBe("InvalidShape")
      expect(error.tensor).toBe("w")
    }
  })

  it("a shape whose element count or byte count overflows", () => {
    expectReason(rawFile({ w: entry("F32", [2 ** 30, 2 ** 30, 2 ** 30], [0, 8]) }, 8), "ShapeOverflow")
    expectReason(rawFile({ w: entry("F64", [2 ** 51], [0, 8]) }, 8), "ShapeOverflow")
    // a zero dimension makes the product zero, whatever the others
    expect(
      Safetensors.parse(rawFile({ w: entry("F32", [2 ** 52, 0, 2 ** 52], [0, 0]) })).tensors.get("w")!.data
        .length
    ).toBe(0)
  })

  it("data_offsets that are not a pair of non-negative safe integers, or end before they begin", () => {
    for (const offsets of [[0], [0, 4, 8], [-4, 0], [0, "4"], [0, 2 ** 64], null, [4, 0]]) {
      expectReason(rawFile({ w: entry("F32", [1], offsets) }, 4), "InvalidOffsets")
    }
  })

  it("data_offsets beyond the data section", () => {
    expectReason(rawFile({ w: entry("F32", [2], [0, 8]) }, 4), "OffsetsOutOfRange")
    expectReason(rawFile({ w: entry("F32", [2 ** 25, 2 ** 25], [0, 2 ** 52]) }, 4), "OffsetsOutOfRange")
  })

  it("a byte range whose size disagrees with dtype and shape", () => {
    expectReason(rawFile({ w: entry("F32", [3], [0, 8]) }, 8), "SizeMismatch", /needs 12 bytes but .* hold 8/)
    expectReason(rawFile({ w: entry("F16", [2, 2], [0, 16]) }, 16), "SizeMismatch")
  })

  it("overlapping ranges", () => {
    const file = rawFile({ a: entry("F32", [2], [0, 8]), b: entry("F32", [2], [4, 12]) }, 12)
    expectReason(file, "OverlappingOffsets", /"b" \[4, 12\] overlaps "a"/)
    // the same range twice is an overlap too
    expectReason(
      rawFile({ a: entry("F32", [1], [0, 4]), b: entry("F32", [1], [0, 4]) }, 4),
      "OverlappingOffsets"
    )
  })

  it("ranges that leave a hole or bytes after the last tensor (the format requires exact tiling)", () => {
    expectReason(
      rawFile({ a: entry("F32", [1], [0, 4]), b: entry("F32", [1], [8, 12]) }, 12),
      "DataGap",
      /\[4, 8\)/
    )
    expectReason(rawFile({ a: entry("F32", [1], [4, 8]) }, 8), "DataGap")
    expectReason(
      rawFile({ a: entry("F32", [1], [0, 4]) }, 5),
      "TrailingData",
      /cover 4 bytes but the data section has 5/
    )
    expectReason(rawFile("{}", 1), "TrailingData")
  })

  it("accepts zero-size tensors anywhere, scalars, and header padding", () => {
    const file = rawFile(
      { e: entry("F32", [0, 4], [4, 4]), s: entry("I32", [], [0, 4]), z: entry("U8", [0], [0, 0]) },
      new Uint8Array([42, 0, 0, 0]),
      { pad: true }
    )
    const parsed = Safetensors.parse(file)
    expect(parsed.tensors.get("s")!.shape).toEqual([])
    expect([...parsed.tensors.get("s")!.data]).toEqual([42])
    expect(parsed.tensors.get("e")!.data.length).toBe(0)
  })

  it("rejects hostile headers fast and without allocating what they claim", () => {
    const hostile = [
      rawFile("{}", 0, { claimedLength: 2n ** 60n }),
      rawFile("{}", 16, { claimedLength: 99_999_999n }),
      rawFile({ w: entry("F32", [2 ** 25, 2 ** 25], [0, 2 ** 52]) }, 64),
      rawFile({ w: entry("F32", [2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30], [0, 64]) }, 64),
      rawFile({ w: entry("F64", [2 ** 40, 2 ** 40], [0, 64]) }, 64),
      rawFile({ a: entry("U8", [2 ** 20], [0, 2 ** 20]), b: entry("U8", [2 ** 20], [0, 2 ** 20]) }, 2 ** 20)
    ]
    // Sampled right after each parse, before a collection could hide an allocation.
    const arrayBuffers = (): number => process.memoryUsage().arrayBuffers
    const before = arrayBuffers()
    let peak = 0
    const start = performance.now()
    for (let round = 0; round < 50; round++) {
      for (const file of hostile) {
        expect(() => Safetensors.parse(file)).toThrow(SafetensorsError)
        peak = Math.max(peak, arrayBuffers() - before)
      }
    }
    expect(performance.now() - start).toBeLessThan(5000)
    expect(peak).toBeLessThan(16 * 2 ** 20)
  })
})
