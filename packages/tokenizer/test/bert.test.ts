import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { bertBaseUncasedDir, glueSample } from "@addrop/fixtures"
import { beforeAll, describe, expect, it } from "vitest"
import { Tokenizer } from "../src/index.js"
import { run } from "./run.js"

// Expected ids below are vocab.txt line numbers minus one (`grep -nxF TOKEN vocab.txt`), never the code
// under test: hello 7592, world 2088, [CLS] 101, [SEP] 102, [PAD] 0, [UNK] 100, [MASK] 103, …
const dir = bertBaseUncasedDir()
const sst2Dev = glueSample("sst2", "dev.tsv")
// Ids for dev.tsv rows 1..200 from test/fixtures/bert_reference.py (an independent re-implementation of
// the original BERT algorithm), without [CLS]/[SEP].
const referenceIds: Array<Array<number>> = JSON.parse(
  readFileSync(
    fileURLToPath(new URL("./fixtures/sst2-dev-200.bert-base-uncased.json", import.meta.url)),
    "utf8"
  )
)

let fromJson: Tokenizer.Tokenizer
let fromVocab: Tokenizer.Tokenizer

beforeAll(async () => {
  fromJson = await run(Tokenizer.fromDirectory(dir))
  fromVocab = await run(Tokenizer.fromDirectory(dir, { prefer: "vocab.txt" }))
})

const both = () =>
  [
    ["tokenizer.json", fromJson],
    ["vocab.txt", fromVocab]
  ] as const

