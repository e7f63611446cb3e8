/**
 * The safetensors format as pure functions over bytes: a bounds-checked `parse` that rejects hostile or
 * truncated files before allocating anything large, `serialize`, and conversions of half-precision and
 * 64-bit data to what TensorFlow.js accepts (`Float32Array`, `Int32Array`). Runs in any JavaScript runtime.
 *
 * Format: 8 bytes little-endian u64 `N`, `N` bytes of UTF-8 JSON header
 * `{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {string: string}}`,
 * then the data section, which the tensors' byte ranges must tile exactly.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { InvalidTensorInput, SafetensorsError, type SafetensorsErrorReason } from "./CheckpointError.js"
import * as Dtype from "./Dtype.js"
import { bf16BitsToFloat32, f16BitsToFloat32, float32ToBf16Bits, float32ToF16Bits } from "./internal/half.js"
import { firstDuplicateTopLevelKey, isObject, parseJson } from "./internal/json.js"

/**
 * One tensor: its dtype, its shape (row-major, outermost first, `[]` for a scalar) and its elements in the
 * typed array of its dtype (see {@link Dtype.ArrayOf}). Narrow on `dtype` to get the precise array type.
 *
 * @since 0.1.0
 * @category models
 */
export type SafeTensor = {
  readonly [D in Dtype.Dtype]: {
    readonly dtype: D
    readonly shape: ReadonlyArray<number>
    readonly data: Dtype.ArrayOf[D]
  }
}[Dtype.Dtype]

/**
 * What {@link serialize} accepts: a {@link SafeTensor}, or any dtype with its raw little-endian bytes.
 *
 * @since 0.1.0
 * @category models
 */
export type TensorInput =
  | SafeTensor
  | { readonly dtype: Dtype.Dtype; readonly shape: ReadonlyArray<number>; readonly data: Uint8Array }

/**
 * A header entry after validation. `begin`/`end` are byte offsets into the data section.
 *
 * @since 0.1.0
 * @category models
 */
export interface TensorInfo {
  readonly dtype: Dtype.Dtype
  readonly shape: ReadonlyArray<number>
  readonly begin: number
  readonly end: number
}

/**
 * A validated header: entries in data order, the `__metadata__` map (empty when absent), and where the data
 * section starts in the file (`8 + headerByteLength`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Header {
  readonly metadata: Readonly<Record<string, string>>
  readonly entries: ReadonlyMap<string, TensorInfo>
  readonly headerByteLength: number
  readonly dataOffset: number
}

/**
 * A parsed file: its metadata and its tensors, in data order.
 *
 * @since 0.1.0
 * @category models
 */
export interface Parsed {
  readonly metadata: Readonly<Record<string, string>>
  readonly tensors: ReadonlyMap<string, SafeTensor>
}

/**
 * Options of {@link parse} and {@link parseHeader}.
 *
 * - `maxHeaderBytes`: largest header accepted (default 100 MB, as the reference implementation).
 * - `fileByteLength` (`parseHeader` only): the whole file's size when `bytes` is only its beginning.
 * - `copy` (`parse` only): copy every tensor out of `bytes` so `bytes` can be released. By default a tensor
 *   is a view into `bytes` when its data is aligned for its type, and a copy otherwise.
 *
 * @since 0.1.0
 * @category models
 */
export interface ParseOptions {
  readonly maxHeaderBytes?: number | undefined
  readonly fileByteLength?: number | undefined
  readonly copy?: boolean | undefined
}

/**
 * The reference implementation's header limit: 100 MB.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_MAX_HEADER_BYTES = 100_000_000

const METADATA_KEY = "__metadata__"

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

const fail = (reason: SafetensorsErrorReason, detail: string, tensor?: string): never => {
  throw new SafetensorsError({ reason, detail, tensor })
}

const isSafeCount = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0

/** Product of `shape`, or `undefined` when it exceeds `Number.MAX_SAFE_INTEGER`. */
const elementCount = (shape: ReadonlyArray<number>): number | undefined => {
  if (shape.includes(0)) return 0
  let count = 1
  for (const dim of shape) {
    if (count > Math.floor(Number.MAX_SAFE_INTEGER / dim)) return undefined
    count *= dim
  }
  return count
}

