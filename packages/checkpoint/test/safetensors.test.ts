import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { Dtype, InvalidTensorInput, Safetensors } from "../src/index.js"
import { f32Bytes, rawFile, thrown } from "./helpers.js"

const bytesOf = (view: ArrayBufferView): Array<number> => [
  ...new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
]

const ascii = (text: string): Array<number> => [...new TextEncoder().encode(text)]
const u64 = (n: number): Array<number> => {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true)
  return [...out]
}

/** One tensor of every dtype, with edge values, two of them unusual shapes (a scalar, an empty tensor). */
const everyDtype = (): Map<string, Safetensors.SafeTensor> =>
  new Map<string, Safetensors.SafeTensor>([
    [
      "f64",
      { dtype: "F64", shape: [2, 2], data: new Float64Array([1.5, -0, Number.MAX_VALUE, -Number.MIN_VALUE]) }
    ],
    ["f32", { dtype: "F32", shape: [3], data: new Float32Array([0.1, -3.4e38, Number.POSITIVE_INFINITY]) }],
    ["f16", { dtype: "F16", shape: [1, 3], data: new Uint16Array([0x3c00, 0x7bff, 0x8001]) }],
    ["bf16", { dtype: "BF16", shape: [2], data: new Uint16Array([0x3f80, 0xff80]) }],
    ["i64", { dtype: "I64", shape: [3], data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 0n]) }],
    ["u64", { dtype: "U64", shape: [1], data: new BigUint64Array([2n ** 64n - 1n]) }],
    ["i32", { dtype: "I32", shape: [], data: new Int32Array([-2147483648]) }],
    ["u32", { dtype: "U32", shape: [2], data: new Uint32Array([4294967295, 7]) }],
    ["i16", { dtype: "I16", shape: [2], data: new Int16Array([-32768, 32767]) }],
    ["u16", { dtype: "U16", shape: [0, 3], data: new Uint16Array([]) }],
    ["i8", { dtype: "I8", shape: [3], data: new Int8Array([-128, 0, 127]) }],
    ["u8", { dtype: "U8", shape: [2], data: new Uint8Array([0, 255]) }],
    ["bool", { dtype: "BOOL", shape: [3], data: new Uint8Array([1, 0, 1]) }]
  ])

