/**
 * The tensor backend of the page, in a browser: WebGPU, falling back to wasm, then cpu (`@addrop/backends`'
 * `auto` over that order), or the one a person names.
 *
 * A bundle has no module resolution at run time, so the three tfjs backends and tfjs' stock gradients are
 * imported here statically (`@addrop/backends` then uses them as registered instead of importing them), and
 * the wasm backend is told where the page serves its `.wasm` binaries (`setWasmPaths`): Vite copies them into
 * the build and gives their URLs.
 *
 * @since 0.1.0
 */
import "@tensorflow/tfjs-backend-cpu"
import "@tensorflow/tfjs-backend-webgpu"
import "@tensorflow/tfjs-core/dist/register_all_gradients"
import type { BackendInitFailed, BackendUnavailable, NoBackendAvailable } from "@addrop/backends"
import { TensorBackend } from "@addrop/backends"
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm"
import wasm from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url"
import wasmSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url"
import wasmThreadedSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url"
import type { Layer } from "effect"
import type { BackendChoice } from "./Settings.js"

setWasmPaths({
  "tfjs-backend-wasm.wasm": wasm,
  "tfjs-backend-wasm-simd.wasm": wasmSimd,
  "tfjs-backend-wasm-threaded-simd.wasm": wasmThreadedSimd
})

/**
 * The layer for a choice: `auto` is WebGPU, then wasm, then cpu; a named backend is that one or a typed
 * `BackendUnavailable` with the reason.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  choice: BackendChoice
): Layer.Layer<TensorBackend.TensorBackend, BackendInitFailed | BackendUnavailable | NoBackendAvailable> =>
  choice === "auto"
    ? TensorBackend.layerAuto({ candidates: ["webgpu", "wasm", "cpu"] })
    : TensorBackend.layer(choice)
