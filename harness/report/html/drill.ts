// report.html: one drill on one self-contained page (no script, nothing loaded), rendered
// from journal.json alone, with the charts drawn to inline SVG when the file is written.
import type { Finding, Journal, StepRecord } from "../../drill/journal.js";
import { detectionSpec, faultWindow, timelineData, timelineSpec } from "../charts/drill-charts.js";
import { renderSvg, renderSvgSync, type ChartSpec } from "../charts/render.js";
import { esc, figure, page, secs, when } from "./page.js";
import { resourcesLine } from "../markdown.js";

export interface DrillCharts {
  timeline?: string;
  faultWindow?: string;
  detection?: string;
  /** Why the charts are missing, when rendering them failed (the page is still written). */
  error?: string;
}

/** The charts this journal has data for, in the order of DrillCharts' keys. */
export function drillChartSpecs(j: Journal): Partial<Record<keyof DrillCharts, ChartSpec>> {
  const specs: Partial<Record<keyof DrillCharts, ChartSpec>> = {};
  if (j.phases.length > 0) specs.timeline = timelineSpec(j);
  const w = faultWindow(j);
  if (w) specs.faultWindow = timelineSpec(j, w);
  const d = detectionSpec(j);
  if (d) specs.detection = d;
  return specs;
}

function withCharts(j: Journal, render: (specs: ChartSpec[]) => string[]): DrillCharts {
  const specs = drillChartSpecs(j);
  const keys = Object.keys(specs) as (keyof DrillCharts)[];
  const svgs = render(keys.map((k) => specs[k] as ChartSpec));
  const charts: DrillCharts = {};
  keys.forEach((k, i) => (charts[k] = svgs[i]));
  return charts;
}

/** report.html for a journal (synchronous, as writeRunReports is: the charts render in a child process). */
export function renderDrillHtml(j: Journal): string {
  let charts: DrillCharts;
  try {
    charts = withCharts(j, renderSvgSync);
  } catch (err) {
    charts = { error: err instanceof Error ? err.message.split("\n")[0] : String(err) };
  }
  return buildDrillHtml(j, charts);
}

/** The same in this process, for callers that can wait. */
export async function renderDrillHtmlAsync(j: Journal): Promise<string> {
  const specs = drillChartSpecs(j);
  const svgs = await Promise.all(Object.values(specs).map((s) => renderSvg(s)));
  return buildDrillHtml(j, withCharts(j, () => svgs));
}

const drillName = (j: Journal) => `${j.scenario}${j.variant ? `:${j.variant}` : ""}`;

function findingItem(f: Finding): string {
  const where = `${f.phase}${f.step ? ` step ${f.step}` : ""}`;
  return f.acknowledged
    ? `<li class="known" data-testid="finding-known"><span class="badge known">known finding</span> <code>${esc(f.id)}</code> — ${esc(where)}: ${esc(f.summary)}</li>`
    : `<li class="new" data-testid="finding-new"><span class="badge failed">NEW FINDING</span> ${esc(where)}: ${esc(f.summary)}</li>`;
}

function stepResult(j: Journal, s: StepRecord): string {
  if (s.result === "failed") {
    const mine = j.findings.filter((f) => f.phase === "runbook" && f.step === s.id);
    if (mine.length > 0 && mine.every((f) => f.acknowledged)) return `<span class="r-known">FAILED (known finding)</span>`;
    return `<span class="r-failed">FAILED</span>`;
  }
  return s.result === "passed" ? `<span class="r-passed">PASSED</span>` : `<span class="r-skipped">NOT RUN (${esc(s.mode)})</span>`;
}

const pre = (label: string, text: string | undefined) => (text && text.trim() ? `<p>${esc(label)}</p><pre>${esc(text.trimEnd())}</pre>` : "");

