// The monthly DR evidence report as one offline HTML page (printed to PDF by pdf.ts):
// each part starts a new printed page.
import type { ChartSpec } from "../charts/render.js";
import { renderSvg } from "../charts/render.js";
import { esc, figure, page, secs, when } from "../html/page.js";
import type { Evidence } from "./model.js";

const day = (iso: string) => iso.slice(0, 10);

/** Seconds per drill run over the period, one line per drill; undefined when no run has the figure. */
export function timingSpec(e: Evidence, which: "detect" | "recover"): ChartSpec | undefined {
  const values = e.timings.filter((t) => t[which] !== undefined).map((t) => ({ drill: t.drill, at: t.at, seconds: t[which], status: t.status }));
  if (values.length === 0) return undefined;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: 720,
    height: 240,
    data: { values },
    mark: { type: "line", point: { size: 60, filled: true } },
    encoding: {
      x: { field: "at", type: "temporal", scale: { type: "utc", domain: [e.period.since.toISOString(), e.period.until.toISOString()] }, title: "drill started (UTC)", axis: { format: "%m-%d" } },
      y: { field: "seconds", type: "quantitative", title: which === "detect" ? "time to detect (s)" : "time to recover (s)", scale: { zero: true } },
      color: { field: "drill", type: "nominal", legend: { orient: "bottom", title: "drill", columns: 3, labelLimit: 300 } },
      tooltip: [{ field: "drill" }, { field: "at", type: "temporal" }, { field: "seconds" }, { field: "status" }],
    },
    config: { font: "sans-serif" },
  };
}

export async function renderEvidenceHtml(e: Evidence): Promise<string> {
  const detect = timingSpec(e, "detect");
  const recover = timingSpec(e, "recover");
  return buildEvidenceHtml(e, { detect: detect && (await renderSvg(detect)), recover: recover && (await renderSvg(recover)) });
}

