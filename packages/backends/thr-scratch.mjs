import * as tf from "@tensorflow/tfjs-core"
import * as wasm from "@tensorflow/tfjs-backend-wasm"
const threaded = process.argv[2] === "1"
if (threaded) tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true)
wasm.setThreadsCount(2)
await tf.setBackend("wasm"); await tf.ready()
console.log("backend", tf.getBackend(), "threads", wasm.getThreadsCount?.())
const a = tf.randomNormal([1536, 128]), b = tf.randomNormal([128, 512])
for (let r = 0; r < 3; r++) { const t = performance.now(); for (let i = 0; i < 20; i++) { const c = tf.matMul(a, b); c.dataSync(); c.dispose() } console.log(((performance.now() - t) / 20).toFixed(2), "ms/matmul") }
process.exit(0)
