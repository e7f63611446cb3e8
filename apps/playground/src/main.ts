/**
 * The page: reads the form, loads a model and data into a {@link Session.Session} on the chosen backend,
 * trains it with AD-Drop while drawing the loss and dev accuracy, shows a sentence's attribution heatmap, and
 * offers the fine-tuned model as Hugging Face files. The state it reaches is also kept on
 * `window.playground` (what a test reads back).
 *
 * @since 0.1.0
 */
import { TensorBackend } from "@addrop/backends"
import { Method } from "@addrop/attribution"
import { Cause, Effect, Exit, ManagedRuntime } from "effect"
import * as Backend from "./Backend.js"
import * as Chart from "./Chart.js"
import * as Export from "./Export.js"
import * as Heatmap from "./Heatmap.js"
import * as Inspect from "./Inspect.js"
import * as Session from "./Session.js"
import * as Settings from "./Settings.js"
import * as Sources from "./Sources.js"

type Runtime = ManagedRuntime.ManagedRuntime<TensorBackend.TensorBackend, unknown>

/** What the page has reached; a test reads it from `window.playground`. */
interface PageState {
  status: "idle" | "loading" | "ready" | "training" | "done" | "stopped" | "error"
  message: string
  backend: string | undefined
  adapter: TensorBackend.AdapterInfo | undefined
  events: Array<Session.Event>
  /** When each event arrived (ms since the page loaded). */
  eventTimes: Array<number>
  inspection: Inspect.Inspection | undefined
  inspections: number
  downloads: Array<{ readonly name: string; readonly bytes: number }>
}

const state: PageState = {
  status: "idle",
  message: "",
  backend: undefined,
  adapter: undefined,
  events: [],
  eventTimes: [],
  inspection: undefined,
  inspections: 0,
  downloads: []
}
;(globalThis as unknown as { playground: PageState }).playground = state

const $ = <T extends Element>(selector: string) => document.querySelector<T>(selector)!
const form = $<HTMLFormElement>("#settings")
const statusLine = $<HTMLParagraphElement>("#status")
const chart = $<SVGSVGElement>("#chart")
const buttons = {
  load: $<HTMLButtonElement>("#load"),
  train: $<HTMLButtonElement>("#train"),
  stop: $<HTMLButtonElement>("#stop"),
  download: $<HTMLButtonElement>("#download")
}

const setStatus = (status: PageState["status"], message: string) => {
  state.status = status
  state.message = message
  statusLine.dataset.state = status
  statusLine.textContent = message
}

// The form: options, then defaults overridden by the page's query string (`?epochs=1&backend=wasm`).
const fillSelect = (name: string, values: ReadonlyArray<string>) => {
  const select = form.elements.namedItem(name) as HTMLSelectElement
  for (const v of values) select.append(new Option(v, v))
}
fillSelect("preset", Settings.presetChoices)
fillSelect("method", Method.methods)
fillSelect("backend", Settings.backendChoices)
const query = new URLSearchParams(location.search)
for (const [field, value] of Object.entries(Settings.defaults)) {
  const input = form.elements.namedItem(field) as HTMLInputElement | HTMLSelectElement | null
  if (input !== null) input.value = query.get(field) ?? value
}
const formValues = (): Partial<Record<Settings.Field, string>> =>
  Object.fromEntries(
    Object.keys(Settings.defaults).map((field) => [
      field,
      (form.elements.namedItem(field) as HTMLInputElement | HTMLSelectElement).value
    ])
  )

