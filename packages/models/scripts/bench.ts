/**
 * Forward (eval) and training-step (forward + backward) time of the presets at batch 8 × length 64.
 *
 *   node --conditions=@addrop/source --import tsx packages/models/scripts/bench.ts [cpu|wasm|…] [tiny,mini,…]
 */
import { TensorBackend } from "@addrop/backends"
import { Key } from "@addrop/random"
import * as tf from "@tensorflow/tfjs-core"
import { Effect } from "effect"
import { Loss, Model, Presets } from "../src/index.js"

const [backend = "cpu", names = "tiny,mini"] = process.argv.slice(2)
const BATCH = 8
const LENGTH = 64
const REPEATS = Number(process.env.REPEATS ?? 5)

const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const program = Effect.gen(function* () {
  yield* TensorBackend.make(backend as "cpu")
  for (const name of names.split(",") as Array<Presets.PresetName>) {
    const model = Model.makeUnsafe(Presets.byName[name], {
      task: "classification",
      numLabels: 2,
      key: Key.make(0)
    })
    const ids = tf.randomUniform([BATCH, LENGTH], 1, 30000, "int32", 1) as tf.Tensor2D
    const batch = { inputIds: ids, attentionMask: tf.onesLike(ids) as tf.Tensor2D }
    const labels = tf.tensor1d(
      Array.from({ length: BATCH }, (_, i) => i % 2),
      "int32"
    )
    const forward = async () => {
      const start = performance.now()
      const { logits } = model.forward(batch, { training: false })
      await logits.data()
      logits.dispose()
      return performance.now() - start
    }
    const step = async (i: number) => {
      const start = performance.now()
      const { value, grads } = tf.variableGrads(
        () =>
          Loss.loss(
            "classification",
            model.forward(batch, { training: true, dropoutKey: Key.make(i) }).logits,
            labels
          ),
        model.trainableVariables
      )
      await value.data()
      await Promise.all(Object.values(grads).map((g) => g.data()))
      tf.dispose([value, ...Object.values(grads)])
      return performance.now() - start
    }
    yield* Effect.promise(async () => {
      await forward()
      await forward()
      const f: Array<number> = []
      for (let i = 0; i < REPEATS; i++) f.push(await forward())
      await step(0)
      const s: Array<number> = []
      for (let i = 0; i < Math.max(3, Math.floor(REPEATS / 2)); i++) s.push(await step(i + 1))
      console.log(
        `${backend} ${name} B=${BATCH} L=${LENGTH}: forward median ${median(f).toFixed(1)} ms (min ${Math.min(...f).toFixed(1)}), train step median ${median(s).toFixed(1)} ms`
      )
    })
    tf.dispose([ids, batch.attentionMask, labels])
    model.dispose()
  }
})

await Effect.runPromise(Effect.scoped(program))