const validateShape = (shape: unknown, name: string): ReadonlyArray<number> => {
  if (!Array.isArray(shape)) return fail("InvalidShape", `"${name}": shape is not an array`, name)
  for (const dim of shape as ReadonlyArray<unknown>) {
    if (!isSafeCount(dim)) {
      return fail(
        "InvalidShape",
        `"${name}": shape ${JSON.stringify(shape)} has ${JSON.stringify(dim)}, not a non-negative safe integer`,
        name
      )
    }
  }
  return shape as ReadonlyArray<number>
}

const validateMetadata = (value: unknown): Readonly<Record<string, string>> => {
  if (!isObject(value)) return fail("InvalidMetadata", "__metadata__ is not an object of strings")
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== "string") {
      return fail("InvalidMetadata", `__metadata__["${key}"] is ${JSON.stringify(v)}, not a string`)
    }
  }
  return value as Record<string, string>
}

const validateEntry = (name: string, value: unknown, dataSize: number): TensorInfo => {
  if (!isObject(value)) return fail("InvalidEntry", `"${name}" is not an object`, name)
  const dtype = value.dtype
  if (!Dtype.is(dtype)) {
    if (typeof dtype === "string" && Dtype.unsupported.includes(dtype)) {
      return fail(
        "UnsupportedDtype",
        `"${name}" has dtype ${dtype}, which this package does not decode`,
        name
      )
    }
    return fail(
      "UnknownDtype",
      `"${name}" has dtype ${JSON.stringify(dtype)}; expected one of ${Dtype.all.join(", ")}`,
      name
    )
  }
  const shape = validateShape(value.shape, name)
  const offsets = value.data_offsets
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !isSafeCount(offsets[0]) ||
    !isSafeCount(offsets[1])
  ) {
    return fail(
      "InvalidOffsets",
      `"${name}": data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative safe integers`,
      name
    )
  }
  const begin = offsets[0] as number
  const end = offsets[1] as number
  if (begin > end)
    return fail("InvalidOffsets", `"${name}": data_offsets [${begin}, ${end}] end before they begin`, name)
  if (end > dataSize) {
    return fail(
      "OffsetsOutOfRange",
      `"${name}": data_offsets [${begin}, ${end}] exceed the data section of ${dataSize} bytes`,
      name
    )
  }
  const count = elementCount(shape)
  const size = Dtype.byteSize(dtype)
  if (count === undefined || count > Math.floor(Number.MAX_SAFE_INTEGER / size)) {
    return fail("ShapeOverflow", `"${name}": shape ${JSON.stringify(shape)} has too many elements`, name)
  }
  if (end - begin !== count * size) {
    return fail(
      "SizeMismatch",
      `"${name}": ${dtype} ${JSON.stringify(shape)} needs ${count * size} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`,
      name
    )
  }
  return { dtype, shape, begin, end }
}

