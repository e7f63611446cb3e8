import { describeBackends, expectAllClose, statuses } from "@addrop/conformance"
import * as tf from "@tensorflow/tfjs-core"
import { expect, it } from "vitest"
import { Gradients, LearningRate, Optimizer } from "../src/index.js"

const backends = await statuses()

describeBackends("AdamW + global-norm clipping", backends, () => {
  it("matches torch.optim.AdamW and clip_grad_norm_ over three steps", async () => {
    /* Reference (Debian python3-torch 1.13):
       p1 = Parameter([[0.5,-1],[2,0.25]]) (weight_decay 0.01), b = Parameter([0.1,-0.2]) (no decay),
       AdamW(lr=0.1, betas=(0.9,0.999), eps=1e-8); each step: clip_grad_norm_([p1,b], 1.0), step()
       with the gradients below → norms 1.3573871850967407, 0.6557438969612122, 7.4833149909973145,
       p1 = [0.340711653, -0.92815125, 1.72944248, 0.0995715931], b = [-0.137228504, -0.123075873] */
    const parameters = new Map<string, tf.Variable>([
      [
        "dense.weight",
        tf.variable(
          tf.tensor2d([
            [0.5, -1],
            [2, 0.25]
          ])
        )
      ],
      ["dense.bias", tf.variable(tf.tensor1d([0.1, -0.2]))]
    ])
    const steps: Array<[Array<Array<number>>, Array<number>]> = [
      [
        [
          [0.3, -0.1],
          [0.05, 0.7]
        ],
        [1, -0.5]
      ],
      [
        [
          [-0.2, 0.4],
          [0.1, -0.3]
        ],
        [0.2, 0.3]
      ],
      [
        [
          [5, -5],
          [0, 1]
        ],
        [-1, 2]
      ]
    ]
    const norms: Array<number> = []
    const beforeInit = tf.memory().numTensors
    let state = Optimizer.init(parameters)
    const before = tf.memory().numTensors
    for (const [w, b] of steps) {
      const { grads, norm } = Gradients.clipByGlobalNorm(
        { "dense.weight": tf.tensor2d(w), "dense.bias": tf.tensor1d(b) },
        1
      )
      norms.push((await norm.data())[0]!)
      norm.dispose()
      state = Optimizer.update(state, grads, parameters, 0.1, { ...Optimizer.defaults, weightDecay: 0.01 })
      tf.dispose(Object.values(grads))
    }
    expect(tf.memory().numTensors).toBe(before)
    expect(state.step).toBe(3)
    await expectAllClose(norms, [1.3573871850967407, 0.6557438969612122, 7.4833149909973145], {
      rtol: 1e-6,
      atol: 0
    })
    await expectAllClose(
      parameters.get("dense.weight")!,
      [0.340711653, -0.92815125, 1.72944248, 0.0995715931],
      { rtol: 1e-5, atol: 1e-6 }
    )
    await expectAllClose(parameters.get("dense.bias")!, [-0.137228504, -0.123075873], {
      rtol: 1e-5,
      atol: 1e-6
    })
    Optimizer.dispose(state)
    // init and dispose leave nothing behind: no zeros the moments started from.
    expect(tf.memory().numTensors).toBe(beforeInit)
    tf.dispose([...parameters.values()])
  })
})

it("the default decay rule excludes biases and LayerNorm weights", () => {
  expect(Optimizer.decaysByDefault("bert.encoder.layer.0.attention.self.query.weight")).toBe(true)
  expect(Optimizer.decaysByDefault("bert.encoder.layer.0.attention.self.query.bias")).toBe(false)
  expect(Optimizer.decaysByDefault("bert.embeddings.LayerNorm.weight")).toBe(false)
})

it("linear warmup and decay follows get_linear_schedule_with_warmup", () => {
  const lr = LearningRate.linearWarmupDecay({ peak: 1, warmupSteps: 10, totalSteps: 110 })
  expect([0, 5, 10, 60, 110, 200].map(lr)).toEqual([0, 0.5, 1, 0.5, 0, 0])
})
