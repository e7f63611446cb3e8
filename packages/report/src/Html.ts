/**
 * Renders a {@link ReportData} as one self-contained HTML page: inline CSS and SVG, no scripts, no network.
 *
 * @since 0.1.0
 */
import { escapeHtml, PHASE_COLOR, STYLE } from "./internal/page.js"
import type { EpochRow, Heatmap, ReportData, StepPoint } from "./ReportData.js"

const fmt = (value: number, digits = 4): string =>
  Number.isFinite(value) ? value.toFixed(digits) : String(value)

const PHASE_LABEL = { ft: "fine-tuning", addrop: "AD-Drop" } as const

interface Frame {
  readonly width: number
  readonly height: number
  readonly pad: {
    readonly left: number
    readonly right: number
    readonly top: number
    readonly bottom: number
  }
}

const frame: Frame = { width: 640, height: 260, pad: { left: 56, right: 16, top: 16, bottom: 36 } }

const scale = (domain: readonly [number, number], range: readonly [number, number]) => {
  const [d0, d1] = domain[0] === domain[1] ? [domain[0] - 1, domain[1] + 1] : domain
  return (v: number) => range[0] + ((v - d0) / (d1 - d0)) * (range[1] - range[0])
}

const extent = (values: ReadonlyArray<number>): [number, number] => {
  const finite = values.filter(Number.isFinite)
  return finite.length === 0 ? [0, 1] : [Math.min(...finite), Math.max(...finite)]
}

const axes = (
  xTicks: ReadonlyArray<[number, string]>,
  yTicks: ReadonlyArray<[number, string]>,
  xLabel: string,
  yLabel: string
) => {
  const { width, height, pad } = frame
  const parts = [
    `<line class="axis" x1="${pad.left}" y1="${height - pad.bottom}" x2="${width - pad.right}" y2="${height - pad.bottom}"/>`,
    `<line class="axis" x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${height - pad.bottom}"/>`
  ]
  for (const [x, label] of xTicks)
    parts.push(
      `<text class="tick" x="${x}" y="${height - pad.bottom + 14}" text-anchor="middle">${escapeHtml(label)}</text>`
    )
  for (const [y, label] of yTicks) {
    parts.push(`<line class="grid" x1="${pad.left}" y1="${y}" x2="${width - pad.right}" y2="${y}"/>`)
    parts.push(
      `<text class="tick" x="${pad.left - 6}" y="${y + 4}" text-anchor="end">${escapeHtml(label)}</text>`
    )
  }
  parts.push(
    `<text class="label" x="${(pad.left + width - pad.right) / 2}" y="${height - 4}" text-anchor="middle">${escapeHtml(xLabel)}</text>`
  )
  parts.push(
    `<text class="label" transform="translate(14 ${(pad.top + height - pad.bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(yLabel)}</text>`
  )
  return parts.join("")
}

const niceTicks = (domain: readonly [number, number], count = 5): Array<number> => {
  const [a, b] = domain
  if (a === b) return [a]
  return Array.from({ length: count }, (_, i) => a + ((b - a) * i) / (count - 1))
}

/** Bands behind a chart, one per epoch, coloured by phase. */
const phaseBands = (
  epochs: ReadonlyArray<{ epoch: number; phase: StepPoint["phase"]; from: number; to: number }>,
  x: (v: number) => number
) =>
  epochs
    .map(
      (e) =>
        `<rect class="band band-${e.phase}" x="${x(e.from)}" y="${frame.pad.top}" width="${Math.max(1, x(e.to) - x(e.from))}" height="${frame.height - frame.pad.top - frame.pad.bottom}" fill="${PHASE_COLOR[e.phase]}"><title>epoch ${e.epoch + 1}: ${PHASE_LABEL[e.phase]}</title></rect>`
    )
    .join("")

