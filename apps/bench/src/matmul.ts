/**
 * GFLOP/s of a square float32 matmul on the wasm backend with a given thread pool, in this process.
 * One thread count per process: a wasm module instantiated again in the same process ran its first
 * products up to 2× slower here, which would bias a comparison inside one process.
 *
 * ```sh
 * # 512³, 1 vs 2 threads, alternating processes so that a busy neighbour affects both alike
 * for i in 1 2 3; do for t in 1 2; do npm run -s matmul -w @addrop/bench-app -- 512 $t; done; done
 * ```
 *
 * Two loops are timed, because they differ by 8× on this machine: `kept` leaves each product alive until
 * the round ends, `disposed` disposes each product at once (as a training step under `tf.tidy` does).
 * Prints one JSON line: the median GFLOP/s of each loop over the rounds, every round's value, and a
 * checksum of the product (the same for every thread count when the pool computes what one thread does).
 */
import { TensorBackend } from "@addrop/backends"
import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"

const [sizeArg = "512", threadsArg = "1", roundsArg = "5"] = process.argv.slice(2)
const n = Number(sizeArg)
const threads = threadsArg === "auto" ? "auto" : Number(threadsArg)
const rounds = Number(roundsArg)
const PRODUCTS = 20

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
const gflops = (ms: number) => (2 * n ** 3) / (ms / PRODUCTS) / 1e6
const one = (x: number) => Math.round(x * 10) / 10

const result = await Effect.runPromise(
  Effect.scoped(
    Effect.gen(function* () {
      const backend = yield* TensorBackend.make("wasm", threads === 1 ? {} : { threads })
      const a = tf.randomUniform([n, n], -1, 1, "float32", 1)
      const b = tf.randomUniform([n, n], -1, 1, "float32", 2)
      const product = tf.matMul(a, b)
      const checksum = (product.dataSync() as Float32Array).reduce((s, x) => s + x, 0)
      product.dispose()
      const kept: Array<number> = []
      const disposed: Array<number> = []
      for (let r = 0; r < rounds; r++) {
        let start = performance.now()
        for (let i = 0; i < PRODUCTS; i++) tf.tidy(() => tf.matMul(a, b).dataSync())
        disposed.push(gflops(performance.now() - start))
        const alive: Array<tf.Tensor> = []
        start = performance.now()
        for (let i = 0; i < PRODUCTS; i++) {
          const c = tf.matMul(a, b)
          c.dataSync()
          alive.push(c)
        }
        kept.push(gflops(performance.now() - start))
        tf.dispose(alive)
      }
      tf.dispose([a, b])
      return {
        size: n,
        requested: threads,
        threads: backend.threads,
        keptGflops: one(median(kept)),
        disposedGflops: one(median(disposed)),
        keptRounds: kept.map(one),
        disposedRounds: disposed.map(one),
        checksum
      }
    })
  )
)
process.stdout.write(`${JSON.stringify(result)}\n`)
