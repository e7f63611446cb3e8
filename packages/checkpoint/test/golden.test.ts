/**
 * Reads the tiny BERT/RoBERTa folders that packages/fixtures writes with an independent Python writer
 * (numpy + struct, no safetensors library), and checks that our writer reproduces them byte for byte.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { readModelFolder, Safetensors } from "../src/index.js"
import { runNode } from "./helpers.js"

const fixturesPackage = fileURLToPath(new URL("../../fixtures/", import.meta.url))
const hfRoot = join(fixturesPackage, "golden", "hf")
const present = existsSync(join(fixturesPackage, "package.json"))
const models =
  present && existsSync(hfRoot)
    ? readdirSync(hfRoot).filter((n) => existsSync(join(hfRoot, n, "model.safetensors")))
    : []

describe.skipIf(!present)(
  "golden HF folders from packages/fixtures (skipped only when that package is absent)",
  () => {
    it("has at least one model folder to read", () => {
      expect(models.length, `no golden/hf/*/model.safetensors under ${fixturesPackage}`).toBeGreaterThan(0)
    })

    for (const name of models) {
      it(`${name}: reads config and weights, shapes agree with the config, and serialize reproduces the file`, async () => {
        const dir = join(hfRoot, name)
        const folder = await runNode(readModelFolder(dir))
        const config = folder.config as {
          model_type: string
          vocab_size: number
          hidden_size: number
          num_hidden_layers: number
          intermediate_size: number
          max_position_embeddings: number
        }
        expect(["bert", "roberta"]).toContain(config.model_type)
        expect(folder.metadata.format).toBe("pt")
        const prefix = config.model_type
        const h = config.hidden_size
        const shapeOf = (tensor: string) => folder.tensors.get(tensor)?.shape
        expect(shapeOf(`${prefix}.embeddings.word_embeddings.weight`)).toEqual([config.vocab_size, h])
        expect(shapeOf(`${prefix}.embeddings.position_embeddings.weight`)).toEqual([
          config.max_position_embeddings,
          h
        ])
        for (let layer = 0; layer < config.num_hidden_layers; layer++) {
          const p = `${prefix}.encoder.layer.${layer}`
          expect(shapeOf(`${p}.attention.self.query.weight`)).toEqual([h, h])
          expect(shapeOf(`${p}.intermediate.dense.weight`)).toEqual([config.intermediate_size, h])
          expect(shapeOf(`${p}.output.dense.weight`)).toEqual([h, config.intermediate_size])
        }
        for (const [tensor, t] of folder.tensors) {
          expect(t.dtype, tensor).toBe("F32")
          const values = Safetensors.toFloat32(t)
          expect(values.every(Number.isFinite), tensor).toBe(true)
        }
        const layerNorm = Safetensors.toFloat32(folder.tensors.get(`${prefix}.embeddings.LayerNorm.weight`)!)
        expect(layerNorm.some((v) => v !== 0)).toBe(true)
        const original = new Uint8Array(readFileSync(join(dir, "model.safetensors")))
        const again = Safetensors.serialize(folder.tensors, folder.metadata)
        expect(again.byteLength).toBe(original.byteLength)
        expect(Buffer.from(again).equals(Buffer.from(original))).toBe(true)
      })
    }
  }
)
