import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, FileSystem, PlatformError } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import {
  type CheckpointIoError,
  type InvalidFileName,
  type InvalidModelConfig,
  type InvalidShardIndex,
  type InvalidTensorInput,
  type PickleCheckpointOnly,
  readModelFiles,
  readModelFolder,
  Safetensors,
  type SafetensorsError,
  type WeightsNotFound,
  writeModelFolder
} from "../src/index.js"
import { failureOf, failureOfPure, runNode, tempDir } from "./helpers.js"

let dir: string
let cleanup: () => void
beforeEach(() => {
  const t = tempDir()
  dir = t.path
  cleanup = t.cleanup
})
afterEach(() => cleanup())

const config = { model_type: "bert", hidden_size: 4, num_labels: 2 }

const tensors = (): Map<string, Safetensors.SafeTensor> =>
  new Map<string, Safetensors.SafeTensor>([
    [
      "bert.embeddings.word_embeddings.weight",
      { dtype: "F32", shape: [3, 4], data: new Float32Array(12).map((_, i) => i / 8) }
    ],
    [
      "bert.embeddings.position_ids",
      { dtype: "I64", shape: [1, 5], data: new BigInt64Array([0n, 1n, 2n, 3n, 4n]) }
    ],
    [
      "classifier.weight",
      { dtype: "F16", shape: [2, 4], data: new Uint16Array([0x3c00, 0, 0xbc00, 0, 0, 0x4000, 0, 0]) }
    ],
    ["classifier.bias", { dtype: "F32", shape: [2], data: new Float32Array([0.5, -0.5]) }]
  ])

const expectSameTensors = (
  actual: ReadonlyMap<string, Safetensors.SafeTensor>,
  expected: ReadonlyMap<string, Safetensors.SafeTensor>
): void => {
  expect(new Set(actual.keys())).toEqual(new Set(expected.keys()))
  for (const [name, t] of expected) {
    const a = actual.get(name)!
    expect(a.dtype, name).toBe(t.dtype)
    expect(a.shape, name).toEqual(t.shape)
    expect([...new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength)], name).toEqual([
      ...new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)
    ])
  }
}

const tempFiles = (path: string): Array<string> => readdirSync(path).filter((name) => name.endsWith(".tmp"))