describe("serialize/parse round trip", () => {
  it("keeps dtype, shape and every byte of all 13 dtypes, and the metadata", () => {
    const input = everyDtype()
    expect(new Set([...input.values()].map((t) => t.dtype))).toEqual(new Set(Dtype.all))
    const bytes = Safetensors.serialize(input, { format: "pt", note: "ünïcode ✓" })
    const parsed = Safetensors.parse(bytes)
    expect(parsed.metadata).toEqual({ format: "pt", note: "ünïcode ✓" })
    expect(new Set(parsed.tensors.keys())).toEqual(new Set(input.keys()))
    for (const [name, tensor] of input) {
      const out = parsed.tensors.get(name)!
      expect(out.dtype, name).toBe(tensor.dtype)
      expect(out.shape, name).toEqual(tensor.shape)
      expect(Object.prototype.toString.call(out.data), name).toBe(Object.prototype.toString.call(tensor.data))
      expect(bytesOf(out.data), name).toEqual(bytesOf(tensor.data))
    }
  })

  it("keeps tensor names that are special in JavaScript objects", () => {
    const names = ["__proto__", "constructor", "0", "toString", "ünï ✓"]
    const input = new Map(
      names.map((n, i) => [n, { dtype: "I32" as const, shape: [1], data: new Int32Array([i]) }])
    )
    const parsed = Safetensors.parse(Safetensors.serialize(input))
    expect(new Set(parsed.tensors.keys())).toEqual(new Set(names))
    names.forEach((n, i) => {
      expect([...parsed.tensors.get(n)!.data]).toEqual([i])
    })
  })

  it("accepts a Map, entry pairs or a record, and raw little-endian bytes for any dtype", () => {
    const t = { dtype: "F32" as const, shape: [2], data: new Float32Array([1, 2]) }
    const fromMap = Safetensors.serialize(new Map([["w", t]]))
    expect(Safetensors.serialize([["w", t]])).toEqual(fromMap)
    expect(Safetensors.serialize({ w: t })).toEqual(fromMap)
    expect(Safetensors.serialize({ w: { dtype: "F32", shape: [2], data: f32Bytes([1, 2]) } })).toEqual(
      fromMap
    )
  })

  it("lays data out widest first and pads the header to 8 bytes, so parsed tensors are views", () => {
    const bytes = Safetensors.serialize(everyDtype())
    const header = Safetensors.parseHeader(bytes)
    expect(header.headerByteLength % 8).toBe(0)
    for (const [name, info] of header.entries) {
      expect((header.dataOffset + info.begin) % Dtype.byteSize(info.dtype), name).toBe(0)
    }
    const sizes = [...header.entries.values()].map((info) => Dtype.byteSize(info.dtype))
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a))
    const parsed = Safetensors.parse(bytes)
    for (const tensor of parsed.tensors.values()) expect(tensor.data.buffer).toBe(bytes.buffer)
    const copied = Safetensors.parse(bytes, { copy: true })
    for (const tensor of copied.tensors.values()) expect(tensor.data.buffer).not.toBe(bytes.buffer)
  })

  it("writes exactly the bytes of the reference implementation's test vectors", () => {
    // Test vectors of huggingface/safetensors (tensor.rs: test_serialization, test_serialization_forced_alignement):
    // the header is serde_json's compact form, space-padded to a multiple of 8; data is float32 LE 0..5.
    const values = [0, 1, 2, 3, 4, 5]
    const a = Safetensors.serialize({
      "attn.0": { dtype: "F32", shape: [1, 2, 3], data: new Float32Array(values) }
    })
    const headerA = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}'
    expect(headerA.length).toBe(64)
    expect([...a]).toEqual([...u64(64), ...ascii(headerA), ...f32Bytes(values)])
    const b = Safetensors.serialize({
      attn0: { dtype: "F32", shape: [1, 1, 2, 3], data: new Float32Array(values) }
    })
    const headerB = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}'
    expect([...b]).toEqual([
      ...u64(72),
      ...ascii(headerB),
      ...ascii(" ".repeat(72 - headerB.length)),
      ...f32Bytes(values)
    ])
    const empty = Safetensors.serialize({})
    expect([...empty]).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32])
    expect(Safetensors.parse(empty).tensors.size).toBe(0)
  })

  it("reads F32 data at an offset that is not a multiple of 4 by copying it", () => {
    // An unpadded 61-byte header puts the data at file offset 69, as older writers did.
    const header = '{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}    '
    const file = rawFile(header, f32Bytes([1.5, -2.25, 1e-30]))
    expect((8 + header.length) % 4).not.toBe(0)
    const w = Safetensors.parse(file).tensors.get("w")!
    expect(w.data).toBeInstanceOf(Float32Array)
    expect([...(w.data as Float32Array)]).toEqual([1.5, -2.25, Math.fround(1e-30)])
    expect(w.data.buffer).not.toBe(file.buffer)
  })

  it("reads a file that starts at an odd offset inside a larger buffer", () => {
    const file = Safetensors.serialize({
      a: { dtype: "F64", shape: [2], data: new Float64Array([Math.PI, -1]) },
      b: { dtype: "I16", shape: [2], data: new Int16Array([-5, 9]) }
    })
    const host = new Uint8Array(file.byteLength + 3)
    host.set(file, 1)
    const parsed = Safetensors.parse(host.subarray(1, 1 + file.byteLength))
    expect([...(parsed.tensors.get("a")!.data as Float64Array)]).toEqual([Math.PI, -1])
    expect([...(parsed.tensors.get("b")!.data as Int16Array)]).toEqual([-5, 9])
  })

  it("parseHeader needs only the beginning of a file when told the file size", () => {
    const file = Safetensors.serialize({ w: { dtype: "F32", shape: [1000], data: new Float32Array(1000) } })
    const header = Safetensors.parseHeader(file.subarray(0, 128), { fileByteLength: file.byteLength })
    expect(header.entries.get("w")).toEqual({ dtype: "F32", shape: [1000], begin: 0, end: 4000 })
    expect(header.dataOffset + 4000).toBe(file.byteLength)
  })

  it("decode and encode are the Effect forms", async () => {
    const bytes = await Effect.runPromise(
      Safetensors.encode({ x: { dtype: "U8", shape: [1], data: new Uint8Array([7]) } })
    )
    const parsed = await Effect.runPromise(Safetensors.decode(bytes))
    expect([...parsed.tensors.get("x")!.data]).toEqual([7])
    const error = await Effect.runPromise(Effect.flip(Safetensors.decode(new Uint8Array(3))))
    expect(error._tag).toBe("SafetensorsError")
  })
})