function stepDetails(j: Journal, s: StepRecord): string {
  const parts = [
    `<p><b>${esc(s.mode)}</b> · ${esc(s.location)}${s.exitCode !== undefined ? ` · exit ${s.exitCode}` : ""}${s.seconds !== undefined ? ` · ${secs(s.seconds)}` : ""}${s.timedOut ? " · <b>timed out</b>" : ""}</p>`,
    s.reason ? `<p>${s.mode === "adapted" ? "Adapted" : s.mode === "operator-fix" ? "<b>The operator's own fix, not in the runbook</b>" : s.mode === "manual" ? "Not run" : "Note"}: ${esc(s.reason)}</p>` : "",
    ...(s.http ?? []).map((a) => `<p data-testid="http-answer">HTTP answer (observed): ${esc(a.url)} → <b>${esc(a.statusLine ?? (a.status ? String(a.status) : `no answer (curl exit ${a.curlExit ?? "?"})`))}</b>${a.expected !== undefined ? ` (the runbook says it should return ${a.expected})` : ""}</p>`),
    resourcesLine(s) ? `<p data-testid="resources">Docker resources: ${esc(resourcesLine(s))}</p>` : "",
    ...(s.resources?.hazards ?? []).map((h) => `<p class="r-failed" data-testid="hazard">HAZARD: ${esc(h)}</p>`),
    s.failures?.length ? `<p class="r-failed">Expectation failed: ${esc(s.failures.join("; "))}</p>` : "",
    s.refusals?.length ? `<p class="r-failed">Scope guard refused: ${esc(s.refusals.join("; "))}</p>` : "",
    pre("Ran:", s.command),
    pre("stdout:", s.stdout),
    pre("stderr:", s.stderr),
  ];
  return `<details data-testid="step-${esc(s.id)}"><summary>Step ${esc(s.id)} ${esc(s.title)} — ${esc(s.mode)}, ${stepResult(j, s)}</summary>${parts.join("")}</details>`;
}

function differences(j: Journal): string[] {
  const out: string[] = [];
  // The declared provisions (provisions.ts), each with the steps that relied on it.
  for (const p of j.provisions ?? []) {
    out.push(
      `<span data-testid="provision">${esc(p.provision)}</span>. <i>Production:</i> ${esc(p.production)}. <i>Why:</i> ${esc(p.why)}. ` +
        (p.reliedOnBy.length ? `<b>Relied on by ${esc(p.reliedOnBy.join(", "))}</b>${p.evidence ? ` (${esc(p.evidence)})` : ""}.` : "No step of this run relied on it."),
    );
  }
  if (j.provisions) {
    for (const s of j.steps.filter((x) => x.mode === "adapted" || x.mode === "operator-fix")) out.push(`Step ${esc(s.id)} ran ${s.mode === "adapted" ? "an adapted equivalent" : "the operator's own fix"}: ${esc(s.reason ?? "")}`);
    for (const s of j.steps.filter((x) => x.mode === "manual")) out.push(`Step ${esc(s.id)} was not run (manual): ${esc(s.reason ?? "")}`);
    return out;
  }
  // Journals written before provisions were declared: what they recorded.
  if (j.timing) {
    out.push(
      `Prometheus scrapes every ${j.timing.scrapeIntervalSeconds} s and evaluates every ${j.timing.evaluationIntervalSeconds} s; the alert's <code>for</code> is ${j.timing.alertForSeconds} s` +
        (j.timing.productionAlertFor ? ` (production: <code>for: ${esc(j.timing.productionAlertFor)}</code>)` : "") +
        ", so detection is faster than in production.",
    );
  }
  const standIns = j.implementations.filter((i) => i.standIn);
  if (standIns.length) out.push(`Stand-ins serve ${standIns.map((i) => `<b>${esc(i.service)}</b>`).join(", ")} (see Implementations): they speak the same API but are not the production software.`);
  for (const l of j.leftOut) out.push(`<b>${esc(l.service)}</b> is not in the drill's stack: ${esc(l.reason)}.`);
  for (const s of j.steps.filter((x) => x.mode === "adapted")) out.push(`Step ${esc(s.id)} ran an adapted equivalent: ${esc(s.reason ?? "")}`);
  for (const s of j.steps.filter((x) => x.mode === "manual")) out.push(`Step ${esc(s.id)} was not run (manual): ${esc(s.reason ?? "")}`);
  return out;
}