describe("writeModelFolder then readModelFolder", () => {
  it("round-trips config, tensors, metadata and extra files in one model.safetensors", async () => {
    const target = join(dir, "nested", "model")
    const written = await runNode(
      writeModelFolder(target, {
        config,
        tensors: tensors(),
        metadata: { step: "120" },
        extraFiles: { "vocab.txt": "[PAD]\n[UNK]\n", "tokenizer_config.json": new TextEncoder().encode("{}") }
      })
    )
    expect(written.sharded).toBe(false)
    expect(written.files.map((f) => f.slice(target.length + 1))).toEqual([
      "model.safetensors",
      "config.json",
      "vocab.txt",
      "tokenizer_config.json"
    ])
    expect(readdirSync(target).sort()).toEqual([
      "config.json",
      "model.safetensors",
      "tokenizer_config.json",
      "vocab.txt"
    ])
    const folder = await runNode(readModelFolder(target))
    expect(folder.config).toEqual(config)
    expect(folder.metadata).toEqual({ format: "pt", step: "120" })
    expect(folder.weights).toEqual({ sharded: false, files: [join(target, "model.safetensors")] })
    expect(folder.tokenizer).toEqual({
      "vocab.txt": join(target, "vocab.txt"),
      "tokenizer_config.json": join(target, "tokenizer_config.json")
    })
    expectSameTensors(folder.tensors, tensors())
    expect(JSON.parse(readFileSync(join(target, "config.json"), "utf8"))).toEqual(config)
  })

  it("shards above maxShardBytes, with an index that maps every tensor", async () => {
    const written = await runNode(writeModelFolder(dir, { config, tensors: tensors(), maxShardBytes: 48 }))
    expect(written.sharded).toBe(true)
    expect(written.weightsBytes).toBe(48 + 40 + 16 + 8)
    const names = readdirSync(dir).sort()
    expect(names).toEqual([
      "config.json",
      "model-00001-of-00003.safetensors",
      "model-00002-of-00003.safetensors",
      "model-00003-of-00003.safetensors",
      "model.safetensors.index.json"
    ])
    const index = JSON.parse(readFileSync(join(dir, "model.safetensors.index.json"), "utf8"))
    expect(index).toEqual({
      metadata: { total_size: 112 },
      weight_map: {
        "bert.embeddings.position_ids": "model-00002-of-00003.safetensors",
        "bert.embeddings.word_embeddings.weight": "model-00001-of-00003.safetensors",
        "classifier.bias": "model-00003-of-00003.safetensors",
        "classifier.weight": "model-00003-of-00003.safetensors"
      }
    })
    const folder = await runNode(readModelFolder(dir))
    expect(folder.weights.sharded).toBe(true)
    expect(folder.weights.files[0]).toBe(join(dir, "model.safetensors.index.json"))
    expect(folder.metadata).toEqual({ format: "pt" })
    expectSameTensors(folder.tensors, tensors())
  })

  it("maps a tensor named __proto__ in the shard index", async () => {
    const odd = new Map([
      ["__proto__", { dtype: "F32" as const, shape: [4], data: new Float32Array(4) }],
      ["w", { dtype: "F32" as const, shape: [4], data: new Float32Array([1, 2, 3, 4]) }]
    ])
    await runNode(writeModelFolder(dir, { config, tensors: odd, maxShardBytes: 16 }))
    const folder = await runNode(readModelFolder(dir))
    expect(new Set(folder.tensors.keys())).toEqual(new Set(["__proto__", "w"]))
    const index = JSON.parse(readFileSync(join(dir, "model.safetensors.index.json"), "utf8"))
    expect(Object.keys(index.weight_map)).toEqual(["__proto__", "w"])
  })

  it("removes the weights of the other layout left by an earlier save", async () => {
    await runNode(writeModelFolder(dir, { config, tensors: tensors(), maxShardBytes: 48 }))
    await runNode(writeModelFolder(dir, { config, tensors: tensors() }))
    expect(readdirSync(dir).sort()).toEqual(["config.json", "model.safetensors"])
    await runNode(writeModelFolder(dir, { config, tensors: tensors(), maxShardBytes: 100 }))
    expect(readdirSync(dir).sort()).toEqual([
      "config.json",
      "model-00001-of-00002.safetensors",
      "model-00002-of-00002.safetensors",
      "model.safetensors.index.json"
    ])
    expectSameTensors((await runNode(readModelFolder(dir))).tensors, tensors())
  })

  it("rejects a config without model_type and unsafe extra file names before writing anything", async () => {
    const noType = await failureOf(
      writeModelFolder(dir, { config: { hidden_size: 4 } as never, tensors: tensors() })
    )
    expect(noType._tag).toBe("InvalidModelConfig")
    const outside = (await failureOf(
      writeModelFolder(dir, { config, tensors: tensors(), extraFiles: { "../evil.txt": "x" } })
    )) as InvalidFileName
    expect(outside._tag).toBe("InvalidFileName")
    const reserved = (await failureOf(
      writeModelFolder(dir, { config, tensors: tensors(), extraFiles: { "config.json": "{}" } })
    )) as InvalidFileName
    expect(reserved.message).toMatch(/managed by writeModelFolder/)
    expect(readdirSync(dir)).toEqual([])
  })
})

describe("writeModelFolder is atomic", () => {
  const v1 = tensors()
  const v2 = new Map([
    ["classifier.bias", { dtype: "F32", shape: [2], data: new Float32Array([9, 9]) } as const]
  ])

  /** The Node file system, except that writes whose path matches `pattern` write half the bytes, then fail. */
  const failingWrites = <A, E>(
    pattern: RegExp,
    effect: Effect.Effect<A, E, FileSystem.FileSystem>
  ): Effect.Effect<A, E, FileSystem.FileSystem> =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const broken: FileSystem.FileSystem = {
        ...fs,
        writeFile: (path, data, options) =>
          pattern.test(path)
            ? Effect.andThen(
                fs.writeFile(path, data.subarray(0, data.byteLength >> 1), options),
                Effect.fail(
                  PlatformError.systemError({
                    _tag: "Unknown",
                    module: "FileSystem",
                    method: "writeFile",
                    description: "disk full"
                  })
                )
              )
            : fs.writeFile(path, data, options)
      }
      return yield* Effect.provideService(effect, FileSystem.FileSystem, broken)
    })

  it("keeps the previous model.safetensors when writing the weights fails midway", async () => {
    await runNode(writeModelFolder(dir, { config, tensors: v1 }))
    const before = readFileSync(join(dir, "model.safetensors"))
    const error = (await failureOf(
      failingWrites(
        /model\.safetensors/,
        writeModelFolder(dir, { config: { ...config, hidden_size: 8 }, tensors: v2 })
      )
    )) as CheckpointIoError
    expect(error._tag).toBe("CheckpointIoError")
    expect(error.operation).toBe("write")
    expect(error.message).toMatch(/disk full/)
    expect(readFileSync(join(dir, "model.safetensors")).equals(before)).toBe(true)
    expect(JSON.parse(readFileSync(join(dir, "config.json"), "utf8"))).toEqual(config)
    expect(tempFiles(dir)).toEqual([])
    expectSameTensors((await runNode(readModelFolder(dir))).tensors, v1)
  })

  it("removes the weights' temporary file when a later file fails, leaving every old file in place", async () => {
    await runNode(writeModelFolder(dir, { config, tensors: v1 }))
    const before = readFileSync(join(dir, "model.safetensors"))
    const error = await failureOf(
      failingWrites(
        /config\.json/,
        writeModelFolder(dir, { config: { ...config, hidden_size: 8 }, tensors: v2 })
      )
    )
    expect(error._tag).toBe("CheckpointIoError")
    expect(readFileSync(join(dir, "model.safetensors")).equals(before)).toBe(true)
    expect(JSON.parse(readFileSync(join(dir, "config.json"), "utf8"))).toEqual(config)
    expect(tempFiles(dir)).toEqual([])
  })

  it("keeps the previous files when the serializer throws on an invalid tensor", async () => {
    await runNode(writeModelFolder(dir, { config, tensors: v1 }))
    const before = readFileSync(join(dir, "model.safetensors"))
    const bad = new Map([["w", { dtype: "F32", shape: [3], data: new Float32Array(2) } as const]])
    const error = (await failureOf(writeModelFolder(dir, { config, tensors: bad }))) as InvalidTensorInput
    expect(error._tag).toBe("InvalidTensorInput")
    expect(error.message).toBe('Invalid tensor "w": F32 [3] needs 12 bytes, the data has 8')
    expect(readFileSync(join(dir, "model.safetensors")).equals(before)).toBe(true)
    expect(tempFiles(dir)).toEqual([])
  })
})