const parseHeaderUnsafe = (bytes: Uint8Array, options: ParseOptions | undefined): Header => {
  if (!littleEndian)
    return fail("BigEndianPlatform", "safetensors data is little-endian; this platform is not")
  const maxHeaderBytes = options?.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES
  const fileLength = options?.fileByteLength ?? bytes.byteLength
  if (fileLength < 8 || bytes.byteLength < 8) {
    return fail(
      "Truncated",
      `the file has ${Math.min(fileLength, bytes.byteLength)} bytes, fewer than the 8-byte header length`
    )
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8)
  const claimed = view.getBigUint64(0, true)
  if (claimed > BigInt(maxHeaderBytes)) {
    return fail(
      "HeaderTooLarge",
      `the header claims ${claimed} bytes, more than the limit of ${maxHeaderBytes}`
    )
  }
  const n = Number(claimed)
  if (n > fileLength - 8) {
    return fail(
      "HeaderBeyondFile",
      `the header claims ${n} bytes but only ${fileLength - 8} follow the length`
    )
  }
  if (n > bytes.byteLength - 8) {
    return fail("Truncated", `the header needs ${n + 8} bytes but only ${bytes.byteLength} were given`)
  }
  let text: string
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n))
  } catch {
    return fail("InvalidUtf8", "the header is not valid UTF-8")
  }
  if (text.charCodeAt(0) !== 123) return fail("InvalidHeaderStart", "the header does not start with '{'")
  const json = parseJson(text)
  if (!json.ok) {
    const at = json.line === undefined ? "" : ` at line ${json.line}, column ${json.column}`
    return fail("InvalidJson", `the header is not valid JSON${at}: ${json.detail}`)
  }
  if (!isObject(json.value)) return fail("InvalidJson", "the header is not a JSON object")
  const duplicate = firstDuplicateTopLevelKey(text)
  if (duplicate !== undefined)
    return fail("DuplicateName", `"${duplicate}" appears twice in the header`, duplicate)

  const dataSize = fileLength - 8 - n
  let metadata: Readonly<Record<string, string>> = {}
  const infos: Array<readonly [string, TensorInfo]> = []
  for (const [name, value] of Object.entries(json.value)) {
    if (name === METADATA_KEY) metadata = validateMetadata(value)
    else infos.push([name, validateEntry(name, value, dataSize)])
  }
  infos.sort((a, b) => a[1].begin - b[1].begin || a[1].end - b[1].end)
  let cursor = 0
  let previous = ""
  for (const [name, info] of infos) {
    if (info.begin < cursor) {
      return fail(
        "OverlappingOffsets",
        `"${name}" [${info.begin}, ${info.end}] overlaps "${previous}", which ends at ${cursor}`,
        name
      )
    }
    if (info.begin > cursor) {
      return fail("DataGap", `bytes [${cursor}, ${info.begin}) before "${name}" belong to no tensor`, name)
    }
    cursor = info.end
    previous = name
  }
  if (cursor !== dataSize) {
    return fail("TrailingData", `the tensors cover ${cursor} bytes but the data section has ${dataSize}`)
  }
  return { metadata, entries: new Map(infos), headerByteLength: n, dataOffset: 8 + n }
}

/**
 * Reads and validates the header only. `bytes` may be just the beginning of a file (pass the file's size
 * as `fileByteLength`), which lets a caller list tensors or check a shard without reading its data.
 *
 * @throws {SafetensorsError} when the header is malformed or inconsistent with the file size.
 * @example
 * ```ts
 * import { Safetensors } from "@addrop/checkpoint"
 * declare const bytes: Uint8Array
 * const header = Safetensors.parseHeader(bytes)
 * for (const [name, info] of header.entries) console.log(name, info.dtype, info.shape)
 * ```
 * @since 0.1.0
 * @category parsing
 */
export const parseHeader = (bytes: Uint8Array, options?: ParseOptions): Header =>
  parseHeaderUnsafe(bytes, options)

const constructors = {
  F64: Float64Array,
  F32: Float32Array,
  F16: Uint16Array,
  BF16: Uint16Array,
  I64: BigInt64Array,
  U64: BigUint64Array,
  I32: Int32Array,
  U32: Uint32Array,
  I16: Int16Array,
  U16: Uint16Array,
  I8: Int8Array,
  U8: Uint8Array,
  BOOL: Uint8Array
} as const

type AnyArrayConstructor = new (
  buffer: ArrayBufferLike,
  byteOffset?: number,
  length?: number
) => Dtype.ArrayOf[Dtype.Dtype]

/**
 * Parses a whole safetensors file. Every check of {@link parseHeader} runs before any tensor is touched,
 * so a hostile file (a header claiming 2^60 bytes, a shape whose product overflows, overlapping ranges)
 * fails fast without allocating. F16/BF16 stay raw `Uint16Array` bits: see {@link toFloat32}.
 *
 * @throws {SafetensorsError} when the file is malformed.
 * @example
 * ```ts
 * import { Safetensors } from "@addrop/checkpoint"
 * const bytes = Safetensors.serialize({ w: { dtype: "F32", shape: [2], data: new Float32Array([1, 2]) } })
 * const { tensors } = Safetensors.parse(bytes)
 * tensors.get("w")?.data // Float32Array [1, 2]
 * ```
 * @since 0.1.0
 * @category parsing
 */