// Files: a dropped or picked model folder, and optional training / dev tables.
let modelFiles: Map<string, Uint8Array> | undefined
const fileBytes = async (file: File) => new Uint8Array(await file.arrayBuffer())
const basename = (path: string) => path.slice(path.lastIndexOf("/") + 1)
const readFolder = async (files: Iterable<File>) => {
  const out = new Map<string, Uint8Array>()
  for (const file of files) out.set(basename(file.webkitRelativePath || file.name), await fileBytes(file))
  return out
}
$<HTMLInputElement>("#model-files").addEventListener("change", async (event) => {
  const files = (event.target as HTMLInputElement).files
  if (files !== null && files.length > 0) {
    modelFiles = await readFolder(Array.from(files))
    setStatus("idle", `model folder: ${[...modelFiles.keys()].join(", ")} — press Load model`)
  }
})
const dropZone = $<HTMLLabelElement>("#model-drop")
dropZone.addEventListener("dragover", (event) => {
  event.preventDefault()
  dropZone.classList.add("over")
})
dropZone.addEventListener("dragleave", () => dropZone.classList.remove("over"))
dropZone.addEventListener("drop", async (event) => {
  event.preventDefault()
  dropZone.classList.remove("over")
  const files: Array<File> = []
  // A dropped folder arrives as a directory entry; its files are one level down.
  for (const item of Array.from(event.dataTransfer?.items ?? [])) {
    const entry = item.webkitGetAsEntry()
    if (entry?.isDirectory) {
      const entries = await new Promise<Array<FileSystemEntry>>((resolve, reject) =>
        (entry as FileSystemDirectoryEntry).createReader().readEntries(resolve, reject)
      )
      for (const child of entries.filter((e) => e.isFile)) {
        files.push(
          await new Promise<File>((resolve, reject) => (child as FileSystemFileEntry).file(resolve, reject))
        )
      }
    } else {
      const file = item.getAsFile()
      if (file !== null) files.push(file)
    }
  }
  modelFiles = await readFolder(files)
  setStatus("idle", `model folder: ${[...modelFiles.keys()].join(", ")} — press Load model`)
})
const tableFile = async (selector: string, fallback: string) => {
  const file = $<HTMLInputElement>(selector).files?.[0]
  if (file !== undefined) return { name: file.name, bytes: await fileBytes(file) }
  return { name: fallback, bytes: await asset(`data/sst2/${fallback}`) }
}
const asset = async (path: string) => {
  const response = await fetch(new URL(path, document.baseURI))
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`)
  return new Uint8Array(await response.arrayBuffer())
}

// The loaded session, the runtime that holds its backend, and the tokenizer files exported beside the model.
let runtime: Runtime | undefined
let session: Session.Session | undefined
let tokenizerFiles: Record<string, Uint8Array> = {}
let running: AbortController | undefined

const run = async <A, E>(
  effect: Effect.Effect<A, E, TensorBackend.TensorBackend>
): Promise<A | undefined> => {
  if (runtime === undefined) {
    setStatus("error", "press Load model first")
    return undefined
  }
  running = new AbortController()
  const exit = await runtime.runPromiseExit(effect, { signal: running.signal })
  running = undefined
  if (Exit.isSuccess(exit)) return exit.value
  if (Cause.hasInterruptsOnly(exit.cause)) setStatus("stopped", "stopped")
  else setStatus("error", Cause.pretty(exit.cause))
  return undefined
}

const settingsNow = () =>
  Effect.runPromiseExit(Settings.decode(formValues(), session?.model.numLayers)).then((exit) => {
    if (Exit.isSuccess(exit)) return exit.value
    setStatus("error", Cause.pretty(exit.cause))
    return undefined
  })

const busy = (yes: boolean) => {
  buttons.load.disabled = yes
  buttons.train.disabled = yes
  buttons.download.disabled = yes
  buttons.stop.disabled = !yes
}

const load = async () => {
  const settings = await settingsNow()
  if (settings === undefined) return
  busy(true)
  setStatus("loading", `starting the ${settings.backend} backend…`)
  if (runtime !== undefined) {
    const old = runtime
    if (session !== undefined) await old.runPromise(Effect.sync(() => session!.model.dispose()))
    session = undefined
    await old.dispose()
  }
  runtime = ManagedRuntime.make(Backend.layer(settings.backend))
  const loaded = await run(
    Effect.gen(function* () {
      const backend = yield* TensorBackend.TensorBackend
      const [train, dev] = yield* Effect.promise(() =>
        Promise.all([tableFile("#train-file", "train.tsv"), tableFile("#dev-file", "dev.tsv")])
      )
      const trainSet = yield* Sources.labelledText(train.name, train.bytes)
      const devSet = yield* Sources.labelledText(dev.name, dev.bytes)
      if (modelFiles !== undefined) {
        const { model, tokenizer } = yield* Sources.folderModel(modelFiles, settings.seed)
        const extra = Object.fromEntries(
          [...modelFiles].filter(([name]) =>
            /^(tokenizer\.json|tokenizer_config\.json|vocab\.txt|special_tokens_map\.json|merges\.txt|vocab\.json)$/.test(
              name
            )
          )
        )
        return { backend, session: { model, tokenizer, train: trainSet, dev: devSet }, extra }
      }
      const tokenizerJson = yield* Effect.promise(() => asset("data/bert-base-uncased/tokenizer.json"))
      const files = new Map([["tokenizer.json", tokenizerJson]])
      const tokenizer = yield* Sources.tokenizerFromFiles(files, { model_type: "bert" })
      const model = yield* Sources.presetModel(settings.preset, tokenizer.vocabSize, settings.seed)
      return {
        backend,
        session: { model, tokenizer, train: trainSet, dev: devSet },
        extra: Object.fromEntries(files)
      }
    })
  )
  busy(false)
  if (loaded === undefined) return
  session = loaded.session
  tokenizerFiles = loaded.extra
  state.backend = loaded.backend.name
  state.adapter = loaded.backend.adapter
  state.events = []
  state.eventTimes = []
  Chart.draw(chart, [])
  const adapter = loaded.backend.adapter
  const where =
    adapter === undefined
      ? ""
      : ` (${[adapter.vendor, adapter.architecture, adapter.device].filter((s) => s !== "").join(" ")})`
  const skipped = loaded.backend.skipped.map((s) => `${s.backend}: ${s.reason}`).join("; ")
  setStatus(
    "ready",
    `ready on ${loaded.backend.name}${where}${skipped === "" ? "" : ` — skipped ${skipped}`}: ${session.model.numLayers} layers, ${session.model.numHeads} heads, ${session.train.examples.length} training and ${session.dev.examples.length} dev examples`
  )
}

const redraw = () => {
  const steps = state.events.filter((e) => e._tag === "Step")
  const devs = state.events.filter((e) => e._tag === "Dev")
  Chart.draw(chart, [
    { name: "loss", color: "#d9480f", points: steps.map((e) => [e.step + 1, e.loss] as const) },
    {
      name: "dev accuracy",
      color: "#1c7ed6",
      points: devs.map((e) => [e.step, e.accuracy] as const),
      range: [0, 1]
    }
  ])
}

const train = async () => {
  if (session === undefined) await load()
  const settings = await settingsNow()
  if (settings === undefined || session === undefined) return
  busy(true)
  setStatus("training", "training…")
  const current = session
  const result = await run(
    Session.train(current, settings, (event) =>
      Effect.promise(async () => {
        state.events.push(event)
        state.eventTimes.push(performance.now())
        redraw()
        statusLine.textContent =
          event._tag === "Step"
            ? `epoch ${event.epoch + 1}, step ${event.step + 1} (${event.phase}): loss ${event.loss.toFixed(4)}`
            : `epoch ${event.epoch + 1}: dev accuracy ${event.accuracy.toFixed(3)}`
        // Let the browser paint before the next step.
        await new Promise((resolve) => setTimeout(resolve, 0))
      })
    )
  )
  busy(false)
  if (result !== undefined) setStatus("done", `done: ${result.steps} steps on ${state.backend}`)
  await inspect()
}

const inspect = async () => {
  const settings = await settingsNow()
  if (settings === undefined || session === undefined) return
  const text = $<HTMLInputElement>("#sentence").value
  const current = session
  const seen = await run(Inspect.inspect(current.model, current.tokenizer, text, settings))
  if (seen === undefined) return
  state.inspection = seen
  state.inspections++
  const dropped = Heatmap.draw($<HTMLCanvasElement>("#heatmap"), seen)
  $<HTMLParagraphElement>("#prediction").textContent =
    `predicted class ${seen.prediction} (p = ${seen.probabilities.map((p) => p.toFixed(3)).join(" / ")}); ` +
    `${dropped} cells AD-Drop would drop in layers ${settings.layers.join(", ")} (p = ${settings.p}, q = ${settings.q}), crossed out`
  document.body.dataset.inspections = String(state.inspections)
}

const download = async () => {
  if (session === undefined) return
  const current = session
  const files = await run(Export.modelFiles(current.model, tokenizerFiles))
  if (files === undefined) return
  const list = $<HTMLElement>("#downloads")
  list.replaceChildren(
    Object.assign(document.createElement("h2"), { textContent: "Fine-tuned model (Hugging Face layout)" })
  )
  state.downloads = []
  for (const [name, bytes] of files) {
    const a = document.createElement("a")
    a.href = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>]))
    a.download = name
    a.textContent = `${name} (${bytes.byteLength.toLocaleString()} bytes)`
    list.append(a)
    state.downloads.push({ name, bytes: bytes.byteLength })
  }
}

buttons.load.addEventListener("click", () => void load())
buttons.train.addEventListener("click", () => void train())
buttons.stop.addEventListener("click", () => running?.abort())
buttons.download.addEventListener("click", () => void download())
$<HTMLFormElement>("#inspect-form").addEventListener("submit", (event) => {
  event.preventDefault()
  void inspect()
})
