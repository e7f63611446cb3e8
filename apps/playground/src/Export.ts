/**
 * The fine-tuned model as the files of a Hugging Face model folder, in memory: `config.json` (with the
 * classification head's `architectures` and labels), `model.safetensors` (float32, PyTorch layout) and the
 * tokenizer's files, which `AutoModelForSequenceClassification.from_pretrained` loads and which this page
 * loads back when the folder is dropped on it.
 *
 * @since 0.1.0
 */
import { Safetensors } from "@addrop/checkpoint"
import { type Model, Pretrained } from "@addrop/models"
import { Effect } from "effect"

/**
 * The folder's files by name, as bytes. `extraFiles` (the tokenizer's `tokenizer.json` or `vocab.txt`) are
 * added as they are.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as Export from "./Export.js"
 * const files = yield* Export.modelFiles(model, { "tokenizer.json": tokenizerText })
 * ```
 * @since 0.1.0
 * @category exporting
 */
export const modelFiles = (
  model: Model.Model,
  extraFiles: Readonly<Record<string, Uint8Array | string>> = {}
) =>
  Effect.gen(function* () {
    const tensors = yield* Pretrained.toHfTensors(model)
    // transformers refuses safetensors files without a known `format`; these names and layouts are PyTorch's.
    const weights = yield* Safetensors.encode(tensors, { format: "pt" })
    const encoder = new TextEncoder()
    const files = new Map<string, Uint8Array>([
      ["config.json", encoder.encode(`${JSON.stringify(Pretrained.toHfConfig(model), null, 2)}\n`)],
      ["model.safetensors", weights]
    ])
    for (const [name, content] of Object.entries(extraFiles)) {
      files.set(name, typeof content === "string" ? encoder.encode(content) : content)
    }
    return files
  })
