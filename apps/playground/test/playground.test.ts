/**
 * The playground in real Chromium (Debian's, driven by playwright-core; never a downloaded browser): built
 * with Vite from the packages' sources, served from http://localhost, it loads the tiny preset from a fixed
 * seed and the bundled SST-2 sample, shows the attribution of a fixed sentence — compared here with the same
 * modules on Node's cpu backend — trains N AD-Drop steps, whose loss must fall, draws the heatmap (screenshot
 * kept), and offers the model as Hugging Face files, which Node loads back to the page's prediction.
 *
 * One test per backend, `[wasm]` and `[webgpu]` (SwiftShader's software Vulkan behind Chromium's WebGPU),
 * counted by scripts/matrix.mjs as the chromium row.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { extname, join, normalize } from "node:path"
import { readModelFiles } from "@addrop/checkpoint"
import { TensorBackend } from "@addrop/backends"
import { chromium as chromiumRequirement, describeRequiring } from "@addrop/conformance"
import { bertBaseUncasedDir, glueSample } from "@addrop/fixtures"
import { Pretrained } from "@addrop/models"
import { Effect } from "effect"
import { type Browser, chromium } from "playwright-core"
import { build } from "vite"
import { afterAll, beforeAll, expect, it } from "vitest"
import * as Export from "../src/Export.js"
import * as Inspect from "../src/Inspect.js"
import * as Session from "../src/Session.js"
import * as Settings from "../src/Settings.js"
import * as Sources from "../src/Sources.js"

const CHROMIUM = chromiumRequirement()
const app = join(import.meta.dirname, "..")

/**
 * Chromium's flags: `--enable-unsafe-webgpu` exposes WebGPU on Linux, where Chromium gives it SwiftShader
 * (its software Vulkan) when there is no GPU; nothing else is needed headless.
 */
export const chromiumFlags = [
  "--headless",
  "--no-sandbox",
  "--enable-unsafe-webgpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update"
]

/** A small run: the training examples fit one batch, so every step trains on the same 8 sentences. */
const form = {
  preset: "tiny",
  epochs: "4",
  batchSize: "8",
  trainExamples: "8",
  devExamples: "8",
  maxLength: "24",
  learningRate: "0.003",
  layers: "0,1",
  p: "0.3",
  q: "0.3",
  method: "ga",
  scheduleSpec: "always",
  seed: "7"
} as const
const SENTENCE = "it 's a charming and often affecting journey ."

/**
 * Attribution tolerance, relative to each layer's largest |value| (GA maps are gradients whose scale depends on
 * the random weights): float32 carries 24 bits (ε ≈ 1.2e-7); a GA value is a forward pass through two layers
 * (dot products of 128 and 512 terms, softmax, GELU, layer norm) and a backward pass through the same, so
 * summation-order differences alone give relative errors of ~√n·ε·depth ≈ 1e-5, and WebGPU's exp/tanh are
 * specified only to a few ULP (WGSL) on top. 1e-3 of the scale is ~100× that, and far below a real error
 * (a wrong layer, head or key order changes values by the scale itself).
 */
const RELATIVE_TOLERANCE = 1e-3

/**
 * Loss tolerance over the run: the first loss differs from Node's by float32 rounding (~1e-7 relative); each
 * AdamW step moves every weight by about the learning rate times m/√v, which float rounding perturbs in
 * relative terms (more where a gradient is near zero), so the losses drift apart slowly with the steps. 1e-3
 * absolute is far above that and far below what a skipped or wrong update does (a skipped update at step 0
 * moved the second loss by 0.03).
 */
const LOSS_TOLERANCE = 1e-3

const artifacts = process.env.ADDROP_ARTIFACTS ?? join(tmpdir(), "addrop-playground")

const serve = (root: string) =>
  new Promise<Server>((resolve) => {
    const types: Record<string, string> = {
      ".html": "text/html",
      ".js": "text/javascript",
      ".css": "text/css",
      ".wasm": "application/wasm",
      ".json": "application/json",
      ".tsv": "text/tab-separated-values"
    }
    const server = createServer((request, response) => {
      const path = normalize(decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname))
      const file = join(root, path.endsWith("/") ? `${path}index.html` : path)
      try {
        const body = readFileSync(file)
        response.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" })
        response.end(body)
      } catch {
        response.writeHead(404)
        response.end()
      }
    })
    server.listen(0, "127.0.0.1", () => resolve(server))
  })

