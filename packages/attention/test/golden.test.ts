import { describeBackends, expectAllClose, statuses } from "@addrop/conformance"
import { loadGolden, tensorValues } from "@addrop/fixtures"
import * as tf from "@tensorflow/tfjs-core"
import { it } from "vitest"
import { attention } from "../src/index.js"

const backends = await statuses()
const golden = loadGolden("attention")
const t4 = (g: { shape: ReadonlyArray<number>; data: ReadonlyArray<number> }) =>
  tf.tensor4d(tensorValues(g), g.shape as [number, number, number, number])

// PyTorch float32 reference (packages/fixtures): |diff| ≤ 1e-5 + 1e-4·|expected|.
const TOLERANCE = { rtol: 1e-4, atol: 1e-5 }

describeBackends("attention vs PyTorch", backends, () => {
  it("probabilities, context and the gradients w.r.t. q, k, v match", async () => {
    const [q, k, v] = [t4(golden.q), t4(golden.k), t4(golden.v)]
    const padBias = t4(golden.pad_bias)
    const dropBias = t4(golden.drop_bias)
    const w = t4(golden.w)
    const run = (qq: tf.Tensor4D, kk: tf.Tensor4D, vv: tf.Tensor4D) =>
      attention(qq, kk, vv, { keyPaddingBias: padBias, intervention: { scoreBias: dropBias } })
    const { probs, context } = run(q, k, v)
    await expectAllClose(probs, tensorValues(golden.probs), TOLERANCE)
    await expectAllClose(context, tensorValues(golden.context), TOLERANCE)
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      tf.sum(tf.mul(run(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D).context, w))
    )([q, k, v])
    await expectAllClose(grads[0]!, tensorValues(golden.grad_q), TOLERANCE)
    await expectAllClose(grads[1]!, tensorValues(golden.grad_k), TOLERANCE)
    await expectAllClose(grads[2]!, tensorValues(golden.grad_v), TOLERANCE)
  })
})
