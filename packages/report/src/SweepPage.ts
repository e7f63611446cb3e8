/**
 * Renders a sweep's summary as one self-contained HTML page (inline CSS and SVG, no scripts, no network):
 * per method a p × q heatmap of mean dev scores, the best setting per method, and a table of every setting
 * with its mean ± std over seeds and its paired difference to fine-tuning.
 *
 * @since 0.1.0
 */
import { escapeHtml, STYLE } from "./internal/page.js"

/**
 * One setting of a sweep, as shown on the page.
 *
 * @since 0.1.0
 * @category models
 */
export interface SweepRow {
  readonly method: string
  readonly p: number | null
  readonly q: number | null
  readonly n: number
  readonly mean: number | null
  readonly std: number | null
  /** Mean and std of this setting minus fine-tuning, paired by seed. */
  readonly diff: { readonly n: number; readonly mean: number | null; readonly std: number | null } | null
  readonly best: boolean
}

/**
 * What the sweep page shows.
 *
 * @since 0.1.0
 * @category models
 */
export interface SweepPageData {
  readonly title: string
  /** The dev metric the scores are in (e.g. accuracy). */
  readonly metric: string
  /** Facts shown under the title (task, model, seeds, jobs). */
  readonly facts: ReadonlyArray<string>
  readonly rows: ReadonlyArray<SweepRow>
}

const fmt = (v: number | null, digits = 4) => (v === null ? "–" : v.toFixed(digits))
const pm = (mean: number | null, std: number | null) => `${fmt(mean)}${std === null ? "" : ` ± ${fmt(std)}`}`

/** White (lowest) to green (highest) over the scores of one method. */
const colour = (v: number, lo: number, hi: number) => {
  const t = hi === lo ? 1 : (v - lo) / (hi - lo)
  const mix = (a: number, b: number) => Math.round(a + (b - a) * t)
  return `rgb(${mix(247, 34)},${mix(251, 139)},${mix(247, 34)})`
}

const heatmap = (method: string, rows: ReadonlyArray<SweepRow>, metric: string): string => {
  const ps = [...new Set(rows.map((r) => r.p!))].sort((a, b) => a - b)
  const qs = [...new Set(rows.map((r) => r.q!))].sort((a, b) => a - b)
  const means = rows.map((r) => r.mean).filter((m): m is number => m !== null)
  const [lo, hi] = [Math.min(...means), Math.max(...means)]
  const cell = { w: 92, h: 44 }
  const left = 56
  const top = 28
  const parts: Array<string> = []
  qs.forEach((q, j) => {
    parts.push(
      `<text class="tick" x="${left + j * cell.w + cell.w / 2}" y="${top - 8}" text-anchor="middle">q ${q}</text>`
    )
  })
  ps.forEach((p, i) => {
    parts.push(
      `<text class="tick" x="${left - 6}" y="${top + i * cell.h + cell.h / 2 + 4}" text-anchor="end">p ${p}</text>`
    )
    qs.forEach((q, j) => {
      const row = rows.find((r) => r.p === p && r.q === q)
      const x = left + j * cell.w
      const y = top + i * cell.h
      const fill = row?.mean === null || row === undefined ? "#eee" : colour(row.mean, lo, hi)
      const title =
        row === undefined ? "not run" : `p ${p}, q ${q}: ${pm(row.mean, row.std)} over ${row.n} seeds`
      parts.push(
        `<rect class="cell${row?.best ? " dropped" : ""}" x="${x}" y="${y}" width="${cell.w - 2}" height="${cell.h - 2}" fill="${fill}"><title>${escapeHtml(title)}</title></rect>`,
        `<text class="label" x="${x + cell.w / 2}" y="${y + cell.h / 2 + 4}" text-anchor="middle">${fmt(row?.mean ?? null, 3)}</text>`
      )
    })
  })
  const width = left + qs.length * cell.w + 8
  const height = top + ps.length * cell.h + 8
  return `<figure class="heatmap"><svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(`${method}: mean dev ${metric} over p and q`)}">${parts.join("")}</svg>
<figcaption>${escapeHtml(method)}: mean dev ${escapeHtml(metric)} over seeds (rows p, columns q; darker is higher; the outlined cell is the best)</figcaption></figure>`
}

/**
 * The sweep page.
 *
 * @example
 * ```ts
 * import { SweepPage } from "@addrop/report"
 * const html = SweepPage.render({ title: "sst2 sweep", metric: "accuracy", facts: [], rows: [] })
 * ```
 * @since 0.1.0
 * @category rendering
 */
export const render = (data: SweepPageData): string => {
  const methods = [...new Set(data.rows.filter((r) => r.p !== null).map((r) => r.method))]
  const best = data.rows.filter((r) => r.best)
  const cards = best
    .map(
      (r) =>
        `<div class="card"><small>best ${escapeHtml(r.method)} (p ${r.p}, q ${r.q})</small><b>${fmt(r.mean)}</b><small>± ${fmt(r.std)} · vs FT ${r.diff === null ? "–" : `${(r.diff.mean ?? 0) >= 0 ? "+" : ""}${pm(r.diff.mean, r.diff.std)}`}</small></div>`
    )
    .join("")
  const table = data.rows
    .map(
      (r) =>
        `<tr${r.best ? ' class="best"' : ""}><td>${escapeHtml(r.method)}</td><td>${r.p ?? "–"}</td><td>${r.q ?? "–"}</td><td>${r.n}</td><td>${pm(r.mean, r.std)}</td><td>${r.diff === null ? "–" : `${pm(r.diff.mean, r.diff.std)} (n ${r.diff.n})`}</td></tr>`
    )
    .join("\n")
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(data.title)}</title><style>${STYLE}</style></head>
<body><main>
<h1>${escapeHtml(data.title)}</h1>
<p class="facts">${data.facts.map((f) => `<span>${escapeHtml(f)}</span>`).join("")}</p>
<section class="cards">${cards === "" ? '<p class="empty">No AD-Drop settings.</p>' : cards}</section>
<h2>Dev ${escapeHtml(data.metric)} over p × q</h2>
<section class="heatmaps">${
    methods.length === 0
      ? '<p class="empty">No AD-Drop settings.</p>'
      : methods
          .map((m) =>
            heatmap(
              m,
              data.rows.filter((r) => r.method === m),
              data.metric
            )
          )
          .join("\n")
  }</section>
<h2>Every setting</h2>
<table><caption>mean ± sample std over seeds; AD-Drop − FT paired by seed</caption>
<thead><tr><th>method</th><th>p</th><th>q</th><th>seeds</th><th>dev ${escapeHtml(data.metric)}</th><th>AD-Drop − FT</th></tr></thead>
<tbody>
${table}
</tbody></table>
</main></body></html>
`
}
