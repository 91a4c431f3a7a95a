// What the HTML reports share: escaping (journal text holds command output, so every
// string is escaped), the page shell with its inline stylesheet, and small helpers. The
// pages carry no script and load nothing: a Content-Security-Policy says so to the browser.

export const esc = (s: unknown): string =>
  String(s ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");

/** An ISO timestamp as `YYYY-MM-DD HH:MM:SSZ`. */
export const when = (iso?: string): string => (iso ? iso.replace("T", " ").replace(/\.\d+Z$/, "Z") : "—");
export const secs = (n?: number, digits = 1): string => (n === undefined ? "—" : `${n.toFixed(digits)} s`);

/** An SVG that Vega rendered from our own spec, placed as-is; everything else is escaped. */
export const figure = (svg: string | undefined, caption: string, testId: string): string =>
  svg ? `<figure class="chart" data-testid="${esc(testId)}">${svg}<figcaption>${esc(caption)}</figcaption></figure>` : "";

const css = `
:root { --ok:#2e7d32; --bad:#c62828; --known:#b26a00; --skip:#757575; --ink:#1b1b1b; --muted:#5f6368; --line:#dadce0; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 24px 28px 60px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; } h3 { font-size: 15px; margin: 16px 0 6px; }
.sub { color: var(--muted); margin: 0 0 12px; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 12px; color: #fff; font-weight: 600; font-size: 0.85em; vertical-align: middle; }
.badge.passed { background: var(--ok); } .badge.failed { background: var(--bad); } .badge.not-run, .badge.skipped { background: var(--skip); } .badge.known { background: var(--known); } .badge.standin { background: #6a1b9a; }
.r-passed { color: var(--ok); font-weight: 600; } .r-failed { color: var(--bad); font-weight: 600; } .r-skipped { color: var(--skip); font-weight: 600; } .r-known { color: var(--known); font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; } th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; } th { background: #f6f8fa; font-weight: 600; }
table.facts th { width: 200px; }
code, pre { font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, monospace; } pre { background: #f6f8fa; border: 1px solid var(--line); padding: 8px; overflow-x: auto; white-space: pre-wrap; word-break: break-word; max-height: 480px; overflow-y: auto; }
details { border: 1px solid var(--line); border-radius: 4px; margin: 6px 0; padding: 4px 10px; } details > summary { cursor: pointer; font-weight: 600; }
ul.findings { padding-left: 0; list-style: none; } ul.findings li { padding: 6px 10px; margin: 4px 0; border-left: 4px solid var(--line); background: #fafafa; }
ul.findings li.new { border-left-color: var(--bad); } ul.findings li.known { border-left-color: var(--known); } ul.findings li.notseen { border-left-color: var(--skip); }
figure.chart { margin: 8px 0 16px; overflow-x: auto; } figure.chart svg { max-width: 100%; height: auto; } figcaption { color: var(--muted); font-size: 12px; }
.note { color: var(--muted); }
.page { break-before: page; }
@media print { body { max-width: none; padding: 0; } details { break-inside: avoid; } pre { max-height: none; } }
`;

export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>${css}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