describe("bert-base-uncased", () => {
  it("reports its vocabulary and special ids", () => {
    for (const [, tok] of both()) {
      expect(tok.modelType).toBe("bert")
      expect(tok.vocabSize).toBe(30522)
      expect(tok.specialIds).toEqual({ pad: 0, cls: 101, sep: 102, unk: 100, mask: 103 })
      expect(tok.numSpecialTokens(false)).toBe(2)
      expect(tok.numSpecialTokens(true)).toBe(3)
    }
  })

  it('encodes "hello world" as 101 7592 2088 102', () => {
    for (const [, tok] of both()) {
      expect(tok.encode("hello world")).toEqual({
        inputIds: [101, 7592, 2088, 102],
        attentionMask: [1, 1, 1, 1],
        tokenTypeIds: [0, 0, 0, 0],
        tokens: ["[CLS]", "hello", "world", "[SEP]"]
      })
    }
  })

  it.each([
    ["Héllo WÖRLD", [7592, 2088]],
    ["naïve café", [15743, 7668]], // naive, cafe
    ["HELLO", [7592]]
  ])("lower-cases and strips accents: %s", (text, ids) => {
    for (const [, tok] of both()) expect(tok.encode(text).inputIds).toEqual([101, ...ids, 102])
  })

  it.each([
    ["don't stop!", [2123, 1005, 1056, 2644, 999]], // don ' t stop !
    ["hello,world.", [7592, 1010, 2088, 1012]] // hello , world .
  ])("splits punctuation: %s", (text, ids) => {
    for (const [, tok] of both()) expect(tok.encode(text).inputIds).toEqual([101, ...ids, 102])
  })

  it("isolates CJK ideographs, also outside the BMP", () => {
    for (const [, tok] of both()) {
      // 中 1746, 文 1861; without isolation WordPiece would give 中 ##文 (30387).
      expect(tok.encode("中文").inputIds).toEqual([101, 1746, 1861, 102])
      // U+20000 is an ideograph not in the vocabulary: [UNK] on its own, then abc (5925).
      expect(tok.encode("𠀀abc").inputIds).toEqual([101, 100, 5925, 102])
    }
  })

  it("maps characters outside the vocabulary to [UNK]", () => {
    for (const [, tok] of both())
      expect(tok.encode("hello ☃ world").inputIds).toEqual([101, 7592, 100, 2088, 102])
  })

  it("removes control characters and treats unicode spaces as separators", () => {
    for (const [, tok] of both()) {
      expect(tok.encode("\u0000hello\u200b\u00a0world\t\n").inputIds).toEqual([101, 7592, 2088, 102])
    }
  })

  it("splits long words into ## pieces, greedy longest match first", () => {
    for (const [, tok] of both()) {
      // una 14477, ##ffa 20961, ##ble 3468 (no longer prefix of unaffable / ffable is in the vocabulary)
      expect(tok.encode("unaffable").tokens).toEqual(["[CLS]", "una", "##ffa", "##ble", "[SEP]"])
      expect(tok.encode("unaffable").inputIds).toEqual([101, 14477, 20961, 3468, 102])
      // 100 a's: aaa 13360, then 48 × ##aa 11057, then ##a 2050 (aaaa and ##aaa are not in the vocabulary)
      expect(tok.encode("a".repeat(100)).inputIds).toEqual([101, 13360, ...Array(48).fill(11057), 2050, 102])
    }
  })

  it("maps a word longer than max_input_chars_per_word (100) to one [UNK]", () => {
    for (const [, tok] of both()) {
      expect(tok.encode("a".repeat(101)).inputIds).toEqual([101, 100, 102])
      expect(tok.encode(`hello ${"a".repeat(101)} world`).inputIds).toEqual([101, 7592, 100, 2088, 102])
    }
  })

  it("keeps [MASK] written in the text as the special token, but not a lower-cased [mask]", () => {
    for (const [, tok] of both()) {
      expect(tok.encode("the [MASK] is great").inputIds).toEqual([101, 1996, 103, 2003, 2307, 102])
      expect(tok.encode("[mask]").inputIds).toEqual([101, 1031, 7308, 1033, 102]) // [ mask ]
    }
  })

  it("encodes a pair with token type ids 0 then 1", () => {
    for (const [, tok] of both()) {
      expect(tok.encode("hello world", "how are you")).toEqual({
        inputIds: [101, 7592, 2088, 102, 2129, 2024, 2017, 102],
        attentionMask: [1, 1, 1, 1, 1, 1, 1, 1],
        tokenTypeIds: [0, 0, 0, 0, 1, 1, 1, 1],
        tokens: ["[CLS]", "hello", "world", "[SEP]", "how", "are", "you", "[SEP]"]
      })
      // An empty second text still makes a pair.
      expect(tok.encode("hello", "").inputIds).toEqual([101, 7592, 102, 102])
    }
  })

  it("truncates a single text to maxLength, keeping [CLS] and [SEP]", () => {
    const e = fromJson.encode("the movie is great", undefined, { maxLength: 4 })
    expect(e.inputIds).toEqual([101, 1996, 3185, 102])
    expect(fromJson.encode("the movie is great", undefined, { maxLength: 2 }).inputIds).toEqual([101, 102])
    expect(fromJson.encode("hello", undefined, { maxLength: 10 }).inputIds).toEqual([101, 7592, 102])
  })

  it("truncates pairs longest first", () => {
    // 7 + 3 tokens, budget 9 − 3 = 6: only the longer first text is cut, to 3.
    expect(fromJson.encode("the movie is great a b c", "x y z", { maxLength: 9 }).inputIds).toEqual([
      101, 1996, 3185, 2003, 102, 1060, 1061, 1062, 102
    ])
    // 3 + 7 tokens: the longer second text is cut.
    expect(fromJson.encode("x y z", "the movie is great a b c", { maxLength: 9 }).inputIds).toEqual([
      101, 1060, 1061, 1062, 102, 1996, 3185, 2003, 102
    ])
    // 4 + 4 tokens, budget 7: both cut; the odd token goes to the second text, as in HF tokenizers (Rust).
    const tied = fromJson.encode("a b c d", "x y z w", { maxLength: 10 })
    expect(tied.inputIds).toEqual([101, 1037, 1038, 1039, 102, 1060, 1061, 1062, 1059, 102])
    expect(tied.tokenTypeIds).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    // maxLength equal to the special tokens leaves both texts empty.
    expect(fromJson.encode("a b", "c d", { maxLength: 3 }).inputIds).toEqual([101, 102, 102])
  })

  it("pads a single encoding to maxLength", () => {
    expect(fromJson.encode("hello world", undefined, { maxLength: 6, padding: "maxLength" })).toEqual({
      inputIds: [101, 7592, 2088, 102, 0, 0],
      attentionMask: [1, 1, 1, 1, 0, 0],
      tokenTypeIds: [0, 0, 0, 0, 0, 0],
      tokens: ["[CLS]", "hello", "world", "[SEP]", "[PAD]", "[PAD]"]
    })
  })

  it("encodes a batch, padded to the longest row or to maxLength", () => {
    const texts = ["hello world", "a", "the movie is great"]
    const longest = fromJson.encodeBatch(texts, undefined, { padding: "longest" })
    expect(longest.inputIds).toEqual([
      [101, 7592, 2088, 102, 0, 0],
      [101, 1037, 102, 0, 0, 0],
      [101, 1996, 3185, 2003, 2307, 102]
    ])
    expect(longest.attentionMask).toEqual([
      [1, 1, 1, 1, 0, 0],
      [1, 1, 1, 0, 0, 0],
      [1, 1, 1, 1, 1, 1]
    ])
    const fixed = fromJson.encodeBatch(texts, undefined, { maxLength: 5, padding: "maxLength" })
    expect(fixed.inputIds).toEqual([
      [101, 7592, 2088, 102, 0],
      [101, 1037, 102, 0, 0],
      [101, 1996, 3185, 2003, 102]
    ])
    const unpadded = fromJson.encodeBatch(texts)
    expect(unpadded.inputIds.map((r) => r.length)).toEqual([4, 3, 6])
    const pairs = fromJson.encodeBatch(["hello", "a b"], ["world", "c"], { padding: "longest" })
    expect(pairs.inputIds).toEqual([
      [101, 7592, 102, 2088, 102, 0],
      [101, 1037, 1038, 102, 1039, 102]
    ])
    expect(pairs.tokenTypeIds).toEqual([
      [0, 0, 0, 1, 1, 0],
      [0, 0, 0, 0, 1, 1]
    ])
    expect(fromJson.encodeBatch([], undefined, { padding: "longest" }).inputIds).toEqual([])
  })

  it("decodes ids back to text", () => {
    expect(fromJson.decode([101, 7592, 2088, 102])).toBe("[CLS] hello world [SEP]")
    expect(fromJson.decode([101, 7592, 2088, 102, 0, 0], { skipSpecialTokens: true })).toBe("hello world")
    expect(fromJson.decode(Int32Array.from([14477, 20961, 3468]))).toBe("unaffable")
    expect(fromJson.decode([])).toBe("")
  })

  it("tokenizer.json and vocab.txt give identical ids on SST-2 dev rows 1-200, equal to the reference", () => {
    const rows = readFileSync(sst2Dev, "utf8").split("\n").slice(1, 201)
    expect(rows).toHaveLength(200)
    const sentences = rows.map((r) => r.split("\t")[0]!)
    const a = fromJson.encodeBatch(sentences).inputIds
    const b = fromVocab.encodeBatch(sentences).inputIds
    expect(b).toEqual(a)
    expect(a).toEqual(referenceIds.map((ids) => [101, ...ids, 102]))
    // The sample exercises the interesting paths: ## pieces and punctuation.
    expect(a.flat().filter((id) => fromJson.idToToken(id)!.startsWith("##")).length).toBeGreaterThan(50)
  })
})
