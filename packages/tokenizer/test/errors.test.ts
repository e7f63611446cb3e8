import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { bertBaseUncasedDir } from "@addrop/fixtures"
import { Effect, type FileSystem } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  InvalidEncodeInput,
  MaxLengthTooSmall,
  MissingSpecialToken,
  Tokenizer,
  TokenizerFileCorrupt,
  TokenizerFileNotFound,
  UnknownModelType
} from "../src/index.js"
import { run } from "./run.js"

const bertDir = bertBaseUncasedDir()
const roberta = JSON.parse(
  readFileSync(fileURLToPath(new URL("./fixtures/tiny-roberta.tokenizer.json", import.meta.url)), "utf8")
)

let tmp: string
let bert: Tokenizer.Tokenizer

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "addrop-tokenizer-"))
  bert = await run(Tokenizer.fromDirectory(bertDir))
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const folder = (name: string, files: Record<string, string>): string => {
  const dir = join(tmp, name)
  mkdirSync(dir)
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content)
  return dir
}

const failure = <A, E>(effect: Effect.Effect<A, E, FileSystem.FileSystem>): Promise<E> =>
  run(Effect.flip(effect))

const thrown = (f: () => unknown): unknown => {
  try {
    f()
  } catch (e) {
    return e
  }
  throw new Error("expected a throw")
}

const SMALL_VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "##s"].join("\n")

describe("loading errors", () => {
  it("a missing file or an empty folder is TokenizerFileNotFound", async () => {
    const missing = await failure(Tokenizer.fromTokenizerJsonFile(join(tmp, "nope.json")))
    expect(missing).toBeInstanceOf(TokenizerFileNotFound)
    expect((missing as TokenizerFileNotFound).path).toBe(join(tmp, "nope.json"))
    const empty = await failure(Tokenizer.fromDirectory(folder("empty", {})))
    expect(empty).toBeInstanceOf(TokenizerFileNotFound)
    expect(empty.message).toContain("neither tokenizer.json nor vocab.txt")
  })

  it("invalid JSON is TokenizerFileCorrupt naming the file", async () => {
    const dir = folder("badjson", { "tokenizer.json": '{"model": {' })
    const e = await failure(Tokenizer.fromDirectory(dir))
    expect(e).toBeInstanceOf(TokenizerFileCorrupt)
    expect((e as TokenizerFileCorrupt).path).toBe(join(dir, "tokenizer.json"))
    expect(e.message).toContain("invalid JSON")
  })

  it("a tokenizer.json without a model or vocabulary is TokenizerFileCorrupt", async () => {
    expect(await failure(Tokenizer.fromJson({ version: "1.0" }))).toBeInstanceOf(TokenizerFileCorrupt)
    expect(await failure(Tokenizer.fromJson([1, 2]))).toBeInstanceOf(TokenizerFileCorrupt)
    const noVocab = await failure(Tokenizer.fromJson({ ...roberta, model: { type: "BPE", merges: [] } }))
    expect(noVocab).toBeInstanceOf(TokenizerFileCorrupt)
    expect(noVocab.message).toContain("model.vocab")
  })

  it("a corrupt tokenizer_config.json is TokenizerFileCorrupt", async () => {
    const dir = folder("badconfig", { "vocab.txt": SMALL_VOCAB, "tokenizer_config.json": "not json" })
    const e = await failure(Tokenizer.fromDirectory(dir))
    expect(e).toBeInstanceOf(TokenizerFileCorrupt)
    expect((e as TokenizerFileCorrupt).path).toBe(join(dir, "tokenizer_config.json"))
  })

  it("a vocab.txt with a duplicate or empty token is TokenizerFileCorrupt with the line", async () => {
    const dup = await failure(Tokenizer.fromVocab("[PAD]\n[UNK]\nhello\n[UNK]\n"))
    expect(dup).toBeInstanceOf(TokenizerFileCorrupt)
    expect((dup as TokenizerFileCorrupt).line).toBe(4)
    expect(dup.message).toContain("first on line 2")
    const blank = await failure(Tokenizer.fromVocab("[PAD]\n\n[UNK]\n"))
    expect((blank as TokenizerFileCorrupt).line).toBe(2)
    expect(await failure(Tokenizer.fromVocab(""))).toBeInstanceOf(TokenizerFileCorrupt)
  })

  it("a vocabulary without a special token is MissingSpecialToken", async () => {
    const e = await failure(Tokenizer.fromVocab(SMALL_VOCAB.replace("[MASK]\n", "")))
    expect(e).toBeInstanceOf(MissingSpecialToken)
    expect((e as MissingSpecialToken).role).toBe("mask")
    const noPad = await failure(
      Tokenizer.fromJson({ ...roberta, added_tokens: [], model: noToken(roberta.model, "<pad>") })
    )
    expect((noPad as MissingSpecialToken).role).toBe("pad")
  })

  it("a model other than WordPiece or byte-level BPE is UnknownModelType", async () => {
    const unigram = await failure(Tokenizer.fromJson({ model: { type: "Unigram", vocab: [["a", 0]] } }))
    expect(unigram).toBeInstanceOf(UnknownModelType)
    expect(await failure(Tokenizer.fromJson({ model: { type: "Unigram", vocab: {} } }))).toBeInstanceOf(
      UnknownModelType
    )
    const metaspace = await failure(Tokenizer.fromJson({ ...roberta, pre_tokenizer: { type: "Metaspace" } }))
    expect(metaspace).toBeInstanceOf(UnknownModelType)
    const noPost = await failure(Tokenizer.fromJson({ ...roberta, post_processor: null }))
    expect(noPost).toBeInstanceOf(UnknownModelType)
    expect(noPost.message).toContain("post-processor")
  })

  it("config.json naming an unknown or mismatched model type is UnknownModelType", async () => {
    const json = readFileSync(join(bertDir, "tokenizer.json"), "utf8")
    const gpt2 = folder("gpt2", { "tokenizer.json": json, "config.json": '{"model_type": "gpt2"}' })
    const e = await failure(Tokenizer.fromDirectory(gpt2))
    expect(e).toBeInstanceOf(UnknownModelType)
    expect((e as UnknownModelType).modelType).toBe("gpt2")
    const mismatch = folder("mismatch", {
      "vocab.txt": SMALL_VOCAB,
      "config.json": '{"model_type": "roberta"}'
    })
    expect(await failure(Tokenizer.fromDirectory(mismatch))).toBeInstanceOf(UnknownModelType)
  })
})

