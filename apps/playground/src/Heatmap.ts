/**
 * The attribution heatmap of an {@link Inspect.Inspection}: one square per layer and head (rows: layers,
 * columns: heads), each query row × key column coloured by its attribution (scaled by the row's largest
 * magnitude, as AD-Drop ranks each row on its own: orange positive, blue negative), and the cells AD-Drop would
 * drop crossed out in black.
 *
 * @since 0.1.0
 */
import type { Inspection } from "./Inspect.js"

/**
 * The colour of an attribution value scaled to [−1, 1]: white at 0, orange towards 1, blue towards −1.
 *
 * @since 0.1.0
 * @category colours
 */
export const color = (scaled: number): string => {
  const t = Math.min(1, Math.abs(scaled))
  const [r, g, b] = scaled >= 0 ? [230, 110, 20] : [40, 100, 200]
  const mix = (c: number) => Math.round(255 + (c - 255) * t)
  return `rgb(${mix(r)},${mix(g)},${mix(b)})`
}

/**
 * The largest magnitude of the `length` values of a row starting at `offset` (1 when they are all zeros).
 *
 * @since 0.1.0
 * @category colours
 */
export const scale = (map: Float32Array, offset: number, length: number): number => {
  let max = 0
  for (let i = offset; i < offset + length; i++) max = Math.max(max, Math.abs(map[i]!))
  return max === 0 ? 1 : max
}

/**
 * Draws the heatmap on `canvas` (resized to fit); returns the count of cells drawn as dropped.
 *
 * @since 0.1.0
 * @category drawing
 */
export const draw = (canvas: HTMLCanvasElement, inspection: Inspection): number => {
  const length = inspection.tokens.length
  const cell = Math.max(6, Math.min(18, Math.floor(220 / length)))
  const label = 90
  const gap = 40
  const side = cell * length
  const cols = inspection.heads
  const rows = inspection.layers.length
  canvas.width = label + cols * (side + gap)
  canvas.height = gap + rows * (side + gap + label / 3)
  const ctx = canvas.getContext("2d")!
  ctx.fillStyle = "#fff"
  ctx.fillRect(0, 0, canvas.width, canvas.height)
  ctx.font = "11px sans-serif"
  let droppedCells = 0
  inspection.layers.forEach((layer, row) => {
    const map = inspection.attribution.get(layer)!
    const dropped = inspection.dropped.get(layer)
    const top = gap + row * (side + gap + label / 3)
    ctx.fillStyle = "#333"
    ctx.fillText(`layer ${layer}${dropped ? " (AD-Drop)" : ""}`, 4, top - 22)
    for (let head = 0; head < cols; head++) {
      const left = label + head * (side + gap)
      ctx.fillStyle = "#333"
      ctx.fillText(`head ${head}`, left, top - 4)
      for (let q = 0; q < length; q++) {
        const s = scale(map, (head * length + q) * length, length)
        for (let k = 0; k < length; k++) {
          const index = head * length * length + q * length + k
          ctx.fillStyle = color(map[index]! / s)
          ctx.fillRect(left + k * cell, top + q * cell, cell, cell)
          if (dropped !== undefined && dropped[index]! > 0.5) {
            droppedCells++
            ctx.strokeStyle = "#000"
            ctx.lineWidth = 1
            ctx.beginPath()
            ctx.moveTo(left + k * cell + 1, top + q * cell + 1)
            ctx.lineTo(left + (k + 1) * cell - 1, top + (q + 1) * cell - 1)
            ctx.moveTo(left + (k + 1) * cell - 1, top + q * cell + 1)
            ctx.lineTo(left + k * cell + 1, top + (q + 1) * cell - 1)
            ctx.stroke()
          }
        }
      }
      ctx.strokeStyle = "#999"
      ctx.strokeRect(left, top, side, side)
    }
    // Tokens along the first map's rows, so that a cell can be read as (query token, key token).
    ctx.fillStyle = "#555"
    ctx.font = `${Math.min(11, cell)}px monospace`
    inspection.tokens.forEach((token, i) => {
      ctx.fillText(token.slice(0, 12), 4, top + i * cell + cell * 0.8)
    })
    ctx.font = "11px sans-serif"
  })
  return droppedCells
}
