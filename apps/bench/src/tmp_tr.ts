import { TensorBackend } from "@addrop/backends"
import { installWasmKernels } from "@addrop/ops"
import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"
await Effect.runPromise(Effect.gen(function* () {
  if (process.argv[2] !== "stock") installWasmKernels()
  for (const shape of [[2048, 128], [2048, 512], [1024, 3072], [3072, 1024], [16, 2, 128, 64]]) {
    const x = tf.randomNormal(shape)
    const perm = shape.length === 2 ? [1, 0] : [0, 2, 1, 3]
    for (let i = 0; i < 3; i++) tf.transpose(x, perm).dispose()
    const reps = 20; const t0 = performance.now()
    for (let i = 0; i < reps; i++) tf.transpose(x, perm).dispose()
    const ms = (performance.now() - t0) / reps
    console.log(`${shape}: ${ms.toFixed(2)} ms, ${(ms * 1e6 / x.size).toFixed(2)} ns/el`)
    x.dispose()
  }
}).pipe(Effect.provide(TensorBackend.layer("wasm", {})), Effect.scoped))