export const parse = (bytes: Uint8Array, options?: ParseOptions): Parsed => {
  const header = parseHeaderUnsafe(bytes, { ...options, fileByteLength: undefined })
  const copy = options?.copy ?? false
  const tensors = new Map<string, SafeTensor>()
  for (const [name, info] of header.entries) {
    const size = Dtype.byteSize(info.dtype)
    const length = (info.end - info.begin) / size
    const absolute = bytes.byteOffset + header.dataOffset + info.begin
    const Ctor = constructors[info.dtype] as unknown as AnyArrayConstructor
    let data: Dtype.ArrayOf[Dtype.Dtype]
    if (!copy && absolute % size === 0) {
      data = new Ctor(bytes.buffer, absolute, length)
    } else {
      // An explicit copy: `slice` on a Node Buffer (what file reads return) is a view, not a copy.
      const start = header.dataOffset + info.begin
      const owned = new Uint8Array(info.end - info.begin)
      owned.set(bytes.subarray(start, start + owned.byteLength))
      data = new Ctor(owned.buffer, 0, length)
    }
    tensors.set(name, { dtype: info.dtype, shape: info.shape, data } as SafeTensor)
  }
  return { metadata: header.metadata, tensors }
}

/**
 * {@link parse} as an Effect, failing with {@link SafetensorsError}.
 *
 * @since 0.1.0
 * @category parsing
 */
export const decode = (bytes: Uint8Array, options?: ParseOptions): Effect.Effect<Parsed, SafetensorsError> =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(parse(bytes, options))
    } catch (error) {
      return error instanceof SafetensorsError ? Effect.fail(error) : Effect.die(error)
    }
  })

const arrayKinds: Readonly<Record<Dtype.Dtype, string>> = {
  F64: "Float64Array",
  F32: "Float32Array",
  F16: "Uint16Array",
  BF16: "Uint16Array",
  I64: "BigInt64Array",
  U64: "BigUint64Array",
  I32: "Int32Array",
  U32: "Uint32Array",
  I16: "Int16Array",
  U16: "Uint16Array",
  I8: "Int8Array",
  U8: "Uint8Array",
  BOOL: "Uint8Array"
}

const kindOf = (value: unknown): string => {
  const tag = Object.prototype.toString.call(value)
  return tag.slice(8, -1)
}

interface Prepared {
  readonly name: string
  readonly dtype: Dtype.Dtype
  readonly shape: ReadonlyArray<number>
  readonly bytes: Uint8Array
}

const invalid = (tensor: string | undefined, detail: string): never => {
  throw new InvalidTensorInput({ tensor, detail })
}

/**
 * Checks one tensor for {@link serialize} and returns its bytes.
 *
 * @throws {InvalidTensorInput}
 * @since 0.1.0
 * @category serializing
 */
export const tensorBytes = (tensor: TensorInput, name?: string): Uint8Array => {
  if (!isObject(tensor)) return invalid(name, "not a tensor object")
  const { dtype, shape, data } = tensor as { dtype: unknown; shape: unknown; data: unknown }
  if (!Dtype.is(dtype))
    return invalid(name, `dtype ${JSON.stringify(dtype)} is not one of ${Dtype.all.join(", ")}`)
  if (!Array.isArray(shape) || !shape.every(isSafeCount)) {
    return invalid(name, `shape ${JSON.stringify(shape)} is not a list of non-negative safe integers`)
  }
  const kind = kindOf(data)
  if (kind !== arrayKinds[dtype] && kind !== "Uint8Array") {
    return invalid(
      name,
      `${dtype} data must be a ${arrayKinds[dtype]} or raw bytes (Uint8Array), not ${kind}`
    )
  }
  const view = data as ArrayBufferView
  const count = elementCount(shape)
  const expected = count === undefined ? Number.POSITIVE_INFINITY : count * Dtype.byteSize(dtype)
  if (view.byteLength !== expected) {
    return invalid(
      name,
      `${dtype} ${JSON.stringify(shape)} needs ${expected} bytes, the data has ${view.byteLength}`
    )
  }
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
}