describe("serialize rejects inconsistent tensors", () => {
  const cases: ReadonlyArray<readonly [string, () => unknown, RegExp]> = [
    [
      "a Float32Array as I32",
      () => Safetensors.serialize({ t: { dtype: "I32", shape: [1], data: new Float32Array(1) } as never }),
      /I32 data must be a Int32Array/
    ],
    [
      "too few elements",
      () => Safetensors.serialize({ t: { dtype: "F32", shape: [2, 2], data: new Float32Array(3) } }),
      /needs 16 bytes, the data has 12/
    ],
    [
      "an unknown dtype",
      () => Safetensors.serialize({ t: { dtype: "F128", shape: [1], data: new Uint8Array(16) } as never }),
      /dtype "F128"/
    ],
    [
      "a negative dimension",
      () => Safetensors.serialize({ t: { dtype: "U8", shape: [-1], data: new Uint8Array(0) } }),
      /shape \[-1\]/
    ],
    [
      "a reserved name",
      () => Safetensors.serialize({ __metadata__: { dtype: "U8", shape: [0], data: new Uint8Array(0) } }),
      /reserved/
    ],
    [
      "a name given twice",
      () =>
        Safetensors.serialize([
          ["t", { dtype: "U8", shape: [0], data: new Uint8Array(0) }],
          ["t", { dtype: "U8", shape: [0], data: new Uint8Array(0) }]
        ]),
      /twice/
    ],
    [
      "a non-string metadata value",
      () => Safetensors.serialize({}, { epoch: 3 as never }),
      /metadata\["epoch"\] is 3/
    ]
  ]
  for (const [what, f, message] of cases) {
    it(what, () => {
      const error = thrown(f)
      expect(error).toBeInstanceOf(InvalidTensorInput)
      expect((error as InvalidTensorInput).message).toMatch(message)
    })
  }
})

const f16Cases: ReadonlyArray<readonly [number, number]> = [
  [0x0000, 0],
  [0x3c00, 1],
  [0xc000, -2],
  [0x3555, 0.333251953125], // 1 + 341/1024 times 2^-2
  [0x2e66, 0.0999755859375], // the half closest to 0.1: (1 + 614/1024) * 2^-4
  [0x7bff, 65504], // largest finite half
  [0x0400, 2 ** -14], // smallest normal
  [0x0001, 2 ** -24], // smallest subnormal
  [0x03ff, 1023 * 2 ** -24], // largest subnormal
  [0x7c00, Number.POSITIVE_INFINITY],
  [0xfc00, Number.NEGATIVE_INFINITY]
]

const bf16Cases: ReadonlyArray<readonly [number, number]> = [
  [0x3f80, 1],
  [0xc000, -2],
  [0x4049, 3.140625], // pi truncated to 8 significant bits
  [0x3dcd, 0.10009765625], // the bfloat16 closest to 0.1: (1 + 77/128) * 2^-4
  [0x7f7f, (2 - 2 ** -7) * 2 ** 127], // largest finite bfloat16
  [0x0080, 2 ** -126], // smallest normal
  [0x0001, 2 ** -133], // smallest subnormal
  [0xff80, Number.NEGATIVE_INFINITY]
]

