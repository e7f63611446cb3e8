import { describeBackends, expectAllClose, seededValues, statuses } from "@addrop/conformance"
import { keyPaddingBias } from "@addrop/ops"
import * as tf from "@tensorflow/tfjs-core"
import { expect, it } from "vitest"
import { type Intervention, selfAttention } from "../src/index.js"

const backends = await statuses()
const [B, L, H, D] = [2, 5, 3, 4]
const projection = (seed: number) => tf.tensor3d(seededValues(B * L * H * D, seed), [B, L, H * D])
const padding = () =>
  keyPaddingBias(
    tf.tensor2d(
      [
        [1, 1, 1, 1, 1],
        [1, 1, 1, 0, 0]
      ],
      [2, 5],
      "int32"
    )
  )
const dropBias = () =>
  tf.tidy(() =>
    tf.mul(
      tf.cast(tf.greater(tf.tensor4d(seededValues(B * H * L * L, 7), [B, H, L, L]), 0.5), "float32"),
      -1e9
    )
  )

/** The op-by-op composition, forced by an identity `mapProbs` (which the hand-written ops do not take). */
const composed = (intervention: Intervention.Intervention | undefined): Intervention.Intervention => ({
  ...intervention,
  mapProbs: (p) => p
})

describeBackends("selfAttention", backends, () => {
  const settings = [
    { name: "plain", dropoutRate: 0, withBias: false, withTap: false },
    { name: "with dropout, AD-Drop bias and a tap", dropoutRate: 0.25, withBias: true, withTap: true }
  ]
  for (const setting of settings) {
    it(`${setting.name}: the same values as the composition, and the same gradients of every input`, async () => {
      const q = projection(1)
      const k = projection(2)
      const v = projection(3)
      const pad = padding()
      const bias = setting.withBias ? dropBias() : undefined
      const tap = setting.withTap ? (tf.zeros([B, H, L, L]) as tf.Tensor4D) : undefined
      const cotangent = projection(4)
      const probsCotangent = tf.tensor4d(seededValues(B * H * L * L, 5), [B, H, L, L])
      // Inputs: q, k, v, the padding bias, then the AD-Drop bias and the tap when present.
      const inputs: Array<tf.Tensor> = [
        q,
        k,
        v,
        pad,
        ...(bias === undefined ? [] : [bias]),
        ...(tap === undefined ? [] : [tap])
      ]
      const run = (fused: boolean, x: Array<tf.Tensor>) => {
        const extra = x.slice(4)
        const intervention: Intervention.Intervention = {
          ...(bias === undefined ? {} : { scoreBias: extra.shift()! }),
          ...(tap === undefined ? {} : { probsTap: extra.shift() as tf.Tensor4D })
        }
        return selfAttention(x[0] as tf.Tensor3D, x[1] as tf.Tensor3D, x[2] as tf.Tensor3D, {
          heads: H,
          keyPaddingBias: x[3]!,
          intervention: fused ? intervention : composed(intervention),
          dropoutRate: setting.dropoutRate,
          dropoutSeed: 99
        })
      }
      // Both outputs carry gradient.
      const objective =
        (fused: boolean) =>
        (...x: Array<tf.Tensor>) => {
          const { context, probs } = run(fused, x)
          return tf.add(
            tf.sum(tf.mul(context, cotangent)),
            tf.sum(tf.mul(probs, probsCotangent))
          ) as tf.Scalar
        }
      const before = tf.memory().numTensors
      const fused = tf.valueAndGrads(objective(true))(inputs)
      const reference = tf.valueAndGrads(objective(false))(inputs)
      expect(tf.memory().numTensors).toBe(before + 2 * (1 + inputs.length))
      await expectAllClose(fused.value, reference.value, { rtol: 0, atol: 0 })
      const forward = (f: boolean) => tf.tidy(() => run(f, inputs).context)
      await expectAllClose(forward(true), forward(false), { rtol: 0, atol: 0 })
      for (let i = 0; i < inputs.length; i++) {
        await expectAllClose(fused.grads[i]!, reference.grads[i]!, { rtol: 1e-4, atol: 1e-5 })
      }
      tf.dispose([fused.value, ...fused.grads, reference.value, ...reference.grads])
      tf.dispose([...inputs, cotangent, probsCotangent])
    })
  }

  it("differentiating only the tap computes no gradient below it (no score gradient)", () => {
    const q = projection(1)
    const k = projection(2)
    const v = projection(3)
    const softmax = tf.getGradient("Softmax")!
    let softmaxBackward = 0
    tf.registerGradient({ ...softmax, gradFunc: (...args) => (softmaxBackward++, softmax.gradFunc(...args)) })
    try {
      const tap = tf.zeros([B, H, L, L]) as tf.Tensor4D
      const g = tf.grad((t: tf.Tensor) =>
        tf.sum(selfAttention(q, k, v, { heads: H, intervention: { probsTap: t as tf.Tensor4D } }).context)
      )(tap)
      expect(softmaxBackward).toBe(0)
      tf.dispose([g, tap])
    } finally {
      tf.registerGradient(softmax)
      tf.dispose([q, k, v])
    }
  })

  it("rejects projections whose width the heads do not divide", () => {
    const q = projection(1)
    expect(() => selfAttention(q, q, q, { heads: 5 })).toThrow(/disagree/)
    q.dispose()
  })
})
