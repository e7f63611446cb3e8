import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { beforeAll, describe, expect, it } from "vitest"
import { Tokenizer } from "../src/index.js"
import { run } from "./run.js"

// A hand-made RoBERTa-style tokenizer.json: byte-level pre-tokenizer (a space becomes "Ġ", the UTF-8 bytes
// C3 A9 of "é" become "Ã©"), a 26-token vocabulary and 10 merges, RobertaProcessing. Merge ranks:
// 0 h+e, 1 l+l, 2 he+ll, 3 hell+o, 4 Ġ+w, 5 o+r, 6 Ġw+or, 7 Ġwor+l, 8 Ġworl+d, 9 Ã+©.
const fixture = fileURLToPath(new URL("./fixtures/tiny-roberta.tokenizer.json", import.meta.url))
const json = JSON.parse(readFileSync(fixture, "utf8"))

let tok: Tokenizer.Tokenizer

beforeAll(async () => {
  tok = await run(Tokenizer.fromTokenizerJsonFile(fixture))
})

describe("byte-level BPE (RoBERTa)", () => {
  it("reports its special ids", () => {
    expect(tok.modelType).toBe("roberta")
    expect(tok.vocabSize).toBe(26)
    expect(tok.specialIds).toEqual({ pad: 1, cls: 0, sep: 2, unk: 3, mask: 25 })
    expect(tok.numSpecialTokens(false)).toBe(2)
    expect(tok.numSpecialTokens(true)).toBe(4)
  })

  it("applies merges in rank order", () => {
    // "hello": h e l l o → he l l o (0) → he ll o (1) → hell o (2) → hello (3) = 18.
    // " world" = "Ġworld": Ġw (4) → or (5) → Ġwor (6) → Ġworl (7) → Ġworld (8) = 23.
    expect(tok.encode("hello world")).toEqual({
      inputIds: [0, 18, 23, 2],
      attentionMask: [1, 1, 1, 1],
      tokenTypeIds: [0, 0, 0, 0],
      tokens: ["<s>", "hello", "Ġworld", "</s>"]
    })
    // "world" without the space: w o r l d → w or l d (5); no merge joins w+or, or+l or l+d.
    // " hello" = "Ġhello": …hello (3), and no merge Ġ+hello: Ġ 8, hello 18.
    expect(tok.encode("world hello").inputIds).toEqual([0, 9, 20, 6, 11, 8, 18, 2])
  })

  it("maps text to UTF-8 bytes before BPE", () => {
    // " é" = bytes 20 C3 A9 = "Ġ" "Ã" "©"; merge 9 makes Ã© (24); Ġ stays alone (8).
    expect(tok.encode("hello é").inputIds).toEqual([0, 18, 8, 24, 2])
    expect(tok.encode("hello!").inputIds).toEqual([0, 18, 14, 2])
  })

  it("encodes pairs as <s> A </s></s> B </s> with a single token type", () => {
    expect(tok.encode("hello world", "hello")).toEqual({
      inputIds: [0, 18, 23, 2, 2, 18, 2],
      attentionMask: [1, 1, 1, 1, 1, 1, 1],
      tokenTypeIds: [0, 0, 0, 0, 0, 0, 0],
      tokens: ["<s>", "hello", "Ġworld", "</s>", "</s>", "hello", "</s>"]
    })
  })

  it("keeps <mask> whole and strips the space on its left", () => {
    expect(tok.encode("hello <mask>").inputIds).toEqual([0, 18, 25, 2])
  })

  it("truncates longest first and pads with <pad> = 1", () => {
    const batch = tok.encodeBatch(["hello world hello", "hello"], ["world", "hello"], {
      maxLength: 7,
      padding: "longest"
    })
    // Row 1: hello Ġworld Ġ hello (4 tokens) + w or l d (4 tokens), budget 7 − 4 = 3 → 1 + 2.
    // Row 2: 6 tokens, padded by one <pad>.
    expect(batch.inputIds).toEqual([
      [0, 18, 2, 2, 9, 20, 2],
      [0, 18, 2, 2, 18, 2, 1]
    ])
    expect(batch.attentionMask).toEqual([
      [1, 1, 1, 1, 1, 1, 1],
      [1, 1, 1, 1, 1, 1, 0]
    ])
    expect(batch.tokens[1]![6]).toBe("<pad>")
  })

  it("decodes bytes back to text", () => {
    expect(tok.decode([0, 18, 23, 2], { skipSpecialTokens: true })).toBe("hello world")
    expect(tok.decode([18, 8, 24])).toBe("hello é")
  })

  it("accepts merges written as pairs (the newer tokenizer.json format)", async () => {
    const pairs = {
      ...json,
      model: { ...json.model, merges: json.model.merges.map((m: string) => m.split(" ")) }
    }
    const tok2 = await run(Tokenizer.fromJson(pairs))
    expect(tok2.encode("hello world é").inputIds).toEqual([0, 18, 23, 8, 24, 2])
  })
})
