/** A direct, loop-based implementation of the documented rule, independent of the tensor code. */
export const referenceCandidates = (
  scores: ArrayLike<number>,
  keyMask: ArrayLike<number>,
  shape: readonly [number, number, number, number],
  p: number
): Uint8Array => {
  const [B, H, L, M] = shape
  const out = new Uint8Array(B * H * L * M)
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < L; i++) {
        const row = ((b * H + h) * L + i) * M
        const real: Array<number> = []
        for (let j = 0; j < M; j++) if (keyMask[b * M + j] !== 0) real.push(j)
        const n = real.length
        const k = Math.floor(n * (1 - p))
        if (k >= n) continue
        const sorted = real.map((j) => scores[row + j]!).sort((x, y) => x - y)
        const threshold = sorted[k]!
        for (const j of real) if (scores[row + j]! >= threshold) out[row + j] = 1
      }
  return out
}
