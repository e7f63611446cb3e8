import { TensorBackend } from "@addrop/backends"
import { installWasmKernels, matMul } from "@addrop/ops"
import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"
const threads = Number(process.argv[2] ?? 1)
await Effect.runPromise(Effect.gen(function* () {
  installWasmKernels()
  const time = (f: () => tf.Tensor, reps = 10) => {
    for (let i = 0; i < 3; i++) f().dispose()
    const t0 = performance.now()
    for (let i = 0; i < reps; i++) { const y = f(); y.dataSync(); y.dispose() }
    return ((performance.now() - t0) / reps).toFixed(2)
  }
  for (const [T, a, b] of [[2048, 128, 512], [2048, 512, 128], [2048, 128, 128], [1024, 768, 3072], [1024, 3072, 768], [1024, 768, 768]]) {
    const x = tf.randomNormal([T, a]); const dy = tf.randomNormal([T, b])
    const A = time(() => matMul(x, dy, { transposeA: true }))
    const B = time(() => tf.tidy(() => tf.transpose(matMul(dy, x, { transposeA: true }))))
    const Tx = time(() => tf.transpose(x)); const Tdy = time(() => tf.transpose(dy))
    console.log(`T=${T} in=${a} out=${b}: xT·dy ${A} ms, (dyT·x)T ${B} ms; transpose x ${Tx} dy ${Tdy}`)
    const xt = tf.transpose(x); const dyt = tf.transpose(dy)
    console.log(`   GEMM only: [${a},${T}]x[${T},${b}] ${time(() => tf.matMul(xt, dy))} ms, [${b},${T}]x[${T},${a}] ${time(() => tf.matMul(dyt, x))} ms`)
    tf.dispose([x, dy, xt, dyt])
  }
  const q = tf.randomNormal([16, 2, 128, 64]); const k = tf.randomNormal([16, 2, 64, 128]); const p = tf.randomNormal([16, 2, 128, 128])
  console.log(`attention QK ${time(() => tf.matMul(q, k))} ms, PV ${time(() => tf.matMul(p, q))} ms`)
}).pipe(Effect.provide(TensorBackend.layer("wasm", threads === 1 ? {} : { threads })), Effect.scoped))
