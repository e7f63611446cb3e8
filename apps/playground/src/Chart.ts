/**
 * A small SVG line chart of a run: the training loss per step and the dev accuracy per epoch, each on its
 * own scale (loss on the left, accuracy 0–1 on the right). Plain SVG, rebuilt on each update.
 *
 * @since 0.1.0
 */

/**
 * One series: points (x = step) and its colour.
 *
 * @since 0.1.0
 * @category models
 */
export interface Series {
  readonly name: string
  readonly color: string
  readonly points: ReadonlyArray<readonly [x: number, y: number]>
  /** The y range drawn; defaults to the points' own. */
  readonly range?: readonly [number, number] | undefined
}

const SVG = "http://www.w3.org/2000/svg"

const element = (name: string, attributes: Record<string, string | number>, text?: string): SVGElement => {
  const e = document.createElementNS(SVG, name)
  for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, String(v))
  if (text !== undefined) e.textContent = text
  return e
}

/**
 * The `points` attribute of a polyline that fits the series into a `width` × `height` box.
 *
 * @since 0.1.0
 * @category geometry
 */
export const polyline = (series: Series, xMax: number, width: number, height: number): string => {
  const ys = series.points.map(([, y]) => y)
  const [lo, hi] = series.range ?? [Math.min(...ys), Math.max(...ys)]
  const span = hi - lo || 1
  return series.points
    .map(
      ([x, y]) =>
        `${((x / Math.max(xMax, 1)) * width).toFixed(1)},${(height - ((y - lo) / span) * height).toFixed(1)}`
    )
    .join(" ")
}

/**
 * Draws the series into `svg` (its children are replaced).
 *
 * @since 0.1.0
 * @category drawing
 */
export const draw = (svg: SVGSVGElement, series: ReadonlyArray<Series>, width = 560, height = 200): void => {
  const pad = { left: 40, right: 40, top: 10, bottom: 24 }
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`)
  svg.replaceChildren()
  const w = width - pad.left - pad.right
  const h = height - pad.top - pad.bottom
  const plot = element("g", { transform: `translate(${pad.left},${pad.top})` })
  plot.append(element("rect", { width: w, height: h, fill: "none", stroke: "#ccc" }))
  const xMax = Math.max(1, ...series.flatMap((s) => s.points.map(([x]) => x)))
  series.forEach((s, i) => {
    if (s.points.length === 0) return
    plot.append(
      element("polyline", {
        points: polyline(s, xMax, w, h),
        fill: "none",
        stroke: s.color,
        "stroke-width": 2
      })
    )
    for (const [x, y] of s.points.length <= 30 ? s.points : []) {
      const [cx, cy] = polyline({ ...s, points: [[x, y]], range: s.range ?? rangeOf(s) }, xMax, w, h).split(
        ","
      )
      plot.append(element("circle", { cx: cx!, cy: cy!, r: 2.5, fill: s.color }))
    }
    const last = s.points.at(-1)!
    const [lo, hi] = s.range ?? rangeOf(s)
    const side = i === 0 ? { x: -6, anchor: "end" } : { x: w + 6, anchor: "start" }
    plot.append(
      element(
        "text",
        { x: side.x, y: 10, "text-anchor": side.anchor, fill: s.color, "font-size": 11 },
        hi.toFixed(2)
      )
    )
    plot.append(
      element(
        "text",
        { x: side.x, y: h, "text-anchor": side.anchor, fill: s.color, "font-size": 11 },
        lo.toFixed(2)
      )
    )
    plot.append(
      element(
        "text",
        {
          x: i === 0 ? 4 : w - 4,
          y: h + 16,
          "text-anchor": i === 0 ? "start" : "end",
          fill: s.color,
          "font-size": 11
        },
        `${s.name}: ${last[1].toFixed(3)}`
      )
    )
  })
  plot.append(
    element(
      "text",
      { x: w / 2, y: h + 16, "text-anchor": "middle", fill: "#666", "font-size": 11 },
      `step ${xMax}`
    )
  )
  svg.append(plot)
}

const rangeOf = (s: Series): readonly [number, number] => {
  const ys = s.points.map(([, y]) => y)
  return [Math.min(...ys), Math.max(...ys)]
}