/**
 * The model the page is given, as a Hugging Face folder dropped on it: the tiny preset (2 layers, hidden 128,
 * 2 heads) drawn from the seed, with a vocabulary of only the word pieces of the texts this run reads.
 * bert-base-uncased's 30,522 rows would make the embedding's gradient and AdamW's update (nine tenths of the
 * parameters) dominate every step; on SwiftShader, which runs WebGPU on the CPU, that is 10 s a step. The
 * smaller vocabulary keeps BERT's WordPiece pieces, so every text tokenizes to the same tokens.
 */
const modelFolder = (dir: string) =>
  Effect.gen(function* () {
    const settings = yield* Settings.decode(form)
    const tokenizerJson = new Uint8Array(readFileSync(join(bertBaseUncasedDir(), "tokenizer.json")))
    const full = yield* Sources.tokenizerFromFiles(new Map([["tokenizer.json", tokenizerJson]]), {
      model_type: "bert"
    })
    const table = (file: "train.tsv" | "dev.tsv") =>
      Sources.labelledText(file, new Uint8Array(readFileSync(glueSample("sst2", file))))
    const train = yield* table("train.tsv")
    const dev = yield* table("dev.tsv")
    const texts = [
      ...train.examples.slice(0, settings.trainExamples).map((e) => e.text),
      ...dev.examples.slice(0, settings.devExamples).map((e) => e.text),
      SENTENCE
    ]
    const pieces = [...new Set(texts.flatMap((t) => full.tokenize(t)))].sort()
    const vocab = `${["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ...pieces].join("\n")}\n`
    const model = yield* Sources.presetModel(settings.preset, pieces.length + 5, settings.seed)
    const files = yield* Export.modelFiles(model, { "vocab.txt": vocab }).pipe(
      Effect.ensuring(Effect.sync(() => model.dispose()))
    )
    mkdirSync(dir, { recursive: true })
    for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes)
    return { files, texts, full, train, dev }
  })

/**
 * The Node cpu reference: the same modules, folder, seed, settings and data: the fixed sentence's inspection
 * on the initial model, then the losses of the same training run.
 */
const nodeReference = (dir: string) =>
  Effect.gen(function* () {
    const settings = yield* Settings.decode(form)
    const { files, texts, full, train, dev } = yield* modelFolder(dir)
    const { model, tokenizer } = yield* Sources.folderModel(files, settings.seed)
    yield* Effect.addFinalizer(() => Effect.sync(() => model.dispose()))
    for (const text of texts) expect(tokenizer.tokenize(text)).toEqual(full.tokenize(text))
    const seen = yield* Inspect.inspect(model, tokenizer, SENTENCE, settings)
    const losses: Array<number> = []
    yield* Session.train({ model, tokenizer, train, dev }, settings, (event) =>
      Effect.sync(() => {
        if (event._tag === "Step") losses.push(event.loss)
      })
    )
    return { seen, tokenizer, losses }
  }).pipe(Effect.provide(TensorBackend.layerCpu), Effect.scoped, Effect.runPromise)

/** The page's state (`window.playground`), typed arrays turned into plain ones. */
interface PageInspection {
  readonly tokens: Array<string>
  readonly attribution: Record<string, Array<number>>
  readonly dropped: Record<string, Array<number>>
  readonly probabilities: Array<number>
}
const readInspection = (page: import("playwright-core").Page) =>
  page.evaluate(() => {
    const s = (globalThis as unknown as { playground: { inspection: Inspect.Inspection } }).playground
      .inspection
    const plain = (m: ReadonlyMap<number, Float32Array>) =>
      Object.fromEntries([...m].map(([k, v]) => [String(k), Array.from(v)]))
    return {
      tokens: [...s.tokens],
      attribution: plain(s.attribution),
      dropped: plain(s.dropped),
      probabilities: [...s.probabilities]
    } satisfies PageInspection
  })

