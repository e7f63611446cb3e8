import { mkdirSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { chromium } from "playwright-core"
import { chromium as chromiumRequirement, describeRequiring } from "@addrop/conformance"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Html } from "../src/index.js"
import { sampleReport } from "./sample.js"

const CHROMIUM = chromiumRequirement()

describe("Html.render", () => {
  it("escapes every user-supplied string", () => {
    const html = Html.render(sampleReport())
    expect(html).not.toContain("<script>")
    expect(html).toContain("&lt;/pre&gt;&lt;script&gt;")
    expect(html).toContain("AD-Drop on SST-2 &lt;sample&gt;")
    expect(html).toContain("&lt;film&gt;")
  })
  it("is self-contained: no scripts, no external resources", () => {
    const html = Html.render(sampleReport())
    expect(html).not.toMatch(/<script|<link|src=|href=/i)
  })
})

// The report is checked in a real browser: Debian's Chromium, installed by scripts/setup-system.sh.
describeRequiring(CHROMIUM, "the report in headless Chromium", () => {
  let browser: Awaited<ReturnType<typeof chromium.launch>>
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM.path,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run"
      ]
    })
  })
  afterAll(async () => browser?.close())

  it("renders the curves, the epoch table and the heatmaps without errors", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } })
    const errors: Array<string> = []
    page.on("pageerror", (e) => errors.push(e.message))
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()))
    const data = sampleReport()
    await page.setContent(Html.render(data), { waitUntil: "load" })
    expect(await page.title()).toBe(data.title)
    // Loss curve: one band per epoch, coloured by phase, and two polylines with one point per step.
    expect(await page.locator("#loss-curve rect.band").count()).toBe(4)
    expect(await page.locator("#loss-curve rect.band-addrop").count()).toBe(2)
    const raw = await page.locator("#loss-curve polyline.raw").getAttribute("points")
    expect(raw!.trim().split(/\s+/)).toHaveLength(40)
    expect(await page.locator("#metric-curve circle.dot").count()).toBe(4)
    // Table: one row per epoch, the best (epoch 3) highlighted.
    expect(await page.locator("#epochs tbody tr").count()).toBe(4)
    expect(await page.locator("#epochs tr.best td").first().textContent()).toBe("3")
    // Heatmap: L×L cells, dropped ones outlined, the tokens as labels.
    expect(await page.locator("#heatmap-0 rect.cell").count()).toBe(49)
    expect(await page.locator("#heatmap-0 rect.cell.dropped").count()).toBe(
      data.heatmaps[0]!.dropped!.flat().filter((d) => d === 1).length
    )
    expect(await page.locator("#heatmap-0 text.token").allTextContents()).toContain("<film>")
    // Rendered with a real size (layout happened).
    const box = await page.locator("#loss-curve").boundingBox()
    expect(box!.width).toBeGreaterThan(300)
    expect(await page.locator(".note").textContent()).toContain("randomly initialised")
    const shot = fileURLToPath(new URL("../.screenshots/", import.meta.url))
    mkdirSync(shot, { recursive: true })
    writeFileSync(`${shot}report.png`, await page.screenshot({ fullPage: true }))
    expect(errors).toEqual([])
    await page.close()
  })
})
