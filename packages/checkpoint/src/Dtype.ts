/**
 * The element types a safetensors file can hold, their sizes and the typed array each is read into.
 *
 * @since 0.1.0
 */

/**
 * A safetensors element type this package reads and writes. All values are little-endian.
 * `F16` and `BF16` are kept as their raw 16-bit patterns (`Uint16Array`); convert with
 * `Safetensors.toFloat32`. `BOOL` is one byte per element (0 or 1).
 *
 * @since 0.1.0
 * @category models
 */
export type Dtype =
  | "F64"
  | "F32"
  | "F16"
  | "BF16"
  | "I64"
  | "U64"
  | "I32"
  | "U32"
  | "I16"
  | "U16"
  | "I8"
  | "U8"
  | "BOOL"

/**
 * The typed array that holds the elements of each {@link Dtype}.
 *
 * @since 0.1.0
 * @category models
 */
export interface ArrayOf {
  readonly F64: Float64Array
  readonly F32: Float32Array
  readonly F16: Uint16Array
  readonly BF16: Uint16Array
  readonly I64: BigInt64Array
  readonly U64: BigUint64Array
  readonly I32: Int32Array
  readonly U32: Uint32Array
  readonly I16: Int16Array
  readonly U16: Uint16Array
  readonly I8: Int8Array
  readonly U8: Uint8Array
  readonly BOOL: Uint8Array
}

/**
 * Every supported dtype, widest first.
 *
 * @since 0.1.0
 * @category constants
 */
export const all: ReadonlyArray<Dtype> = [
  "F64",
  "I64",
  "U64",
  "F32",
  "I32",
  "U32",
  "F16",
  "BF16",
  "I16",
  "U16",
  "I8",
  "U8",
  "BOOL"
]

const sizes: Readonly<Record<Dtype, number>> = {
  F64: 8,
  I64: 8,
  U64: 8,
  F32: 4,
  I32: 4,
  U32: 4,
  F16: 2,
  BF16: 2,
  I16: 2,
  U16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1
}

/**
 * Bytes per element.
 *
 * @example
 * ```ts
 * import { Dtype } from "@addrop/checkpoint"
 * Dtype.byteSize("BF16") // 2
 * ```
 * @since 0.1.0
 * @category getters
 */
export const byteSize = (dtype: Dtype): number => sizes[dtype]

/**
 * Whether a value (for example a header's `dtype` field) names a supported dtype.
 *
 * @since 0.1.0
 * @category guards
 */
export const is = (value: unknown): value is Dtype => typeof value === "string" && Object.hasOwn(sizes, value)

/**
 * Dtypes defined by the safetensors format that this package does not decode (8-bit and narrower floats,
 * complex numbers). Named in errors so a user knows the file is valid but unsupported here.
 *
 * @since 0.1.0
 * @category constants
 */
export const unsupported: ReadonlyArray<string> = [
  "F8_E4M3",
  "F8_E5M2",
  "F8_E8M0",
  "F6_E2M3",
  "F6_E3M2",
  "F4",
  "C64"
]