/** The page's backend and run events. */
const pageState = (page: import("playwright-core").Page) =>
  page.evaluate(() => {
    const { backend, events } = (
      globalThis as unknown as { playground: { backend: string; events: Array<Session.Event> } }
    ).playground
    return { backend, events }
  })

/** max |a − b| / max |b| over a layer. */
const relativeDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let diff = 0
  let scale = 0
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!))
    scale = Math.max(scale, Math.abs(b[i]!))
  }
  return diff / scale
}

describeRequiring(CHROMIUM, "the playground in headless Chromium", () => {
  let server: Server
  let browser: Browser
  let url: string
  let reference: Awaited<ReturnType<typeof nodeReference>>
  const work = mkdtempSync(join(tmpdir(), "addrop-playground-"))
  const site = join(work, "site")
  const folder = join(work, "bert-tiny-sst2")

  // The build, the browser's start and the Node cpu reference run (about 15 s on an idle 2-core machine).
  beforeAll(async () => {
    process.env.ADDROP_SOURCE = "1"
    await build({
      root: app,
      configFile: join(app, "vite.config.ts"),
      logLevel: "error",
      build: { outDir: site, emptyOutDir: true }
    })
    server = await serve(site)
    url = `http://localhost:${(server.address() as AddressInfo).port}/`
    browser = await chromium.launch({ executablePath: CHROMIUM.path, args: chromiumFlags })
    reference = await nodeReference(folder)
    mkdirSync(artifacts, { recursive: true })
  })
  afterAll(async () => {
    await browser?.close()
    server?.close()
    rmSync(work, { recursive: true, force: true })
  })

  it("picks WebGPU first when the backend is auto, and reports the adapter [webgpu]", async () => {
    const page = await browser.newPage()
    await page.goto(`${url}?${new URLSearchParams({ ...form, backend: "auto" })}`)
    await page.setInputFiles("#model-files", folder)
    await page.click("#load")
    const status = page.locator("#status")
    await expect.poll(() => status.getAttribute("data-state"), { timeout: 60_000 }).toMatch(/ready|error/)
    // The adapter is named: "google swiftshader" without a GPU (Chromium's software Vulkan).
    expect(await status.textContent()).toMatch(/^ready on webgpu \(\w.*\)/)
    expect((await pageState(page)).backend).toBe("webgpu")
    await page.close()
  })

  for (const backend of ["wasm", "webgpu"] as const) {
    it(`trains AD-Drop steps from a fixed seed, the loss falls, attributions equal Node's cpu, the model downloads [${backend}]`, async () => {
      const page = await browser.newPage({ viewport: { width: 1200, height: 1400 }, acceptDownloads: true })
      const errors: Array<string> = []
      page.on("pageerror", (e) => errors.push(e.message))
      await page.goto(`${url}?${new URLSearchParams({ ...form, backend })}`)
      const status = page.locator("#status")

      const started = Date.now()
      const lap = (what: string) =>
        console.log(`[${backend}] ${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`)
      await page.setInputFiles("#model-files", folder)
      await expect.poll(() => status.textContent()).toContain("model folder")
      await page.click("#load")
      await expect.poll(() => status.getAttribute("data-state"), { timeout: 60_000 }).toMatch(/ready|error/)
      expect(await status.textContent()).toContain(`ready on ${backend}`)
      expect((await pageState(page)).backend).toBe(backend)

      lap("loaded")
      // The fixed sentence's attribution on the freshly initialised model, beside Node's cpu result.
      await page.click("#inspect")
      await expect
        .poll(() => page.evaluate(() => document.body.dataset.inspections), { timeout: 60_000 })
        .toBe("1")
      const before = await readInspection(page)
      expect(before.tokens).toEqual(reference.seen.tokens)
      for (const [layer, expected] of reference.seen.attribution) {
        const got = before.attribution[String(layer)]!
        expect(got).toHaveLength(expected.length)
        const difference = relativeDifference(got, expected)
        console.log(
          `[${backend}] layer ${layer}: max |attribution − Node cpu| / max |Node cpu| = ${difference.toExponential(2)}`
        )
        expect(difference).toBeLessThan(RELATIVE_TOLERANCE)
      }
      // The cells AD-Drop would drop follow from the attribution and the seed: the same as on Node.
      for (const [layer, expected] of reference.seen.dropped) {
        expect(before.dropped[String(layer)]).toEqual(Array.from(expected))
      }

      lap("attributed")
      // N AD-Drop steps on one batch: the trained loss falls.
      await page.click("#train")
      await expect
        .poll(() => status.getAttribute("data-state"), { timeout: 240_000 })
        .toMatch(/done|error|stopped/)
      expect(await status.textContent()).toContain("done")
      const { events } = await pageState(page)
      const steps = events.flatMap((e) => (e._tag === "Step" ? [e] : []))
      const losses = steps.map((e) => e.loss)
      console.log(`[${backend}] losses: ${losses.map((l) => l.toFixed(4)).join(" ")}`)
      expect(losses).toHaveLength(Number(form.epochs))
      expect(steps.every((e) => e.phase === "addrop")).toBe(true)
      expect(losses.every(Number.isFinite)).toBe(true)
      // The same run on Node's cpu goes 0.687 → 0.648 in four steps (and to 0.09 in eight, too slow for
      // SwiftShader), and this one follows it: the backends differ only by float rounding, which AdamW's
      // normalised updates carry from step to step (see LOSS_TOLERANCE).
      expect(losses.at(-1)!).toBeLessThan(losses[0]! - 0.02)
      const lossDifference = Math.max(...losses.map((l, i) => Math.abs(l - reference.losses[i]!)))
      console.log(`[${backend}] max |loss − Node cpu loss| = ${lossDifference.toExponential(2)}`)
      expect(lossDifference).toBeLessThan(LOSS_TOLERANCE)
      expect(
        events
          .filter((e) => e._tag === "Dev")
          .map((e) => e.accuracy)
          .every((a) => a >= 0 && a <= 1)
      ).toBe(true)

      lap("trained")
      // The heatmap after training, with AD-Drop's cells crossed out; kept as a screenshot.
      await expect
        .poll(() => page.evaluate(() => document.body.dataset.inspections), { timeout: 60_000 })
        .toBe("2")
      expect(await page.locator("#prediction").textContent()).toMatch(/[1-9]\d* cells AD-Drop would drop/)
      await page.screenshot({ path: join(artifacts, `playground-${backend}.png`), fullPage: true })

      // The download: config.json, model.safetensors and tokenizer.json, which Node loads back to the same prediction.
      await page.click("#download")
      await expect.poll(() => page.locator("#downloads a").count(), { timeout: 60_000 }).toBe(3)
      // Each link downloaded as a person would (Chromium writes the file; Playwright hands over its path).
      const files = new Map<string, Uint8Array>()
      for (const link of await page.locator("#downloads a").all()) {
        const [download] = await Promise.all([page.waitForEvent("download"), link.click()])
        files.set(download.suggestedFilename(), new Uint8Array(readFileSync(await download.path())))
      }
      expect([...files.keys()].sort()).toEqual(["config.json", "model.safetensors", "vocab.txt"])
      const after = await readInspection(page)
      const settings = await Effect.runPromise(Settings.decode(form))
      const reloaded = await Effect.runPromise(
        Effect.scoped(
          Effect.provide(
            Effect.gen(function* () {
              const folder = yield* readModelFiles(files)
              const { model } = yield* Pretrained.fromPretrained(folder)
              return yield* Inspect.inspect(model, reference.tokenizer, SENTENCE, settings).pipe(
                Effect.ensuring(Effect.sync(() => model.dispose()))
              )
            }),
            TensorBackend.layerCpu
          )
        )
      )
      for (let i = 0; i < 2; i++) expect(reloaded.probabilities[i]).toBeCloseTo(after.probabilities[i]!, 4)
      lap("downloaded")
      expect(errors).toEqual([])
      await page.close()
    }, 300_000)
  }
})