export function buildDrillHtml(j: Journal, charts: DrillCharts): string {
  const name = drillName(j);
  const b: string[] = [];
  const known = j.findings.filter((f) => f.acknowledged);
  const fresh = j.findings.filter((f) => !f.acknowledged);

  b.push(
    `<header><h1 data-testid="title">DR drill: ${esc(name)} <span class="badge ${esc(j.status)}" data-testid="status">gate ${esc(j.status.toUpperCase())}</span></h1>`,
    // The runbook's verdict beside the gate's, never folded into one word.
    ...(j.runbookVerdict ? [`<p data-testid="runbook-verdict"><b>Runbook verdict:</b> ${esc(j.runbookVerdict.summary)}</p>`] : []),
    `<p class="sub">${esc(j.title ?? "")}${j.title ? " · " : ""}runbook <code>${esc(j.runbook.file)}</code> section ${j.runbook.section}${j.runbook.title ? ` (${esc(j.runbook.title)})` : ""}</p></header>`,
  );
  if (j.reason) b.push(`<p><b>Not run:</b> ${esc(j.reason)}</p>`);
  const d = j.detection;
  b.push(
    `<table class="facts" data-testid="summary">`,
    `<tr><th>Result</th><td>${esc(j.status)}: ${fresh.length} new finding(s), ${known.length} known finding(s)</td></tr>`,
    `<tr><th>Runbook revision</th><td><code>${esc(j.runbook.revision)}</code></td></tr>`,
    ...(j.runbook.sectionSha256 ? [`<tr><th>Section text SHA-256</th><td><code>${esc(j.runbook.sectionSha256)}</code></td></tr>`] : []),
    `<tr><th>Scenario</th><td><code>${esc(j.scenarioSource)}</code></td></tr>`,
    `<tr><th>Started / ended</th><td>${when(j.startedAt)} / ${when(j.endedAt)}</td></tr>`,
    `<tr><th>Profile</th><td>${esc(j.profile ?? "—")}${j.profileReason ? ` (${esc(j.profileReason)})` : ""}</td></tr>`,
    `<tr><th>Fault</th><td>${j.fault ? `<code>${esc(j.fault.kind)}</code> ${esc(j.fault.detail ?? "")}` : "—"}</td></tr>`,
    `<tr><th>Time to detect</th><td>${d.secondsToDetect !== undefined ? `${secs(d.secondsToDetect)}${d.lowerBoundSeconds !== undefined ? ` (the rule's bound, scrape + evaluation + for: ${d.lowerBoundSeconds} s)` : " (no alert rule, so no bound)"}` : "not detected"}</td></tr>`,
    `<tr><th>Time to notify</th><td>${j.notification?.secondsToNotify !== undefined ? `${secs(j.notification.secondsToNotify)} after firing (${esc(j.notification.receiver)})` : "—"}</td></tr>`,
    `<tr><th>Time to recover</th><td>${j.recovery.secondsToRecover !== undefined ? `${secs(j.recovery.secondsToRecover)} after the fault` : "not recovered"}</td></tr>`,
    `</table>`,
  );

  b.push(`<section data-testid="findings"><h2>Findings</h2>`);
  if (j.findings.length === 0 && !j.intermittentNotSeen?.length) b.push(`<p>None.</p>`);
  b.push(`<ul class="findings">`, ...fresh.map(findingItem), ...known.map(findingItem));
  for (const n of j.intermittentNotSeen ?? []) b.push(`<li class="notseen"><span class="badge skipped">known, not seen this run</span> <code>${esc(n.id)}</code>: ${esc(n.summary)}</li>`);
  b.push(`</ul></section>`);

  b.push(`<section data-testid="timeline"><h2>Timeline</h2>`);
  if (charts.error) b.push(`<p class="r-failed">The charts could not be drawn: ${esc(charts.error)}. The tables below come from the journal.</p>`);
  b.push(figure(charts.timeline, "The whole drill: phases and runbook steps as bars coloured by result, the drill's events as diamonds.", "chart-timeline"));
  b.push(figure(charts.faultWindow, "From the fault to the alert resolving, enlarged.", "chart-fault-window"));
  if (!charts.timeline && !charts.error) b.push(`<p class="note">No phases recorded.</p>`);
  const { bars, marks } = timelineData(j);
  const rows = [...bars.map((x) => ({ at: x.start, what: `${x.lane}: ${x.label}, ${x.status}${x.end !== x.start ? ` until ${when(x.end)}` : ""}` })), ...marks.map((x) => ({ at: x.at, what: x.label }))].sort((x, y) => x.at.localeCompare(y.at));
  if (rows.length) b.push(`<details data-testid="timeline-table"><summary>The timeline as a table</summary><table><tr><th>time (UTC)</th><th>event</th></tr>${rows.map((r) => `<tr><td>${when(r.at)}</td><td>${esc(r.what)}</td></tr>`).join("")}</table></details>`);
  b.push(`</section>`);

  b.push(`<section data-testid="detection"><h2>Detection</h2>`);
  const detectRan = j.phases.some((p) => p.name === "detect");
  b.push(
    d.query
      ? `<p>${d.alert ? `Alert <code>${esc(d.alert)}</code>, the runbook's Detection query:` : "The runbook's detection:"}</p><pre data-testid="query">${esc(d.query)}</pre>`
      : detectRan
        ? `<p>No machine-checkable detection in this section.</p>`
        : `<p>Detection did not run: the drill stopped before the fault (see Findings).</p>`,
  );
  if (d.inactiveBeforeFault !== undefined) b.push(`<p>Inactive before the fault: <b>${d.inactiveBeforeFault ? "yes" : "NO"}</b>. Pending ${when(d.pendingAt)}, firing ${when(d.firedAt)}.</p>`);
  if (charts.detection && d.range) {
    b.push(figure(charts.detection, `Prometheus range query of ${d.range.expr} every ${d.range.stepSeconds} s from ${when(d.range.start)} to ${when(d.range.end)}, taken before teardown${d.range.threshold ? `; the dashed red line is the alert's threshold (${d.range.threshold.op} ${d.range.threshold.value})` : ""}.`, "chart-detection"));
  } else if (d.range?.error) b.push(`<p class="note">The query's values could not be sampled: ${esc(d.range.error)}</p>`);
  else if (d.range) b.push(`<p class="note">Prometheus returned no samples for <code>${esc(d.range.expr)}</code> during the drill.</p>`);
  else if (d.query) b.push(`<p class="note">This journal has no samples of the query (recorded before the drill kept them, or the fault was never injected).</p>`);
  if (d.prose?.length) {
    b.push(`<h3>The Detection as written, checked as a person would</h3><ul>`);
    for (const p of d.prose) b.push(`<li data-testid="prose-detection"><span class="${p.observedAt ? "r-passed" : "r-failed"}">${p.observedAt ? `observable ${secs(p.secondsAfterFault)} after the fault` : "NOT observed"}</span>: “${esc(p.says)}” — ${esc(p.how)}; ${esc(p.detail)}</li>`);
    b.push(`</ul>`);
  }
  if (j.symptoms.length) {
    b.push(`<h3>Symptoms</h3><ul>`);
    for (const c of j.symptoms) b.push(`<li><span class="${c.passed ? "r-passed" : "r-failed"}">${c.passed ? "observed" : "NOT observed"}</span>: ${esc(c.check)} — ${esc(c.detail)}</li>`);
    b.push(`</ul>`);
  }
  b.push(`</section>`);

  if (j.load) {
    const ms = (...v: (number | undefined)[]) => v.map((x) => (x === undefined ? "—" : String(x))).join(" / ");
    b.push(`<section data-testid="load"><h2>Load during the drill</h2><p>${esc(j.load.description)}.</p>`);
    b.push(`<table><tr><th>window</th><th>from – to</th><th>requests</th><th>errors</th><th>p50 / p95 / p99 ms (load generator)</th><th>p50 / p95 / p99 ms (Prometheus)</th></tr>`);
    for (const w of j.load.windows) {
      const p = w.prometheus;
      b.push(`<tr><td>${esc(w.window)}</td><td>${when(w.from)} – ${when(w.to)}</td><td>${w.requests}</td><td>${w.errors}</td><td>${ms(w.p50, w.p95, w.p99)}</td><td>${p ? ms(p.p50, p.p95, p.p99) : "—"}</td></tr>`);
    }
    b.push(`</table></section>`);
  }

  b.push(`<section data-testid="steps"><h2>Runbook steps</h2>`);
  if (j.steps.length === 0) b.push(`<p>No runbook step ran.</p>`);
  else {
    b.push(`<table><tr><th>step</th><th>mode</th><th>result</th><th>exit</th><th>duration</th></tr>`);
    for (const s of j.steps) b.push(`<tr><td>${esc(s.id)} ${esc(s.title)}</td><td>${esc(s.mode)}</td><td>${stepResult(j, s)}${s.httpErrors?.length ? ` <span class="r-failed">HTTP: ${esc(s.httpErrors.join(", "))}</span>` : ""}${s.resources?.hazards?.length ? ` <span class="r-failed">HAZARD</span>` : ""}</td><td>${s.exitCode ?? "—"}</td><td>${secs(s.seconds)}</td></tr>`);
    for (const s of j.stepsNotRun ?? []) b.push(`<tr data-testid="step-not-run"><td>${esc(s.id)} ${esc(s.title)}</td><td>—</td><td><span class="r-skipped">NOT RUN: ${esc(s.reason)}</span></td><td>—</td><td>—</td></tr>`);
    b.push(`</table>`, ...j.steps.map((s) => stepDetails(j, s)));
  }
  b.push(`</section>`);

  b.push(`<section data-testid="recovery"><h2>Recovery and integrity</h2><ul>`);
  for (const c of j.recovery.checks) b.push(`<li><span class="${c.passed ? "r-passed" : "r-failed"}">${c.passed ? "✔" : "✘"}</span> ${esc(c.check)} — ${esc(c.detail)}</li>`);
  for (const c of j.integrity) b.push(`<li data-testid="integrity"><span class="${c.passed ? "r-passed" : "r-failed"}">${c.passed ? "✔" : "✘"}</span> integrity <b>${esc(c.check)}</b> — ${esc(c.detail)}</li>`);
  if (j.recoveryPoint) b.push(`<li>recovery point: last backup ${when(j.recoveryPoint.lastBackupAt)}, ${j.recoveryPoint.rowsWrittenSinceBackup} rows written since, ${j.recoveryPoint.rowsLost} rows lost</li>`);
  if (!j.recovery.checks.length && !j.integrity.length) b.push(`<li>No recovery or integrity check ran.</li>`);
  b.push(`</ul></section>`);

  const diffs = differences(j);
  b.push(`<section data-testid="differences"><h2>Where this drill differs from production</h2>`, diffs.length ? `<ul>${diffs.map((x) => `<li>${x}</li>`).join("")}</ul>` : `<p>Nothing recorded.</p>`, `</section>`);

  b.push(`<section data-testid="implementations"><h2>Implementations</h2>`);
  if (j.implementations.length === 0 && j.leftOut.length === 0) b.push(`<p>None recorded: the drill's stack did not come up.</p>`);
  else b.push(`<table><tr><th>service</th><th>implementation</th><th>image</th><th>digest</th></tr>`);
  for (const i of j.implementations) {
    b.push(`<tr${i.standIn ? ` data-testid="stand-in"` : ""}><td>${esc(i.service)}</td><td>${i.standIn ? `<span class="badge standin">STAND-IN</span> ` : ""}${esc(i.note)}</td><td><code>${esc(i.image)}</code></td><td><code>${esc(i.digest)}</code></td></tr>`);
  }
  for (const l of j.leftOut) b.push(`<tr><td>${esc(l.service)}</td><td>left out: ${esc(l.reason)}</td><td>—</td><td>—</td></tr>`);
  if (j.implementations.length || j.leftOut.length) b.push(`</table>`);
  if (j.engine) b.push(`<p>Docker engine ${esc(j.engine.serverVersion)} (API ${esc(j.engine.apiVersion)}), Compose ${esc(j.engine.compose)}.</p>`);
  if (j.teardown) b.push(`<p>Teardown: ${secs(j.teardown.seconds)}, ${j.teardown.leftBehind} resources left behind.</p>`);
  b.push(`</section>`);

  return page(`DR drill ${name}: ${j.status.toUpperCase()}`, b.join("\n"));
}
