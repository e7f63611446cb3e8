import { Effect } from "effect"
import { expect, it } from "vitest"
import { train } from "../src/CustomTrainer.js"

it("a user-written trainer over the stream: loss falls and every third step is an AD-Drop step", async () => {
  const report = await Effect.runPromise(train(6))
  expect(report.steps).toHaveLength(36)
  for (const { step, phase } of report.steps) expect(phase).toBe(step % 3 === 2 ? "addrop" : "ft")
  const mean = (xs: ReadonlyArray<{ loss: number }>) => xs.reduce((a, s) => a + s.loss, 0) / xs.length
  expect(mean(report.steps.slice(-6))).toBeLessThan(0.8 * mean(report.steps.slice(0, 6)))
  expect(report.accuracy).toBeGreaterThan(0.5)
})
