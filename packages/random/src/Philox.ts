/**
 * The Philox4x32-10 block function (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11).
 *
 * A counter-based generator: the output for a (key, counter) pair depends on nothing else, so any element
 * of a random stream can be computed directly, in any order, on any runtime, with identical results.
 *
 * @since 0.1.0
 */

const M0 = 0xd2511f53
const M1 = 0xcd9e8d57
const W0 = 0x9e3779b9
const W1 = 0xbb67ae85

const M0_HI = M0 >>> 16
const M0_LO = M0 & 0xffff
const M1_HI = M1 >>> 16
const M1_LO = M1 & 0xffff

/**
 * The high word floor(x·M / 2³²) of a 32×32-bit product, from 16-bit halves: with x = xh·2¹⁶ + xl and
 * M = mh·2¹⁶ + ml, x·M = xh·mh·2³² + (xh·ml + xl·mh)·2¹⁶ + xl·ml, every partial product < 2³², so the high
 * word is xh·mh plus the high halves of the middle products plus the carry out of the low word. Integer
 * shifts and masks only: ~25 % faster than dividing float64 products (which the mask's draws spend most
 * of their time on).
 */
const multiplyHigh = (x: number, mh: number, ml: number): number => {
  const xh = x >>> 16
  const xl = x & 0xffff
  const low = xl * ml
  const cross1 = xl * mh
  const cross2 = xh * ml
  const carry = ((low >>> 16) + (cross1 & 0xffff) + (cross2 & 0xffff)) >>> 16
  return (xh * mh + (cross1 >>> 16) + (cross2 >>> 16) + carry) >>> 0
}

/**
 * Computes one Philox4x32-10 block: four uint32 outputs written to `out` at `offset`.
 *
 * @since 0.1.0
 * @category primitives
 */
export const block = (
  k0: number,
  k1: number,
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  out: Uint32Array,
  offset = 0
): void => {
  let x0 = c0 >>> 0
  let x1 = c1 >>> 0
  let x2 = c2 >>> 0
  let x3 = c3 >>> 0
  let key0 = k0 >>> 0
  let key1 = k1 >>> 0
  for (let round = 0; round < 10; round++) {
    const hi0 = multiplyHigh(x0, M0_HI, M0_LO)
    const lo0 = Math.imul(M0, x0) >>> 0
    const hi1 = multiplyHigh(x2, M1_HI, M1_LO)
    const lo1 = Math.imul(M1, x2) >>> 0
    x0 = (hi1 ^ x1 ^ key0) >>> 0
    x1 = lo1
    x2 = (hi0 ^ x3 ^ key1) >>> 0
    x3 = lo0
    key0 = (key0 + W0) >>> 0
    key1 = (key1 + W1) >>> 0
  }
  out[offset] = x0
  out[offset + 1] = x1
  out[offset + 2] = x2
  out[offset + 3] = x3
}