describe("readModelFolder rejects folders it cannot trust", () => {
  const writeSafetensors = (name: string, content: Record<string, Safetensors.TensorInput>) =>
    writeFileSync(join(dir, name), Safetensors.serialize(content, { format: "pt" }))
  const writeConfig = (text = JSON.stringify(config)) => writeFileSync(join(dir, "config.json"), text)
  const writeIndex = (weightMap: Record<string, string>) =>
    writeFileSync(
      join(dir, "model.safetensors.index.json"),
      JSON.stringify({ metadata: {}, weight_map: weightMap })
    )
  const t = (v: number): Safetensors.TensorInput => ({
    dtype: "F32",
    shape: [1],
    data: new Float32Array([v])
  })

  it("reads a sharded folder written by hand", async () => {
    writeConfig()
    writeSafetensors("part-a.safetensors", { a: t(1), b: t(2) })
    writeSafetensors("part-b.safetensors", { c: t(3) })
    writeIndex({ a: "part-a.safetensors", b: "part-a.safetensors", c: "part-b.safetensors" })
    const folder = await runNode(readModelFolder(dir))
    expect([...folder.tensors.keys()]).toEqual(["a", "b", "c"])
    expect(Safetensors.toFloat32(folder.tensors.get("c")!)[0]).toBe(3)
  })

  it("a shard that the index names but the folder lacks", async () => {
    writeConfig()
    writeSafetensors("part-a.safetensors", { a: t(1) })
    writeIndex({ a: "part-a.safetensors", b: "part-b.safetensors" })
    const error = (await failureOf(readModelFolder(dir))) as InvalidShardIndex
    expect(error._tag).toBe("InvalidShardIndex")
    expect(error.shard).toBe("part-b.safetensors")
    expect(error.message).toMatch(/part-b\.safetensors \(1 tensors, e\.g\. "b"\) is not in the folder/)
  })

  it("a tensor that the index maps to a shard without it", async () => {
    writeConfig()
    writeSafetensors("part-a.safetensors", { a: t(1) })
    writeIndex({ a: "part-a.safetensors", ghost: "part-a.safetensors" })
    const error = (await failureOf(readModelFolder(dir))) as InvalidShardIndex
    expect(error.tensor).toBe("ghost")
    expect(error.message).toMatch(
      /"ghost" is mapped to part-a\.safetensors but that shard has no such tensor/
    )
  })

  it("a tensor in two shards, a shard path outside the folder, and an index that is not JSON", async () => {
    writeConfig()
    writeSafetensors("part-a.safetensors", { a: t(1) })
    writeSafetensors("part-b.safetensors", { a: t(2), b: t(3) })
    writeIndex({ a: "part-a.safetensors", b: "part-b.safetensors" })
    expect(((await failureOf(readModelFolder(dir))) as InvalidShardIndex).message).toMatch(
      /"a" is in two shards/
    )
    writeIndex({ a: "../part-a.safetensors" })
    expect(((await failureOf(readModelFolder(dir))) as InvalidShardIndex).message).toMatch(
      /not a \.safetensors file in this folder/
    )
    writeFileSync(join(dir, "model.safetensors.index.json"), '{"weight_map": {,}}')
    const error = (await failureOf(readModelFolder(dir))) as InvalidShardIndex
    expect(error._tag).toBe("InvalidShardIndex")
    expect(error.message).toMatch(/not valid JSON/)
  })

  it("a folder with only pickle weights, saying why and how to convert", async () => {
    writeConfig()
    writeFileSync(join(dir, "pytorch_model.bin"), new Uint8Array([0x80, 0x02]))
    writeFileSync(join(dir, "vocab.txt"), "[PAD]\n")
    const error = (await failureOf(readModelFolder(dir))) as PickleCheckpointOnly
    expect(error._tag).toBe("PickleCheckpointOnly")
    expect(error.files).toEqual(["pytorch_model.bin"])
    expect(error.message).toMatch(/not loaded because unpickling can run arbitrary code/)
    expect(error.message).toMatch(/from safetensors\.torch import save_file/)
    expect(error.message).toMatch(
      /torch\.load\('pytorch_model\.bin', map_location='cpu', weights_only=True\)/
    )
    expect(error.message).toMatch(/save_pretrained\('\.', safe_serialization=True\)/)
  })

  it("a folder without weights (trainer state is not a checkpoint)", async () => {
    writeConfig()
    writeFileSync(join(dir, "training_args.bin"), new Uint8Array(1))
    const error = (await failureOf(readModelFolder(dir))) as WeightsNotFound
    expect(error._tag).toBe("WeightsNotFound")
    expect(error.message).toMatch(/it holds config\.json, training_args\.bin/)
  })

  it("a missing, malformed or untyped config.json", async () => {
    writeSafetensors("model.safetensors", { a: t(1) })
    const missing = (await failureOf(readModelFolder(dir))) as InvalidModelConfig
    expect(missing.message).toMatch(/config\.json: the file is missing/)
    writeConfig('{\n  "model_type": "bert",\n  "hidden_size": 4,\n}')
    const json = (await failureOf(readModelFolder(dir))) as InvalidModelConfig
    expect(json._tag).toBe("InvalidModelConfig")
    expect(json.detail).toMatch(/not valid JSON/)
    // V8 (Node, Deno) locates the error; JavaScriptCore (Bun) does not.
    const isBun = "Bun" in globalThis
    expect(json.location).toEqual(isBun ? undefined : { line: 4, column: 1 })
    writeConfig("[1]")
    expect(((await failureOf(readModelFolder(dir))) as InvalidModelConfig).detail).toBe("not a JSON object")
    writeConfig('{"hidden_size": 4}')
    expect(((await failureOf(readModelFolder(dir))) as InvalidModelConfig).detail).toMatch(
      /model_type is missing/
    )
  })

  it("a corrupt model.safetensors, naming the file", async () => {
    writeConfig()
    writeFileSync(join(dir, "model.safetensors"), new Uint8Array([255, 255, 255, 255, 255, 255, 255, 255, 0]))
    const error = (await failureOf(readModelFolder(dir))) as SafetensorsError
    expect(error._tag).toBe("SafetensorsError")
    expect(error.reason).toBe("HeaderTooLarge")
    expect(error.file).toBe(join(dir, "model.safetensors"))
    expect(error.message).toContain(join(dir, "model.safetensors"))
  })

  it("a folder that does not exist", async () => {
    const error = (await failureOf(readModelFolder(join(dir, "absent")))) as CheckpointIoError
    expect(error._tag).toBe("CheckpointIoError")
    expect(error.operation).toBe("list")
  })
})

describe("readModelFiles (bytes already in memory, e.g. in a browser)", () => {
  it("reads the same folder from a record of bytes", async () => {
    mkdirSync(join(dir, "m"))
    await runNode(writeModelFolder(join(dir, "m"), { config, tensors: tensors(), maxShardBytes: 48 }))
    const files = Object.fromEntries(
      readdirSync(join(dir, "m")).map((n) => [n, new Uint8Array(readFileSync(join(dir, "m", n)))])
    )
    const folder = await Effect.runPromise(readModelFiles(files))
    expect(folder.config).toEqual(config)
    expect(folder.weights.files).toContain("model-00001-of-00003.safetensors")
    expectSameTensors(folder.tensors, tensors())
    const error = await failureOfPure(
      readModelFiles({ "config.json": new TextEncoder().encode(JSON.stringify(config)) })
    )
    expect(error._tag).toBe("WeightsNotFound")
  })

  it("does not touch the disk", () => {
    expect(existsSync(join(dir, "config.json"))).toBe(false)
  })
})
