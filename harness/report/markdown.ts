// The human report, rendered from journal.json alone: what an auditor reads.
import type { Journal, StepRecord } from "../drill/journal.js";
import type { LoadRecord } from "../drill/load.js";

const fence = (s: string) => "```\n" + s.replace(/```/g, "ʼʼʼ").trimEnd() + "\n```";
const tail = (s: string | undefined, n = 40) => (s ?? "").trimEnd().split("\n").slice(-n).join("\n");
const t = (iso?: string) => (iso ? iso.replace("T", " ").replace(/\.\d+Z$/, "Z") : "—");

export function renderMarkdown(j: Journal): string {
  const out: string[] = [];
  const name = `${j.scenario}${j.variant ? `:${j.variant}` : ""}`;
  // Two verdicts: the gate's (no new finding) and the runbook's (detected? recovered? data?).
  out.push(`# DR drill: ${name} — gate ${j.status.toUpperCase()}`, "");
  if (j.runbookVerdict) out.push(`**Runbook verdict:** ${j.runbookVerdict.summary}.`, "");
  out.push(
    `The gate ${j.status === "passed" ? "passed: every failure in this run is a known finding, so the runbook did not regress" : j.status === "failed" ? "failed: a new finding (below), or a known one that no longer happens" : "did not run"}; ` +
      "it says nothing about whether the runbook works: the runbook verdict does.",
    "",
  );
  if (j.reason) out.push(`**Not run:** ${j.reason}`, "");
  out.push(
    "| | |",
    "|---|---|",
    `| Runbook | \`${j.runbook.file}\` section ${j.runbook.section}${j.runbook.title ? ` (${j.runbook.title})` : ""} at revision \`${j.runbook.revision}\`${j.runbook.sectionSha256 ? `; section text SHA-256 \`${j.runbook.sectionSha256.slice(0, 16)}…\`` : ""} |`,
    `| Scenario | \`${j.scenarioSource}\` |`,
    `| Started / ended | ${t(j.startedAt)} / ${t(j.endedAt)} |`,
    `| Profile | ${j.profile ?? "—"} (${j.profileReason ?? ""}) |`,
    `| Fault | ${j.fault ? `${j.fault.kind}: ${j.fault.detail ?? ""}` : "—"} |`,
    `| Time to detect | ${j.detection.secondsToDetect !== undefined ? `${j.detection.secondsToDetect.toFixed(1)} s${j.detection.lowerBoundSeconds !== undefined ? ` (the rule's bound, scrape + evaluation + for: ${j.detection.lowerBoundSeconds} s)` : " (no alert rule, so no bound)"}` : "not detected"} |`,
    `| Time to notify | ${j.notification?.secondsToNotify !== undefined ? `${j.notification.secondsToNotify.toFixed(1)} s after firing` : "—"} |`,
    `| Time to recover | ${j.recovery.secondsToRecover !== undefined ? `${j.recovery.secondsToRecover.toFixed(1)} s after the fault` : "not recovered"} |`,
    "",
  );
  if (j.timing) {
    out.push(
      `Drill timing: scrape ${j.timing.scrapeIntervalSeconds} s, evaluation ${j.timing.evaluationIntervalSeconds} s, alert \`for\` ${j.timing.alertForSeconds} s` +
        (j.timing.productionAlertFor ? ` (production rule: \`for: ${j.timing.productionAlertFor}\`)` : "") + ".",
      "",
    );
  }

  out.push("## Findings", "");
  if (j.findings.length === 0) out.push("None.", "");
  for (const f of j.findings) {
    out.push(`- ${f.acknowledged ? "**Known finding** (declared in the scenario)" : "**FINDING**"} — ${f.phase}${f.step ? ` step ${f.step}` : ""}: ${f.summary}`);
  }
  for (const n of j.intermittentNotSeen ?? []) out.push(`- Intermittent known finding **not seen in this run**: ${n.id} — ${n.summary}`);
  for (const l of j.teardown?.left ?? []) out.push(`- Left behind by teardown: ${l.kind} ${l.name} (${l.reason})`);
  out.push("");

  out.push("## Timeline", "", "| time (UTC) | event |", "|---|---|");
  const events: [string, string][] = [];
  // A phase is listed when it ended, with its outcome.
  for (const p of j.phases) events.push([p.endedAt ?? p.startedAt, `phase **${p.name}** ${p.status}${p.detail ? `: ${p.detail.split("\n")[0]}` : ""}`]);
  if (j.fault?.injectedAt) events.push([j.fault.injectedAt, `fault injected: ${j.fault.detail ?? j.fault.kind}`]);
  if (j.detection.pendingAt) events.push([j.detection.pendingAt, `alert ${j.detection.alert} pending`]);
  if (j.detection.firedAt) events.push([j.detection.firedAt, `detected: ${j.detection.alert ?? j.detection.query ?? ""}`]);
  if (j.notification?.deliveredAt) events.push([j.notification.deliveredAt, `notification delivered to ${j.notification.receiver}`]);
  for (const s of j.steps) if (s.startedAt) events.push([s.startedAt, `step ${s.id} ${s.result} (${s.mode})`]);
  if (j.recovery.recoveredAt) events.push([j.recovery.recoveredAt, "recovered: every recovery check holds"]);
  if (j.recovery.alertResolvedAt) events.push([j.recovery.alertResolvedAt, `alert ${j.detection.alert} resolved`]);
  if (j.fault?.revertedAt) events.push([j.fault.revertedAt, "fault reverted by the harness (cleanup, not recovery)"]);
  events.sort((a, b) => a[0].localeCompare(b[0]));
  for (const [at, what] of events) out.push(`| ${t(at)} | ${what.replace(/\|/g, "\\|")} |`);
  out.push("");

  out.push("## Detection", "");
  out.push(j.detection.query ? fence(j.detection.query) : "No machine-checkable detection in this section.", "");
  if (j.detection.inactiveBeforeFault !== undefined) out.push(`Inactive before the fault: ${j.detection.inactiveBeforeFault ? "yes" : "NO"}.`, "");
  for (const c of j.symptoms) out.push(`- symptom ${c.passed ? "observed" : "NOT observed"}: ${c.check} — ${c.detail}`);
  for (const w of j.detection.symptomWatch ?? []) {
    const when = w.heldBeforeFault ? "already held before the fault" : w.secondsAfterFault !== undefined ? `seen ${w.secondsAfterFault.toFixed(1)} s after the fault` : "not seen";
    out.push(`- watched from outside the stack: ${w.check} — ${when} (${w.detail})`);
  }
  for (const p of j.detection.prose ?? []) {
    const when = p.observedAt ? `observable ${p.secondsAfterFault?.toFixed(1)} s after the fault` : "NOT observed";
    out.push(`- the runbook's Detection "${p.says}", checked as a person would (${p.how}): ${when} — ${p.detail}${p.heldBeforeFault ? ` (before the fault: ${p.baseline})` : ""}`);
  }
  for (const o of j.fault?.observations ?? []) out.push(`- seen by the fault after injection: ${o}`);
  out.push("");

  if (j.load) out.push(...loadSection(j.load));

  out.push("## Runbook steps", "");
  out.push("| step | mode | result | exit | seconds | note |", "|---|---|---|---|---|---|");
  for (const s of j.steps) {
    const base = (s.result === "skipped" ? s.reason : s.failures?.join("; ") ?? (s.mode === "adapted" ? s.reason : "")) ?? "";
    // An error answer is shown even on a step that exited 0 (curl without -f).
    const notes = [base, ...stepNotes(s)].filter((x) => x);
    const note = notes.join("; ");
    out.push(`| ${s.id} ${s.title} | ${s.mode} | ${s.result.toUpperCase()} | ${s.exitCode ?? "—"} | ${s.seconds?.toFixed(1) ?? "—"} | ${note.replace(/\n/g, " ").replace(/\|/g, "\\|")} |`);
  }
  for (const s of j.stepsNotRun ?? []) out.push(`| ${s.id} ${s.title} | — | NOT RUN | — | — | not in this drill: ${s.reason.replace(/\|/g, "\\|")} |`);
  out.push("");
  for (const s of j.steps) {
    if (s.result === "skipped") continue;
    out.push(`### Step ${s.id}: ${s.title} (${s.mode}, ${s.location})`, "");
    if (s.mode === "adapted" && s.reason) out.push(`Adapted: ${s.reason}`, "");
    if (s.mode === "operator-fix") out.push(`**The operator's own fix, not in the runbook** (the step gives no command): ${s.reason ?? ""}`, "");
    for (const a of s.http ?? []) out.push(`- HTTP answer (observed): ${a.url} -> ${a.statusLine ?? (a.status || `no answer (curl exit ${a.curlExit ?? "?"})`)}${a.expected !== undefined ? ` (the runbook says it should return ${a.expected})` : ""}`);
    const r = s.resources;
    const did = resourcesLine(s);
    if (did) out.push(`- Docker resources: ${did}`);
    for (const h of r?.hazards ?? []) out.push(`- **HAZARD**: ${h}`);
    if (s.http?.length || r) out.push("");
    out.push("Ran:", fence(s.command ?? ""), "");
    if (s.stdout?.trim()) out.push("stdout (last 40 lines):", fence(tail(s.stdout)), "");
    if (s.stderr?.trim()) out.push("stderr (last 40 lines):", fence(tail(s.stderr)), "");
    if (s.refusals?.length) out.push(`Scope guard refused: ${s.refusals.join("; ")}`, "");
  }

  out.push("## Recovery and integrity", "");
  for (const c of j.recovery.checks) out.push(`- ${c.passed ? "✔" : "✘"} ${c.check} — ${c.detail}`);
  for (const c of j.integrity) out.push(`- ${c.passed ? "✔" : "✘"} integrity ${c.check} — ${c.detail}`);
  if (j.recoveryPoint) {
    out.push(`- recovery point: last backup ${t(j.recoveryPoint.lastBackupAt)}, ${j.recoveryPoint.rowsWrittenSinceBackup} rows written since, ${j.recoveryPoint.rowsLost} rows lost`);
  }
  out.push("");

  out.push("## Where the drill differs from production", "");
  if (!j.provisions?.length) out.push("Nothing recorded (the stack did not come up).", "");
  for (const p of j.provisions ?? []) {
    out.push(
      `- **${p.provision}**. Production: ${p.production}. Why: ${p.why}. ` +
        (p.reliedOnBy.length ? `Relied on by: ${p.reliedOnBy.join(", ")}${p.evidence ? ` (${p.evidence})` : ""}.` : "No step of this run relied on it."),
    );
  }
  for (const s of j.steps.filter((x) => x.mode === "adapted" || x.mode === "operator-fix")) out.push(`- Step ${s.id} ran ${s.mode === "adapted" ? "an adapted equivalent" : "the operator's own fix"}: ${s.reason ?? ""}`);
  out.push("");

  out.push("## What served each service", "", "| service | implementation | image | digest |", "|---|---|---|---|");
  for (const i of j.implementations) out.push(`| ${i.service} | ${i.standIn ? "**STAND-IN**: " : ""}${i.note} | \`${i.image}\` | \`${i.digest.slice(0, 19)}…\` |`);
  for (const l of j.leftOut) out.push(`| ${l.service} | left out: ${l.reason} | — | — |`);
  out.push("");
  if (j.engine) out.push(`Docker engine ${j.engine.serverVersion} (API ${j.engine.apiVersion}), Compose ${j.engine.compose}.`, "");
  if (j.teardown) out.push(`Teardown: ${j.teardown.seconds.toFixed(1)} s, ${j.teardown.leftBehind} resources left behind.`, "");
  return out.join("\n");
}

