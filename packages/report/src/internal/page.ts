/**
 * What the report pages share: escaping and the stylesheet (inline, so that every page is self-contained).
 */

/** Escapes text for HTML element content and attribute values. */
export const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!
  )

/** The background colours of the two phases. */
export const PHASE_COLOR = { ft: "#e8eef7", addrop: "#fdebd3" } as const

/** The stylesheet of every report page. */
export const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2433;background:#f7f8fa}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}
.facts{color:#58607a;margin:0 0 12px}.facts span{margin-right:14px}
.note{background:#fff7e0;border:1px solid #f0d48a;border-radius:6px;padding:8px 12px;margin:8px 0}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{background:#fff;border:1px solid #e1e5ee;border-radius:8px;padding:12px 16px;min-width:150px}
.card b{display:block;font-size:22px}.card small{color:#58607a}
.chart{background:#fff;border:1px solid #e1e5ee;border-radius:8px;width:100%;max-width:640px;height:auto}
.axis{stroke:#8a93a8}.grid{stroke:#eef0f5}.tick{font-size:10px;fill:#58607a}.label{font-size:11px;fill:#3a4257}
.raw{fill:none;stroke:#9fb3d9;stroke-width:1}.smooth{fill:none;stroke:#1f4fb4;stroke-width:2}
.metric{fill:none;stroke:#b4471f;stroke-width:2}.dot{fill:#b4471f}
.legend span{display:inline-block;margin-right:14px}.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-2px;margin-right:4px;border:1px solid #ccd}
table{border-collapse:collapse;background:#fff;border:1px solid #e1e5ee}caption{text-align:left;color:#58607a;padding:4px 0}
th,td{padding:6px 10px;border-bottom:1px solid #eef0f5;text-align:right}th:nth-child(2),td:nth-child(2){text-align:left}
tr.best td{background:#eaf6ea;font-weight:600}
.pill{border-radius:10px;padding:1px 8px;font-size:12px}.pill-ft{background:${PHASE_COLOR.ft}}.pill-addrop{background:${PHASE_COLOR.addrop}}
.heatmaps{display:flex;flex-wrap:wrap;gap:16px}.heatmap{background:#fff;border:1px solid #e1e5ee;border-radius:8px;padding:8px;margin:0}
.heatmap figcaption{max-width:420px;color:#58607a;font-size:12px}.token{font-size:10px;fill:#3a4257}
.cell.dropped{stroke:#111;stroke-width:1.5}
pre{background:#fff;border:1px solid #e1e5ee;border-radius:8px;padding:12px;overflow:auto}
`