describe("half-precision conversions", () => {
  it("decodes F16 bit patterns to the hand-computed values", () => {
    const out = Safetensors.toFloat32({
      dtype: "F16",
      shape: [f16Cases.length],
      data: new Uint16Array(f16Cases.map((c) => c[0]))
    })
    expect([...out]).toEqual(f16Cases.map((c) => c[1]))
    const special = Safetensors.toFloat32({
      dtype: "F16",
      shape: [2],
      data: new Uint16Array([0x8000, 0x7e00])
    })
    expect(Object.is(special[0], -0)).toBe(true)
    expect(Number.isNaN(special[1])).toBe(true)
  })

  it("decodes BF16 bit patterns to the hand-computed values", () => {
    const out = Safetensors.toFloat32({
      dtype: "BF16",
      shape: [bf16Cases.length],
      data: new Uint16Array(bf16Cases.map((c) => c[0]))
    })
    expect([...out]).toEqual(bf16Cases.map((c) => c[1]))
    expect(
      Number.isNaN(Safetensors.toFloat32({ dtype: "BF16", shape: [1], data: new Uint16Array([0x7fc0]) })[0])
    ).toBe(true)
  })

  it("encodes to the nearest half, ties to even, overflowing to infinity", () => {
    const inputs = [
      1 / 3,
      0.1,
      65504,
      65519, // below the midpoint to infinity: stays at the largest finite
      65520, // the midpoint between 65504 and 65536: ties to even (infinity)
      1e6,
      1 + 2 ** -11, // midpoint of 1 and 1+2^-10: to even (1)
      1 + 3 * 2 ** -11, // midpoint of 1+2^-10 and 1+2^-9: to even (1+2^-9)
      2 ** -24,
      2 ** -25, // midpoint of 0 and the smallest subnormal: to even (0)
      3 * 2 ** -26, // above that midpoint: the smallest subnormal
      2 ** -14 - 2 ** -25, // rounds up from the largest subnormal range into the smallest normal
      -0,
      Number.NEGATIVE_INFINITY
    ]
    const expected = [
      0x3555, 0x2e66, 0x7bff, 0x7bff, 0x7c00, 0x7c00, 0x3c00, 0x3c02, 0x0001, 0x0000, 0x0001, 0x0400, 0x8000,
      0xfc00
    ]
    const t = Safetensors.fromFloat32(new Float32Array(inputs), [inputs.length], "F16")
    expect(t.dtype).toBe("F16")
    expect([...t.data].map((v) => v.toString(16))).toEqual(expected.map((v) => v.toString(16)))
    const nan = Safetensors.fromFloat32(new Float32Array([Number.NaN]), [1], "F16").data[0]!
    expect(nan & 0x7c00).toBe(0x7c00)
    expect(nan & 0x3ff).not.toBe(0)
  })

  it("encodes to the nearest bfloat16, ties to even", () => {
    const inputs = [1, Math.PI, 0.1, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 3.4028234663852886e38, -2]
    const expected = [0x3f80, 0x4049, 0x3dcd, 0x3f80, 0x3f82, 0x7f80, 0xc000]
    const t = Safetensors.fromFloat32(new Float32Array(inputs), [inputs.length], "BF16")
    expect([...t.data].map((v) => v.toString(16))).toEqual(expected.map((v) => v.toString(16)))
    const nan = Safetensors.fromFloat32(new Float32Array([Number.NaN]), [1], "BF16").data[0]!
    expect(
      Number.isNaN(Safetensors.toFloat32({ dtype: "BF16", shape: [1], data: new Uint16Array([nan]) })[0])
    ).toBe(true)
  })

  it("every non-NaN half and bfloat16 pattern survives decode then encode", () => {
    const all = new Uint16Array(65536).map((_, i) => i)
    for (const dtype of ["F16", "BF16"] as const) {
      const values = Safetensors.toFloat32({ dtype, shape: [65536], data: all })
      const back = Safetensors.fromFloat32(values, [65536], dtype).data
      let differing = 0
      for (let i = 0; i < 65536; i++) if (!Number.isNaN(values[i]!) && back[i] !== i) differing++
      expect(differing, dtype).toBe(0)
    }
  })

  it("widens F32 to F64 and narrows F64 to F32", () => {
    const t = Safetensors.fromFloat32(new Float32Array([0.1]), [1], "F64")
    expect(t.data[0]).toBe(Math.fround(0.1))
    expect(Safetensors.toFloat32({ dtype: "F64", shape: [1], data: new Float64Array([0.1]) })[0]).toBe(
      Math.fround(0.1)
    )
    expect(() => Safetensors.fromFloat32(new Float32Array(3), [2], "F16")).toThrow(InvalidTensorInput)
  })
})

describe("integer conversions", () => {
  it("checks the int32 range of I64, U64 and U32", () => {
    const ok = Safetensors.toInt32({
      dtype: "I64",
      shape: [3],
      data: new BigInt64Array([-2147483648n, 0n, 2147483647n])
    })
    expect([...ok]).toEqual([-2147483648, 0, 2147483647])
    const big = thrown(() =>
      Safetensors.toInt32({ dtype: "I64", shape: [2], data: new BigInt64Array([1n, 2147483648n]) }, "ids")
    )
    expect(big).toBeInstanceOf(InvalidTensorInput)
    expect((big as InvalidTensorInput).message).toBe(
      'Invalid tensor "ids": element 1 is 2147483648, outside the int32 range'
    )
    expect(() => Safetensors.toInt32({ dtype: "U32", shape: [1], data: new Uint32Array([2 ** 31]) })).toThrow(
      /outside the int32 range/
    )
    expect(() =>
      Safetensors.toInt32({ dtype: "U64", shape: [1], data: new BigUint64Array([2n ** 40n]) })
    ).toThrow(/outside/)
    expect([...Safetensors.toInt32({ dtype: "BOOL", shape: [2], data: new Uint8Array([1, 0]) })]).toEqual([
      1, 0
    ])
    expect([...Safetensors.toInt32({ dtype: "U16", shape: [1], data: new Uint16Array([65535]) })]).toEqual([
      65535
    ])
  })

  it("refuses to mix float and integer conversions", () => {
    expect(() => Safetensors.toInt32({ dtype: "F32", shape: [1], data: new Float32Array(1) })).toThrow(
      /use toFloat32/
    )
    expect(() => Safetensors.toFloat32({ dtype: "I32", shape: [1], data: new Int32Array(1) })).toThrow(
      /use toInt32/
    )
  })
})
