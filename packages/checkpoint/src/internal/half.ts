/** IEEE 754 binary16 and bfloat16 <-> binary32 conversions on raw bit patterns. */

let f16Table: Float32Array | undefined

/** binary16 pattern -> value, for all 65536 patterns (exact: every binary16 value is a binary32 value). */
const f16ToF32Table = (): Float32Array => {
  if (f16Table !== undefined) return f16Table
  const table = new Float32Array(65536)
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1
    const exponent = (h >>> 10) & 0x1f
    const mantissa = h & 0x3ff
    if (exponent === 0) table[h] = sign * mantissa * 2 ** -24
    else if (exponent === 0x1f) table[h] = mantissa === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN
    else table[h] = sign * (1 + mantissa / 1024) * 2 ** (exponent - 15)
  }
  f16Table = table
  return table
}

export const f16BitsToFloat32 = (bits: Uint16Array): Float32Array => {
  const table = f16ToF32Table()
  const out = new Float32Array(bits.length)
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]!]!
  return out
}

export const bf16BitsToFloat32 = (bits: Uint16Array): Float32Array => {
  const out = new Float32Array(bits.length)
  const words = new Uint32Array(out.buffer)
  for (let i = 0; i < bits.length; i++) words[i] = bits[i]! << 16
  return out
}

/** binary32 pattern -> binary16 pattern, rounding to nearest, ties to even; overflow gives infinity. */
const f32WordToF16 = (u: number): number => {
  const sign = (u >>> 16) & 0x8000
  const exponent = (u >>> 23) & 0xff
  const mantissa = u & 0x7fffff
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa === 0 ? 0 : 0x200 | (mantissa >>> 13))
  const e = exponent - 112 // rebias 127 -> 15
  if (e >= 0x1f) return sign | 0x7c00
  if (e <= 0) {
    if (e < -10) return sign // below half the smallest subnormal: rounds to zero
    const m = mantissa | 0x800000
    const shift = 14 - e
    let half = m >>> shift
    const rest = m & ((1 << shift) - 1)
    const halfway = 1 << (shift - 1)
    if (rest > halfway || (rest === halfway && (half & 1) === 1)) half++
    return sign | half
  }
  let half = (e << 10) | (mantissa >>> 13)
  const rest = mantissa & 0x1fff
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++ // a carry into the exponent is correct
  return sign | half
}

/** binary32 pattern -> bfloat16 pattern, rounding to nearest, ties to even; NaN stays a (quiet) NaN. */
const f32WordToBf16 = (u: number): number => {
  if ((u & 0x7f800000) === 0x7f800000 && (u & 0x7fffff) !== 0) return ((u >>> 16) | 0x40) & 0xffff
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff
}

export const float32ToF16Bits = (values: Float32Array): Uint16Array => {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length)
  const out = new Uint16Array(values.length)
  for (let i = 0; i < values.length; i++) out[i] = f32WordToF16(words[i]!)
  return out
}

export const float32ToBf16Bits = (values: Float32Array): Uint16Array => {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length)
  const out = new Uint16Array(values.length)
  for (let i = 0; i < values.length; i++) out[i] = f32WordToBf16(words[i]!)
  return out
}
