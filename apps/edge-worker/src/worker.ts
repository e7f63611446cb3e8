/**
 * The Cloudflare Worker: `GET /?backend=cpu|wasm` runs {@link AdDropDemo.run} on that tfjs backend inside
 * workerd and answers with its result as JSON.
 *
 * Everything is imported statically, because a Worker bundle has no module resolution at run time: the
 * cpu backend and the SIMD wasm binary, which workerd hands over as a compiled `WebAssembly.Module`. The
 * gradients come with `@addrop/backends` (its layers register the ones the models use).
 *
 * @since 0.1.0
 */
import "@tensorflow/tfjs-backend-cpu"
import { BackendName, TensorBackend } from "@addrop/backends"
import simd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm"
import { Cause, Effect, Exit } from "effect"
import * as AdDropDemo from "./AdDropDemo.js"
import * as WasmModule from "./WasmModule.js"

WasmModule.register(simd)

/** The backends this Worker bundles. */
const served: ReadonlyArray<BackendName.BackendName> = ["cpu", "wasm"]

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } })

// tfjs has one current backend per isolate, and a backend layer switches it for its whole scope: runs
// that overlapped would switch it under each other, so requests run one after another.
let previous: Promise<unknown> = Promise.resolve()

/**
 * Runs the demo on one backend; a failure becomes a 500 with its message.
 *
 * @since 0.1.0
 * @category handlers
 */
export const handle = (request: Request): Promise<Response> => {
  const name = new URL(request.url).searchParams.get("backend") ?? "cpu"
  if (!BackendName.is(name) || !served.includes(name)) {
    return Promise.resolve(json({ error: `backend must be one of ${served.join(", ")}, got ${name}` }, 400))
  }
  const response = previous.then(async () => {
    const exit = await Effect.runPromiseExit(
      Effect.scoped(Effect.provide(AdDropDemo.run, TensorBackend.layer(name)))
    )
    return Exit.isSuccess(exit) ? json(exit.value) : json({ error: Cause.pretty(exit.cause) }, 500)
  })
  previous = response.catch(() => undefined)
  return response
}

export default { fetch: handle }