/** What a step's row says besides its result: error answers, hazards. */
export function stepNotes(s: StepRecord): string[] {
  const out: string[] = [];
  // An error answer is shown even on a step that exited 0 (curl without -f).
  if (s.httpErrors?.length) out.push(`HTTP error answers: ${s.httpErrors.join(", ")}`);
  if (s.mode === "operator-fix") out.push("the operator's own fix, not in the runbook");
  if (s.resources?.hazards?.length) out.push(`HAZARD: ${s.resources.hazards.join("; ")}`);
  return out;
}

/** What a step did to Docker resources, in one line ("" when nothing). */
export function resourcesLine(s: StepRecord): string {
  const r = s.resources;
  if (!r) return "";
  const list = (xs: typeof r.removed) => xs.map((x) => `${x.kind} ${x.name}${x.from || x.to ? ` (${[x.from, x.to].filter(Boolean).join(" -> ")})` : ""}`).join(", ");
  return [r.removed.length ? `removed ${list(r.removed)}` : "", r.created.length ? `created ${list(r.created)}` : "", r.changed.length ? `changed ${list(r.changed)}` : ""].filter(Boolean).join("; ");
}

/** What users saw: latency per window from the drill's load, and from the app's histogram. */
function loadSection(load: LoadRecord): string[] {
  const ms = (p50?: number, p95?: number, p99?: number) => [p50, p95, p99].map((v) => (v === undefined ? "—" : String(v))).join(" / ");
  const out = ["## Load during the drill", "", `${load.description}.`, ""];
  out.push(
    "| window | from – to (UTC) | requests | errors | p50 / p95 / p99 ms (load generator) | p50 / p95 / p99 ms (Prometheus) |",
    "|---|---|---|---|---|---|",
  );
  for (const w of load.windows) {
    const p = w.prometheus;
    out.push(`| ${w.window} | ${t(w.from)} – ${t(w.to)} | ${w.requests} | ${w.errors} | ${ms(w.p50, w.p95, w.p99)} | ${p ? ms(p.p50, p.p95, p.p99) : "—"} |`);
  }
  const q = load.windows.find((w) => w.prometheus)?.prometheus?.query;
  if (q) out.push("", `Prometheus's figures: \`${q}\` (and 0.5, 0.99) over each window, read at its end.`);
  out.push("");
  return out;
}