describe("vocab.txt options", () => {
  it("honours do_lower_case from tokenizer_config.json", async () => {
    const cased = folder("cased", {
      "vocab.txt": SMALL_VOCAB,
      "tokenizer_config.json": '{"do_lower_case": false}'
    })
    const uncased = folder("uncased", {
      "vocab.txt": SMALL_VOCAB,
      "tokenizer_config.json": '{"do_lower_case": true}'
    })
    const a = await run(Tokenizer.fromDirectory(cased))
    const b = await run(Tokenizer.fromDirectory(uncased))
    // ids: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4, hello 5, world 6, ##s 7
    expect(a.encode("Hello worlds").inputIds).toEqual([2, 1, 6, 7, 3])
    expect(b.encode("Hello worlds").inputIds).toEqual([2, 5, 6, 7, 3])
    expect(b.specialIds).toEqual({ pad: 0, cls: 2, sep: 3, unk: 1, mask: 4 })
  })

  it("reads a vocab.txt with CRLF line ends", async () => {
    const tok = await run(Tokenizer.fromVocab(SMALL_VOCAB.replaceAll("\n", "\r\n")))
    expect(tok.encode("hello").inputIds).toEqual([2, 5, 3])
  })

  it("loads from a folder holding only vocab.txt", async () => {
    const dir = folder("vocabonly", {})
    copyFileSync(join(bertDir, "vocab.txt"), join(dir, "vocab.txt"))
    const tok = await run(Tokenizer.fromDirectory(dir))
    expect(tok.encode("Héllo world").inputIds).toEqual([101, 7592, 2088, 102])
  })
})

describe("encoding errors", () => {
  it("maxLength below the special tokens is MaxLengthTooSmall", () => {
    const single = thrown(() => bert.encode("hello", undefined, { maxLength: 1 }))
    expect(single).toBeInstanceOf(MaxLengthTooSmall)
    expect(single).toMatchObject({ maxLength: 1, specialTokens: 2, pair: false })
    const pair = thrown(() => bert.encodeBatch(["a"], ["b"], { maxLength: 2, padding: "longest" }))
    expect(pair).toMatchObject({ _tag: "MaxLengthTooSmall", maxLength: 2, specialTokens: 3, pair: true })
  })

  it("bad arguments are InvalidEncodeInput", () => {
    expect(thrown(() => bert.encodeBatch(["a", "b"], ["c"]))).toBeInstanceOf(InvalidEncodeInput)
    expect(thrown(() => bert.encode("a", undefined, { padding: "maxLength" }))).toBeInstanceOf(
      InvalidEncodeInput
    )
    expect(thrown(() => bert.encode("a", undefined, { maxLength: 3.5 }))).toBeInstanceOf(InvalidEncodeInput)
    expect(thrown(() => bert.decode([101, 30522]))).toBeInstanceOf(InvalidEncodeInput)
    expect(thrown(() => bert.decode([-1]))).toBeInstanceOf(InvalidEncodeInput)
  })
})

function noToken(model: { vocab: Record<string, number> }, token: string) {
  const vocab = { ...model.vocab }
  delete vocab[token]
  return { ...model, vocab }
}
