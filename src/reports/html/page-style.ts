/**
 * The HTML report's stylesheet, inlined into the page (nothing is fetched).
 * Print: A4 landscape, and a section with a chart is never split across pages.
 */
export const PAGE_CSS = `
:root { color-scheme: light; --ink: #1d2330; --muted: #5b6475; --rule: #d9dde5; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1040px; padding: 24px 32px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 0 0 8px; }
h3 { font-size: 15px; margin: 0 0 6px; color: var(--accent); }
section { margin: 28px 0; }
.meta { color: var(--muted); margin: 0 0 8px; }
.note { color: var(--muted); font-size: 13px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--rule); border-radius: 6px; padding: 12px 14px; }
.figure { display: grid; grid-template-columns: 1fr auto; column-gap: 12px; padding: 3px 0; border-bottom: 1px dotted var(--rule); }
.figure .label { color: var(--muted); }
.figure .value { font-variant-numeric: tabular-nums; font-weight: 600; text-align: right; }
.figure .count { grid-column: 2; text-align: right; color: var(--muted); font-size: 12px; }
.change { font-size: 12px; color: var(--muted); margin: 6px 0 0; }
svg { max-width: 100%; height: auto; display: block; }
table { border-collapse: collapse; width: 100%; font-size: 12px; }
th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--rule); vertical-align: top; }
th { background: #f3f5f8; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.when { white-space: nowrap; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  .keep, .chart, .card { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
}
`;