const lossChart = (steps: ReadonlyArray<StepPoint>): string => {
  if (steps.length === 0) return `<p class="empty">No steps recorded.</p>`
  const { width, height, pad } = frame
  const x = scale([steps[0]!.step, steps.at(-1)!.step + 1], [pad.left, width - pad.right])
  const yDomain = extent(steps.map((s) => s.loss))
  const y = scale(yDomain, [height - pad.bottom, pad.top])
  const byEpoch = new Map<number, { epoch: number; phase: StepPoint["phase"]; from: number; to: number }>()
  for (const s of steps) {
    const e = byEpoch.get(s.epoch)
    if (e === undefined)
      byEpoch.set(s.epoch, { epoch: s.epoch, phase: s.phase, from: s.step, to: s.step + 1 })
    else byEpoch.set(s.epoch, { ...e, to: s.step + 1 })
  }
  const points = steps
    .filter((s) => Number.isFinite(s.loss))
    .map((s) => `${fmt(x(s.step + 0.5), 1)},${fmt(y(s.loss), 1)}`)
  // A moving average makes the trend readable when per-step losses are noisy.
  const window = Math.max(1, Math.round(steps.length / 25))
  const smooth = steps.map((s, i) => {
    const slice = steps.slice(Math.max(0, i - window + 1), i + 1).map((p) => p.loss)
    return `${fmt(x(s.step + 0.5), 1)},${fmt(y(slice.reduce((a, b) => a + b, 0) / slice.length), 1)}`
  })
  const xTicks = [...byEpoch.values()].map(
    (e) => [x((e.from + e.to) / 2), `epoch ${e.epoch + 1}`] as [number, string]
  )
  const yTicks = niceTicks(yDomain).map((v) => [y(v), fmt(v, 3)] as [number, string])
  return `<svg id="loss-curve" class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="Training loss per step">
${phaseBands([...byEpoch.values()], x)}${axes(xTicks, yTicks, "step", "training loss")}
<polyline class="raw" points="${points.join(" ")}"/>
<polyline class="smooth" points="${smooth.join(" ")}"/>
</svg>`
}

const metricChart = (epochs: ReadonlyArray<EpochRow>, metric: string): string => {
  if (epochs.length === 0) return `<p class="empty">No evaluations recorded.</p>`
  const { width, height, pad } = frame
  const x = scale([0, epochs.length], [pad.left, width - pad.right])
  const yDomain = extent(epochs.map((e) => e.main))
  const y = scale(yDomain, [height - pad.bottom, pad.top])
  const bands = epochs.map((e, i) => ({ epoch: e.epoch, phase: e.phase, from: i, to: i + 1 }))
  const points = epochs.map((e, i) => [x(i + 0.5), y(e.main)] as const)
  const dots = points
    .map(
      ([px, py], i) =>
        `<circle class="dot" cx="${fmt(px, 1)}" cy="${fmt(py, 1)}" r="4"><title>epoch ${epochs[i]!.epoch + 1}: ${escapeHtml(metric)} ${fmt(epochs[i]!.main)}</title></circle>`
    )
    .join("")
  const xTicks = epochs.map((e, i) => [x(i + 0.5), `${e.epoch + 1}`] as [number, string])
  const yTicks = niceTicks(yDomain).map((v) => [y(v), fmt(v, 3)] as [number, string])
  return `<svg id="metric-curve" class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="Dev ${escapeHtml(metric)} per epoch">
${phaseBands(bands, x)}${axes(xTicks, yTicks, "epoch", `dev ${metric}`)}
<polyline class="metric" points="${points.map(([px, py]) => `${fmt(px, 1)},${fmt(py, 1)}`).join(" ")}"/>${dots}
</svg>`
}

const epochTable = (epochs: ReadonlyArray<EpochRow>, mainMetric: string): string => {
  const names = [...new Set(epochs.flatMap((e) => Object.keys(e.metrics)))]
  const best = epochs.reduce<EpochRow | undefined>(
    (b, e) => (b === undefined || e.main > b.main ? e : b),
    undefined
  )
  const head = `<tr><th>epoch</th><th>phase</th><th>train loss</th>${names.map((n) => `<th>${escapeHtml(n)}</th>`).join("")}<th>time</th></tr>`
  const rows = epochs
    .map(
      (e) =>
        `<tr class="${e === best ? "best" : ""}"><td>${e.epoch + 1}</td><td><span class="pill pill-${e.phase}">${PHASE_LABEL[e.phase]}</span></td><td>${fmt(e.trainLoss)}</td>${names
          .map((n) => `<td>${e.metrics[n] === undefined ? "" : fmt(e.metrics[n]!)}</td>`)
          .join("")}<td>${e.seconds === undefined ? "" : `${e.seconds.toFixed(1)} s`}</td></tr>`
    )
    .join("")
  return `<table id="epochs"><caption>Per-epoch results (best ${escapeHtml(mainMetric)} highlighted)</caption><thead>${head}</thead><tbody>${rows}</tbody></table>`
}

/** Diverging colour for a value in [-1, 1]: blue (negative) – white – red (positive). */
const diverging = (t: number): string => {
  const v = Math.max(-1, Math.min(1, t))
  const mix = (a: number, b: number) => Math.round(a + (b - a) * Math.abs(v))
  return v >= 0 ? `rgb(255,${mix(255, 64)},${mix(255, 48)})` : `rgb(${mix(255, 40)},${mix(255, 96)},255)`
}

