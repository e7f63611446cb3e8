/**
 * How many tokens of each sequence survive truncation.
 *
 * @since 0.1.0
 */

/**
 * The lengths that Hugging Face `tokenizers` (the Rust library behind every fast tokenizer, hence behind
 * `AutoTokenizer`) keeps under its default `longest_first` strategy, given the two sequences' lengths
 * without special tokens and the `budget` left for them (`maxLength` minus the special tokens).
 *
 * Only the longer sequence is cut while the shorter fits in half the budget; otherwise both are cut to
 * half, and an odd budget's extra token goes to the sequence that was longer (to the second on a tie).
 * This equals "repeatedly drop the last token of the longer sequence" except for that odd token, which the
 * token-by-token loop of Python's slow tokenizers gives to the first sequence on a tie.
 *
 * @example
 * ```ts
 * import { Truncation } from "@addrop/tokenizer"
 * Truncation.longestFirst(4, 8, 7) // [3, 4]
 * ```
 * @since 0.1.0
 * @category truncation
 */
export const longestFirst = (lengthA: number, lengthB: number, budget: number): readonly [number, number] => {
  if (lengthA + lengthB <= budget) return [lengthA, lengthB]
  const swap = lengthA > lengthB
  let short = swap ? lengthB : lengthA
  let long = swap ? lengthA : lengthB
  long = short > budget ? short : Math.max(short, budget - short)
  if (short + long > budget) {
    short = Math.floor(budget / 2)
    long = short + (budget % 2)
  }
  return swap ? [long, short] : [short, long]
}
