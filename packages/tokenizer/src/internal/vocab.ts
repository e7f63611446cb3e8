/**
 * vocab.txt → tokenizer.json, as Hugging Face's `BertConverter` builds a fast BERT tokenizer from a slow one.
 */

/** Options of a BERT WordPiece tokenizer built from vocab.txt (the `BertTokenizer` defaults). */
export interface BertVocabOptions {
  readonly doLowerCase: boolean
  readonly stripAccents: boolean | null
  readonly tokenizeChineseChars: boolean
  readonly unkToken: string
  readonly sepToken: string
  readonly padToken: string
  readonly clsToken: string
  readonly maskToken: string
}

/** A vocab.txt line that cannot be a token. */
export interface VocabProblem {
  readonly line: number
  readonly reason: string
}

/**
 * Token → id, the id being the 0-based line index. Lines are split on "\n" with a trailing "\r" removed; a
 * final empty line is the file's terminator. Empty and duplicated tokens are problems (the slow tokenizer
 * would silently give a duplicate the later id).
 */
export const parseVocab = (text: string): { vocab: Map<string, number> } | VocabProblem => {
  const lines = text.split("\n")
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop()
  if (lines.length === 0) return { line: 1, reason: "the vocabulary is empty" }
  const vocab = new Map<string, number>()
  for (let i = 0; i < lines.length; i++) {
    const token = lines[i]!.endsWith("\r") ? lines[i]!.slice(0, -1) : lines[i]!
    if (token === "") return { line: i + 1, reason: "empty token" }
    const previous = vocab.get(token)
    if (previous !== undefined)
      return { line: i + 1, reason: `duplicate token "${token}" (first on line ${previous + 1})` }
    vocab.set(token, i)
  }
  return { vocab }
}

/** The tokenizer.json object that Hugging Face's converter writes for a BERT vocabulary. */
export const bertTokenizerJson = (
  vocab: Map<string, number>,
  options: BertVocabOptions
): Record<string, unknown> => {
  const specials = [options.padToken, options.unkToken, options.clsToken, options.sepToken, options.maskToken]
  const added = [...new Set(specials)]
    .filter((token) => vocab.has(token))
    .map((content) => ({
      id: vocab.get(content)!,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true
    }))
    .sort((a, b) => a.id - b.id)
  const cls = options.clsToken
  const sep = options.sepToken
  const special = (id: string, typeId: number) => ({ SpecialToken: { id, type_id: typeId } })
  const sequence = (id: "A" | "B", typeId: number) => ({ Sequence: { id, type_id: typeId } })
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: {
      type: "BertNormalizer",
      clean_text: true,
      handle_chinese_chars: options.tokenizeChineseChars,
      strip_accents: options.stripAccents,
      lowercase: options.doLowerCase
    },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [special(cls, 0), sequence("A", 0), special(sep, 0)],
      pair: [special(cls, 0), sequence("A", 0), special(sep, 0), sequence("B", 1), special(sep, 1)],
      special_tokens: {
        [cls]: { id: cls, ids: [vocab.get(cls) ?? -1], tokens: [cls] },
        [sep]: { id: sep, ids: [vocab.get(sep) ?? -1], tokens: [sep] }
      }
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: {
      type: "WordPiece",
      unk_token: options.unkToken,
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab)
    }
  }
}
