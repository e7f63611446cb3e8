import type { ReportData } from "../src/index.js"

/** A report of a made-up four-epoch cross-tuned run. */
export const sampleReport = (): ReportData => {
  const tokens = ["[CLS]", "a", "gripping", "<film>", "&", "score", "[SEP]"]
  const n = tokens.length
  return {
    title: "AD-Drop on SST-2 <sample>",
    facts: { task: "sst2", model: "tiny (random init)", backend: "wasm", seed: 42 },
    notes: ["The model was randomly initialised: no pretrained weights can be fetched on this machine."],
    mainMetric: "accuracy",
    steps: Array.from({ length: 40 }, (_, i) => ({
      step: i,
      epoch: Math.floor(i / 10),
      phase: Math.floor(i / 10) % 2 === 0 ? ("ft" as const) : ("addrop" as const),
      loss: 0.7 - i * 0.01 + (i % 3) * 0.02
    })),
    epochs: [0, 1, 2, 3].map((epoch) => ({
      epoch,
      phase: epoch % 2 === 0 ? ("ft" as const) : ("addrop" as const),
      trainLoss: 0.7 - epoch * 0.1,
      metrics: { accuracy: 0.5 + epoch * 0.05 - (epoch === 3 ? 0.07 : 0) },
      main: 0.5 + epoch * 0.05 - (epoch === 3 ? 0.07 : 0),
      seconds: 12.5
    })),
    heatmaps: [
      {
        title: "dev #0: “a gripping film & score”",
        tokens,
        layer: 0,
        values: Array.from({ length: n }, (_, i) =>
          Array.from({ length: n }, (_, j) => Math.sin(i * 1.3 + j) * (i + 1))
        ),
        dropped: Array.from({ length: n }, (_, i) =>
          Array.from({ length: n }, (_, j) => ((i + j) % 4 === 0 ? 1 : 0))
        )
      }
    ],
    config: { p: 0.3, q: 0.3, note: "</pre><script>alert(1)</script>" }
  }
}