const heatmap = (map: Heatmap, index: number): string => {
  const n = map.tokens.length
  const cell = Math.max(10, Math.min(28, Math.floor(420 / Math.max(1, n))))
  const labelSpace = 90
  const size = labelSpace + n * cell + 8
  const maxAbs = Math.max(1e-12, ...map.values.flat().map(Math.abs))
  const cells: Array<string> = []
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const v = map.values[i]?.[j] ?? 0
      const dropped = map.dropped?.[i]?.[j] === 1
      cells.push(
        `<rect class="cell${dropped ? " dropped" : ""}" x="${labelSpace + j * cell}" y="${labelSpace + i * cell}" width="${cell}" height="${cell}" fill="${diverging(v / maxAbs)}"><title>${escapeHtml(map.tokens[i]!)} → ${escapeHtml(map.tokens[j]!)}: ${v.toExponential(3)}${dropped ? " (dropped)" : ""}</title></rect>`
      )
    }
  const rowLabels = map.tokens
    .map(
      (t, i) =>
        `<text class="token" x="${labelSpace - 4}" y="${labelSpace + i * cell + cell * 0.7}" text-anchor="end">${escapeHtml(t)}</text>`
    )
    .join("")
  const colLabels = map.tokens
    .map(
      (t, j) =>
        `<text class="token" transform="translate(${labelSpace + j * cell + cell * 0.7} ${labelSpace - 4}) rotate(-60)">${escapeHtml(t)}</text>`
    )
    .join("")
  return `<figure class="heatmap" id="heatmap-${index}">
<svg viewBox="0 0 ${size} ${size}" width="${size}" height="${size}" role="img" aria-label="${escapeHtml(map.title)}">${colLabels}${rowLabels}${cells.join("")}</svg>
<figcaption>${escapeHtml(map.title)} — layer ${map.layer + 1}, attribution averaged over heads (red: positive, blue: negative)${map.dropped === undefined ? "" : "; outlined cells were dropped"}</figcaption>
</figure>`
}

/**
 * The report page.
 *
 * @example
 * ```ts
 * import { Html } from "@addrop/report"
 * await fs.writeFile("report.html", Html.render(data))
 * ```
 * @since 0.1.0
 * @category rendering
 */
export const render = (data: ReportData): string => {
  const best = data.epochs.reduce<EpochRow | undefined>(
    (b, e) => (b === undefined || e.main > b.main ? e : b),
    undefined
  )
  const adDropEpochs = data.epochs.filter((e) => e.phase === "addrop").length
  const cards = [
    [
      "best dev " + data.mainMetric,
      best === undefined ? "–" : fmt(best.main),
      best === undefined ? "" : `epoch ${best.epoch + 1}`
    ],
    ["epochs", String(data.epochs.length), `${adDropEpochs} with AD-Drop`],
    [
      "steps",
      String(data.steps.length),
      data.steps.length > 0 ? `final loss ${fmt(data.steps.at(-1)!.loss)}` : ""
    ]
  ]
  const legend = `<p class="legend"><span><i class="swatch" style="background:${PHASE_COLOR.ft}"></i>fine-tuning epoch</span><span><i class="swatch" style="background:${PHASE_COLOR.addrop}"></i>AD-Drop epoch</span></p>`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(data.title)}</title><style>${STYLE}</style></head>
<body><main>
<h1>${escapeHtml(data.title)}</h1>
<p class="facts">${Object.entries(data.facts)
    .map(([k, v]) => `<span><b>${escapeHtml(k)}</b> ${escapeHtml(String(v))}</span>`)
    .join("")}</p>
${data.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join("\n")}
<section class="cards" id="summary">${cards.map(([t, v, s]) => `<div class="card"><small>${escapeHtml(t!)}</small><b>${escapeHtml(v!)}</b><small>${escapeHtml(s!)}</small></div>`).join("")}</section>
<h2>Training loss</h2>${legend}${lossChart(data.steps)}
<h2>Dev ${escapeHtml(data.mainMetric)}</h2>${metricChart(data.epochs, data.mainMetric)}
<h2>Epochs</h2>${epochTable(data.epochs, data.mainMetric)}
<h2>Attribution heatmaps</h2>
<section class="heatmaps">${data.heatmaps.length === 0 ? `<p class="empty">No heatmaps.</p>` : data.heatmaps.map(heatmap).join("\n")}</section>
<h2>Configuration</h2><pre id="config">${escapeHtml(JSON.stringify(data.config, null, 2))}</pre>
</main></body></html>
`
}