const entriesOf = (
  tensors:
    | ReadonlyMap<string, TensorInput>
    | Iterable<readonly [string, TensorInput]>
    | Readonly<Record<string, TensorInput>>
): Iterable<readonly [string, TensorInput]> =>
  Symbol.iterator in tensors
    ? (tensors as Iterable<readonly [string, TensorInput]>)
    : Object.entries(tensors as Readonly<Record<string, TensorInput>>)

/**
 * Serialises tensors to a safetensors file. Like the reference writer, tensors are laid out widest dtype
 * first, then by name, and the header is padded with spaces to a multiple of 8 bytes, so every tensor's data
 * is aligned for its type in the file. `metadata` becomes `__metadata__` (omitted when empty).
 *
 * @throws {InvalidTensorInput} when a tensor is inconsistent or a metadata value is not a string.
 * @example
 * ```ts
 * import { Safetensors } from "@addrop/checkpoint"
 * const bytes = Safetensors.serialize(
 *   { "bert.embeddings.word_embeddings.weight": { dtype: "F32", shape: [2, 2], data: new Float32Array(4) } },
 *   { format: "pt" }
 * )
 * ```
 * @since 0.1.0
 * @category serializing
 */
export const serialize = (
  tensors:
    | ReadonlyMap<string, TensorInput>
    | Iterable<readonly [string, TensorInput]>
    | Readonly<Record<string, TensorInput>>,
  metadata?: Readonly<Record<string, string>>
): Uint8Array => {
  const prepared: Array<Prepared> = []
  const names = new Set<string>()
  for (const [name, tensor] of entriesOf(tensors)) {
    if (typeof name !== "string") return invalid(undefined, `tensor name ${String(name)} is not a string`)
    if (name === METADATA_KEY) return invalid(name, `"${METADATA_KEY}" is reserved for metadata`)
    if (names.has(name)) return invalid(name, "the name is given twice")
    names.add(name)
    const bytes = tensorBytes(tensor, name)
    prepared.push({ name, dtype: tensor.dtype, shape: tensor.shape, bytes })
  }
  prepared.sort(
    (a, b) =>
      Dtype.byteSize(b.dtype) - Dtype.byteSize(a.dtype) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  )
  const parts: Array<string> = []
  if (metadata !== undefined && Object.keys(metadata).length > 0) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== "string") {
        return invalid(
          undefined,
          `metadata["${key}"] is ${JSON.stringify(value)}; metadata values must be strings`
        )
      }
    }
    parts.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(metadata)}`)
  }
  let offset = 0
  for (const t of prepared) {
    const end = offset + t.bytes.byteLength
    parts.push(
      `${JSON.stringify(t.name)}:{"dtype":"${t.dtype}","shape":${JSON.stringify(t.shape)},"data_offsets":[${offset},${end}]}`
    )
    offset = end
  }
  const json = new TextEncoder().encode(`{${parts.join(",")}}`)
  const headerLength = Math.ceil(json.byteLength / 8) * 8
  const total = 8 + headerLength + offset
  let out: Uint8Array
  try {
    out = new Uint8Array(total)
  } catch {
    return invalid(
      undefined,
      `${total} bytes do not fit one buffer in this runtime; write the model in shards`
    )
  }
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true)
  out.set(json, 8)
  out.fill(0x20, 8 + json.byteLength, 8 + headerLength)
  let position = 8 + headerLength
  for (const t of prepared) {
    out.set(t.bytes, position)
    position += t.bytes.byteLength
  }
  return out
}

/**
 * {@link serialize} as an Effect, failing with {@link InvalidTensorInput}.
 *
 * @since 0.1.0
 * @category serializing
 */
export const encode = (
  tensors:
    | ReadonlyMap<string, TensorInput>
    | Iterable<readonly [string, TensorInput]>
    | Readonly<Record<string, TensorInput>>,
  metadata?: Readonly<Record<string, string>>
): Effect.Effect<Uint8Array, InvalidTensorInput> =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(serialize(tensors, metadata))
    } catch (error) {
      return error instanceof InvalidTensorInput ? Effect.fail(error) : Effect.die(error)
    }
  })

/**
 * Number of elements of a shape (1 for a scalar `[]`).
 *
 * @since 0.1.0
 * @category getters
 */
export const size = (shape: ReadonlyArray<number>): number => elementCount(shape) ?? Number.POSITIVE_INFINITY

/**
 * The elements of a floating-point tensor as float32. F16 and BF16 are decoded exactly (every half and
 * bfloat16 value is a float32 value); F64 is rounded to nearest; F32 returns the tensor's own array.
 *
 * @throws {InvalidTensorInput} for integer dtypes (use {@link toInt32}).
 * @example
 * ```ts
 * import { Safetensors } from "@addrop/checkpoint"
 * Safetensors.toFloat32({ dtype: "BF16", shape: [2], data: new Uint16Array([0x3f80, 0xc000]) }) // [1, -2]
 * ```
 * @since 0.1.0
 * @category conversions
 */
export const toFloat32 = (tensor: SafeTensor, name?: string): Float32Array => {
  switch (tensor.dtype) {
    case "F32":
      return tensor.data
    case "F64":
      return Float32Array.from(tensor.data)
    case "F16":
      return f16BitsToFloat32(tensor.data)
    case "BF16":
      return bf16BitsToFloat32(tensor.data)
    default:
      return invalid(name, `${tensor.dtype} is not a floating-point dtype; use toInt32`)
  }
}

/**
 * The elements of an integer or boolean tensor as int32 (what tfjs uses for ids and masks). I64, U64 and
 * U32 are range-checked: the first value outside [-2^31, 2^31) fails with its index.
 *
 * @throws {InvalidTensorInput} for floating-point dtypes or out-of-range values.
 * @since 0.1.0
 * @category conversions
 */
export const toInt32 = (tensor: SafeTensor, name?: string): Int32Array => {
  switch (tensor.dtype) {
    case "I32":
      return tensor.data
    case "I16":
    case "U16":
    case "I8":
    case "U8":
    case "BOOL":
      return Int32Array.from(tensor.data)
    case "U32": {
      const data = tensor.data
      const out = new Int32Array(data.length)
      for (let i = 0; i < data.length; i++) {
        const v = data[i]!
        if (v > 0x7fffffff) return invalid(name, `element ${i} is ${v}, outside the int32 range`)
        out[i] = v
      }
      return out
    }
    case "I64":
    case "U64": {
      const data = tensor.data
      const out = new Int32Array(data.length)
      for (let i = 0; i < data.length; i++) {
        const v = data[i]!
        if (v > 2147483647n || v < -2147483648n)
          return invalid(name, `element ${i} is ${v}, outside the int32 range`)
        out[i] = Number(v)
      }
      return out
    }
    default:
      return invalid(name, `${tensor.dtype} is a floating-point dtype; use toFloat32`)
  }
}

/**
 * Builds a floating-point tensor from float32 values, encoding to F16 or BF16 with round-to-nearest-even
 * (overflow gives ±infinity, as in PyTorch), or widening to F64.
 *
 * @throws {InvalidTensorInput} when `values` does not have `product(shape)` elements.
 * @example
 * ```ts
 * import { Safetensors } from "@addrop/checkpoint"
 * const t = Safetensors.fromFloat32(new Float32Array([1, 0.1]), [2], "F16")
 * t.data // Uint16Array [0x3c00, 0x2e66]
 * ```
 * @since 0.1.0
 * @category conversions
 */
export const fromFloat32 = <D extends "F32" | "F16" | "BF16" | "F64">(
  values: Float32Array,
  shape: ReadonlyArray<number>,
  dtype: D
): Extract<SafeTensor, { readonly dtype: D }> => {
  if (!Array.isArray(shape) || !shape.every(isSafeCount) || elementCount(shape) !== values.length) {
    return invalid(undefined, `shape ${JSON.stringify(shape)} does not hold ${values.length} elements`)
  }
  const data =
    dtype === "F16"
      ? float32ToF16Bits(values)
      : dtype === "BF16"
        ? float32ToBf16Bits(values)
        : dtype === "F64"
          ? Float64Array.from(values)
          : values
  return { dtype, shape, data } as unknown as Extract<SafeTensor, { readonly dtype: D }>
}