export function buildEvidenceHtml(e: Evidence, charts: { detect?: string; recover?: string }): string {
  const b: string[] = [];
  const t = e.totals;
  const period = `${when(e.period.since.toISOString())} to ${when(e.period.until.toISOString())}`;
  b.push(
    `<header><h1 data-testid="title">DR evidence: runbook drills, ${esc(day(e.period.since.toISOString()))} to ${esc(day(e.period.until.toISOString()))}</h1>`,
    `<p class="sub">Period ${esc(period)} · generated ${esc(when(e.generatedAt))} from ${t.runs} journal(s) under <code>${esc(e.from)}</code></p></header>`,
    `<table class="facts" data-testid="totals"><tr><th>Drill runs</th><td>${t.runs} runs of ${t.drills} drill(s): <span class="r-passed">${t.passed} passed</span>, <span class="r-failed">${t.failed} failed</span>, <span class="r-skipped">${t.notRun} not run</span></td></tr>`,
    `<tr><th>Runbook sections drilled</th><td>${e.coverage.filter((c) => c.runs > 0).length} of ${e.coverage.filter((c) => c.drillable).length} drillable section(s)</td></tr>`,
    `<tr><th>Open findings</th><td>${e.openFindings.filter((f) => !f.known).length} new, ${e.openFindings.filter((f) => f.known).length} known</td></tr></table>`,
  );

  b.push(`<section data-testid="coverage"><h2>Coverage: runbook sections by last drill</h2>`);
  for (const file of [...new Set(e.coverage.map((c) => c.file))]) {
    b.push(`<h3>Runbook <code>${esc(file)}</code></h3>`);
    b.push(`<table><tr><th>section</th><th>drills in the period</th><th>runs</th><th>last drilled</th><th>last result</th></tr>`);
    for (const c of e.coverage.filter((x) => x.file === file)) {
      const result = c.last
        ? `<span class="r-${c.last.status === "not-run" ? "skipped" : esc(c.last.status)}">${esc(c.last.status.toUpperCase())}</span> <span class="note">(${esc(c.last.drill)})</span>`
        : c.drillable
          ? `<span class="r-failed" data-testid="undrilled">NOT DRILLED in this period</span>`
          : `<span class="note">not a drillable section</span>`;
      b.push(`<tr data-testid="coverage-row"><td>${c.section ?? "—"} ${esc(c.title)}</td><td>${c.drills.map(esc).join(", ") || "—"}</td><td>${c.runs}</td><td>${c.last ? esc(when(c.last.at)) : "—"}</td><td>${result}</td></tr>`);
    }
    b.push(`</table>`);
  }
  b.push(`</section>`);

  b.push(`<section class="page" data-testid="timings"><h2>Time to detect and time to recover, per drill</h2>`);
  b.push(figure(charts.detect, "Seconds from the fault to the alert firing (or the runbook's detection showing it), per run.", "chart-detect"));
  if (!charts.detect) b.push(`<p class="note">No run in the period detected its fault.</p>`);
  b.push(figure(charts.recover, "Seconds from the fault until every recovery check held, per run.", "chart-recover"));
  if (!charts.recover) b.push(`<p class="note">No run in the period recovered.</p>`);
  b.push(`<table><tr><th>drill</th><th>started</th><th>result</th><th>time to detect</th><th>rule's bound</th><th>time to recover</th></tr>`);
  for (const r of e.timings) b.push(`<tr><td>${esc(r.drill)}</td><td>${esc(when(r.at))}</td><td>${esc(r.status)}</td><td>${secs(r.detect)}</td><td>${r.detectBound !== undefined ? `${r.detectBound} s` : "—"}</td><td>${secs(r.recover)}</td></tr>`);
  b.push(`</table></section>`);

  b.push(`<section class="page" data-testid="failures"><h2>Failures</h2>`);
  if (e.failures.length === 0) b.push(`<p>No drill failed in the period.</p>`);
  else {
    b.push(`<table><tr><th>started</th><th>drill</th><th>phase</th><th>step</th><th>what failed</th><th>journal</th></tr>`);
    for (const f of e.failures) b.push(`<tr data-testid="failure"><td>${esc(when(f.at))}</td><td>${esc(f.drill)}</td><td>${esc(f.phase)}</td><td>${esc(f.step ?? "—")}</td><td>${esc(f.summary)}</td><td><code>${esc(f.path)}</code></td></tr>`);
    b.push(`</table>`);
  }
  b.push(`</section>`);

  b.push(`<section class="page" data-testid="open-findings"><h2>Runbook findings still open</h2>`);
  b.push(`<p class="note">Findings of each drill's latest run in the period; first seen is the earliest gathered run with the same finding.</p>`);
  if (e.openFindings.length === 0) b.push(`<p>None.</p>`);
  else {
    b.push(`<table><tr><th>first seen</th><th>drill</th><th>finding</th><th>where</th><th>summary</th></tr>`);
    for (const f of e.openFindings) {
      b.push(`<tr data-testid="open-finding"><td>${esc(when(f.firstSeen))}</td><td>${esc(f.drill)}</td><td>${f.known ? `<span class="badge known">known</span>` : `<span class="badge failed">new</span>`} <code>${esc(f.id)}</code></td><td>${esc(f.phase)}${f.step ? ` step ${esc(f.step)}` : ""}</td><td>${esc(f.summary)}</td></tr>`);
    }
    b.push(`</table>`);
  }
  b.push(`</section>`);

  b.push(`<section class="page" data-testid="stand-ins"><h2>Drills that ran on stand-ins</h2>`);
  b.push(`<p class="note">A stand-in speaks the production service's API but is not the production software; a drill on one shows the runbook against the API, not against that software.</p>`);
  b.push(`<table><tr><th>drill</th><th>profile</th><th>runs on stand-ins</th><th>stand-in services</th></tr>`);
  for (const s of e.standIns) b.push(`<tr><td>${esc(s.drill)}</td><td>${esc(s.profiles.join(", ") || "—")}</td><td>${s.onStandIns} of ${s.runs}</td><td>${s.services.length ? s.services.map((x) => `<span class="badge standin">${esc(x)}</span>`).join(" ") : "none"}</td></tr>`);
  b.push(`</table></section>`);

  b.push(`<section class="page" data-testid="manifest"><h2>Manifest of the journals included (SHA-256)</h2>`);
  b.push(`<p class="note">The same list is written as <code>SHA256SUMS</code> beside this report; <code>sha256sum -c SHA256SUMS</code> run in <code>${esc(e.from)}</code> checks that no journal changed since.</p>`);
  b.push(`<table><tr><th>journal</th><th>SHA-256</th><th>bytes</th></tr>`);
  for (const g of e.journals) b.push(`<tr data-testid="manifest-row"><td><code>${esc(g.path)}</code></td><td><code>${esc(g.sha256)}</code></td><td>${g.bytes}</td></tr>`);
  b.push(`</table></section>`);

  return page(`DR evidence ${day(e.period.since.toISOString())} to ${day(e.period.until.toISOString())}`, b.join("\n"));
}
