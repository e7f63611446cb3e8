import { describe, expect, it } from "vitest"
import { Truncation } from "../src/index.js"

/** The token-by-token loop of Hugging Face's slow tokenizers: drop the last token of the longer sequence. */
const iterative = (a: number, b: number, budget: number): [number, number] => {
  while (a + b > budget) {
    if (a > b) a--
    else b--
  }
  return [a, b]
}

describe("longestFirst", () => {
  // The expectations of truncate_encodings_longest_first in huggingface/tokenizers
  // (tokenizers/src/utils/truncation.rs): empty 0, short 2, medium 4, long 8 tokens, max_length 7.
  it.each([
    [0, 0, 0, 0],
    [0, 2, 0, 2],
    [0, 4, 0, 4],
    [0, 8, 0, 7],
    [2, 0, 2, 0],
    [2, 2, 2, 2],
    [2, 4, 2, 4],
    [2, 8, 2, 5],
    [4, 0, 4, 0],
    [4, 2, 4, 2],
    [4, 4, 3, 4],
    [4, 8, 3, 4],
    [8, 0, 7, 0],
    [8, 2, 5, 2],
    [8, 4, 4, 3],
    [8, 8, 3, 4]
  ])("(%i, %i) with budget 7 keeps (%i, %i) as HF tokenizers does", (a, b, ea, eb) => {
    expect(Truncation.longestFirst(a, b, 7)).toEqual([ea, eb])
  })

  it("keeps nothing with a zero budget", () => {
    expect(Truncation.longestFirst(2, 0, 0)).toEqual([0, 0])
    expect(Truncation.longestFirst(4, 4, 0)).toEqual([0, 0])
  })

  it("agrees with repeated removal from the longer sequence except for an odd budget's last token", () => {
    const violations: Array<string> = []
    let differing = 0
    for (let a = 0; a <= 20; a++) {
      for (let b = 0; b <= 20; b++) {
        for (let budget = 0; budget <= 24; budget++) {
          const [ra, rb] = Truncation.longestFirst(a, b, budget)
          const [ia, ib] = iterative(a, b, budget)
          const at = `(${a}, ${b}, ${budget}) → (${ra}, ${rb}), loop (${ia}, ${ib})`
          if (ra + rb !== Math.min(a + b, budget) || ra > a || rb > b) violations.push(`bad total ${at}`)
          if (ra !== ia || rb !== ib) {
            differing++
            // Both were cut to half an odd budget; the loop gives the odd token to the first sequence, HF
            // tokenizers to the one that was longer (the second on a tie).
            const half = (budget - 1) / 2
            const expected =
              budget % 2 === 1 && b >= a && ia === half + 1 && ib === half && ra === half && rb === half + 1
            if (!expected) violations.push(`unexpected difference ${at}`)
          }
        }
      }
    }
    expect(violations).toEqual([])
    expect(differing).toBeGreaterThan(0)
  })
})
