/**
 * Hugging Face's BertNormalizer puts spaces around every CJK ideograph (`handle_chinese_chars`).
 * `@huggingface/tokenizers` 0.2 walks UTF-16 code units there, so ideographs outside the Basic Multilingual
 * Plane (CJK extensions B–F and the compatibility supplement, written as surrogate pairs) are never
 * isolated: "𠀀abc" becomes one unknown word instead of [UNK] + "abc". Spacing those before the library
 * runs restores the reference behaviour; BMP ideographs are left to the library.
 */

// The supplementary-plane ranges of `is_chinese_char` in tokenizers' normalizers/bert.rs.
const ASTRAL_CJK =
  /[\u{20000}-\u{2A6DF}\u{2A700}-\u{2B73F}\u{2B740}-\u{2B81F}\u{2B920}-\u{2CEAF}\u{2F800}-\u{2FA1F}]/gu

export const spaceAstralCjk = (text: string): string =>
  // Astral code points are surrogate pairs, so a text without a high surrogate has none.
  /[\uD800-\uDBFF]/.test(text) ? text.replace(ASTRAL_CJK, (c) => ` ${c} `) : text
