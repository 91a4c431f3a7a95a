// A drill, phase by phase: preflight, stack up, steady state, inject, detect, notify,
// symptoms, the runbook's steps in the operator shell, recover, integrity, teardown.
// The runner records everything in the journal and emits events; it prints nothing.
// A failed phase is a finding; a finding the scenario declares (knownFindings) is
// expected and does not fail the drill, and one that no longer happens does.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { Drill } from "../scenario/types.js";
import { seconds } from "../scenario/types.js";
import { loadRunbook } from "../runbook/resolve/load.js";
import { allSteps, findSection } from "../runbook/parse/parse.js";
import { mergeAnnotations, overrideAnnotations } from "../runbook/resolve/annotations.js";
import { checkExpectation, resolveSteps, type ResolvedStep } from "../runbook/resolve/resolve.js";
import { DrillStack, drillSesEndpoint, type StartedDrillStack } from "../stack/drill-stack.js";
import { chooseProfile } from "../stack/profile.js";
import { implementationOf } from "../stack/catalog.js";
import { ec2HostBindings } from "../stack/ec2-host.js";
import { redact } from "../stack/secrets.js";
import { pollUntil } from "../util/poll.js";
import { sampleDetection } from "../detect/range.js";
import { detectWindow } from "../detect/window.js";
import { faults, type AppliedFault } from "../faults/index.js";
import { repoRoot } from "../util/paths.js";
import { run } from "../util/run.js";
import type { EventBus } from "./events.js";
import { newJournal, runbookVerdict, type Finding, type Journal, type PhaseName, type PhaseRecord, type StepRecord } from "./journal.js";
import { runCheck } from "./checks.js";
import { checkIntegrity, seedDocuments, type Seed } from "./seed.js";
import { measureRecoveryPoint, takeRecoverySnapshot, type RecoverySnapshot } from "./recovery-point.js";
import type { OperatorShellLike } from "./shell.js";
import { acknowledge } from "./findings.js";
import { detectBySymptoms, SymptomWatch } from "./symptom-watch.js";
import { TargetsPageWatch } from "./targets-detection.js";
import { detectByShell, probeShellDetection } from "../detect/shell-detection.js";
import { submitContact } from "./contact.js";
import { DrillLoad, formatWindow } from "./load.js";
import { operatorFixFinding, stepsNotRun } from "./step-coverage.js";
import { provisionsOf } from "./provisions.js";
import { judgeHttp } from "./step-http.js";
import { httpExpectations } from "../runbook/resolve/http-expectations.js";
import { browserProbe, logsProbe, missingProse, ProseWatch } from "./prose-detection.js";
import { settleAlert } from "./settle.js";
import { LogWatch } from "./log-detection.js";

export interface RunDrillOptions {
  drill: Drill;
  bus: EventBus;
  profile?: string;
  /** Leave the stack up afterwards (the fault reverted), for a person to look at. */
  keep?: boolean;
  /** Builds the operator shell for a started stack (harness/ops). */
  startShell: (stack: StartedDrillStack) => Promise<OperatorShellLike>;
  /** For tests that prove no artifact holds a secret: the drill's generated secret values, once they exist. */
  onSecrets?: (values: readonly string[]) => void;
}

export interface DrillOutcome {
  journal: Journal;
  /** Set with keep: the stack left running. */
  stack?: StartedDrillStack;
}

const durationSeconds = (s: string | undefined, fallback: number) => (s ? seconds(s, fallback) : fallback);
const since = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;

async function runbookRevision(file: string): Promise<string> {
  const rev = await run("git", ["log", "-1", "--format=%H", "--", file], { cwd: repoRoot }).catch(() => undefined);
  const dirty = await run("git", ["diff", "--quiet", "HEAD", "--", file], { cwd: repoRoot }).catch(() => undefined);
  const hash = rev?.exitCode === 0 && rev.stdout.trim() ? rev.stdout.trim() : "uncommitted";
  return dirty && dirty.exitCode !== 0 ? `${hash}+local-changes` : hash;
}

export async function runDrill(opts: RunDrillOptions): Promise<DrillOutcome> {
  const { drill, bus } = opts;
  const journal = newJournal({
    scenario: drill.scenario,
    variant: drill.variant,
    title: drill.title,
    runbook: { file: drill.runbook.file, section: drill.runbook.section, revision: "unknown" },
    scenarioSource: drill.source,
  });
  bus.emit({ type: "drill-begin", journal });
  const log = (message: string) => bus.emit({ type: "log", message });

  let stack: StartedDrillStack | undefined;
  let shell: OperatorShellLike | undefined;
  let fault: AppliedFault | undefined;
  let seed: Seed | undefined;
  let snapshot: RecoverySnapshot | undefined;
  let watch: SymptomWatch | undefined;
  let targetsPage: TargetsPageWatch | undefined;
  let prose: ProseWatch | undefined;
  let aborted = false;
  let load: DrillLoad | undefined;
  let logs: LogWatch | undefined;

  const expectedFindings = () => (drill.knownFindings ?? []).filter((k) => !k.profiles || (journal.profile !== undefined && k.profiles.includes(journal.profile as "upstream" | "airgapped")));
  const finding = (phase: PhaseName, summary: string, step?: string, canBeKnown = true) => {
    const known = canBeKnown ? acknowledge(expectedFindings(), { phase, step, summary }) : undefined;
    const f: Finding = { id: known?.id ?? `${phase}${step ? `-${step}` : ""}-failed`, phase, step, summary, acknowledged: known !== undefined };
    journal.findings.push(f);
    bus.emit({ type: "finding", finding: f });
  };

  /** Run one phase; an exception fails it. Returns false when the phase failed. */
  const phase = async (name: PhaseName, body: (rec: PhaseRecord) => Promise<"passed" | "failed" | "skipped">): Promise<boolean> => {
    const rec: PhaseRecord = { name, startedAt: new Date().toISOString(), status: "passed" };
    journal.phases.push(rec);
    bus.emit({ type: "phase-begin", phase: name });
    try {
      rec.status = await body(rec);
    } catch (err) {
      rec.status = "failed";
      rec.detail = err instanceof Error ? err.message : String(err);
      finding(name, rec.detail);
    }
    rec.endedAt = new Date().toISOString();
    bus.emit({ type: "phase-end", phase: rec });
    return rec.status !== "failed";
  };

  // --- preflight: the runbook, its steps, and whether this profile can serve the drill.
  let resolved: ResolvedStep[] = [];
  let alertExpr: string | undefined;
  const loaded = loadRunbook(repoRoot, drill.runbook.file);
  const section = findSection(loaded.runbook, drill.runbook.section);
  const profile = await chooseProfile(opts.profile);
  journal.profile = profile.profile;
  journal.profileReason = profile.reason;
  const ok = await phase("preflight", async (rec) => {
    journal.runbook.revision = await runbookRevision(drill.runbook.file);
    if (!section) throw new Error(`${drill.source}: runbook ${drill.runbook.file} has no section ${drill.runbook.section}`);
    journal.runbook.title = section.title;
    const lines = readFileSync(join(repoRoot, drill.runbook.file), "utf8").split("\n").slice(section.line - 1, section.endLine);
    journal.runbook.sectionSha256 = createHash("sha256").update(lines.join("\n")).digest("hex");
    // Steps come from the drill's section; a scenario may escalate to another
    // section's step (e.g. 1.5 "Start services") when the section's own fail.
    const known = allSteps(loaded.runbook).map((st) => st.id);
    const missingSteps = drill.steps.filter((id) => !known.includes(id));
    if (missingSteps.length > 0) {
      throw new Error(`${drill.source}: ${drill.runbook.file} has no step ${missingSteps.join(", ")} (section ${section.number} has ${section.steps.map((st) => st.id).join(", ")})`);
    }
    const absent = (drill.needs ?? []).filter((s) => implementationOf(profile.profile, s).kind === "absent");
    if (absent.length > 0) {
      journal.status = "not-run";
      journal.reason = `the ${profile.profile} profile cannot serve ${absent.join(", ")}`;
      rec.detail = journal.reason;
      return "skipped";
    }
    return "passed";
  });
  if (!ok || journal.reason) {
    if (!ok) journal.status = "failed";
    return finish();
  }

  // --- stack up, with the drill's timing, and the operator shell.
  const timing = {
    scrapeInterval: drill.timing?.scrapeInterval ?? "5s",
    evaluationInterval: drill.timing?.evaluationInterval ?? "5s",
    alertFor: drill.timing?.alertFor ?? "15s",
  };
  const up = await phase("stack-up", async (rec) => {
    const t0 = Date.now();
    stack = await new DrillStack({ profile, log, prometheusTiming: timing, scenario: drill.stack, operatorShellImage: true }).up();
    opts.onSecrets?.(stack.secrets.redactions.map((x) => x.value));
    const r = stack.report;
    journal.bringUpSeconds = (Date.now() - t0) / 1000;
    if (r.slowestService) journal.slowestServiceStart = r.slowestService;
    journal.implementations = r.services;
    journal.leftOut = r.leftOut;
    journal.engine = { serverVersion: r.engine.serverVersion, apiVersion: r.engine.apiVersion, compose: `${r.engine.compose.flavour} ${r.engine.compose.version}` };
    const alert = r.prometheus?.alerts.find((a) => a.alert === drill.detection.alert);
    if (drill.detection.alert && !alert) throw new Error(`no alert rule named ${drill.detection.alert} in stack/config/prometheus/rules`);
    alertExpr = alert?.expr;
    journal.timing = {
      scrapeIntervalSeconds: durationSeconds(timing.scrapeInterval, 5),
      evaluationIntervalSeconds: durationSeconds(timing.evaluationInterval, 5),
      alertForSeconds: durationSeconds(alert?.drillFor, 0),
      productionAlertFor: alert?.productionFor,
    };
    shell = await opts.startShell(stack);
    // Bind the drill's values into the steps now that they exist.
    const annotations = mergeAnnotations(
      loaded.annotations,
      overrideAnnotations(drill.overrides, { file: drill.source.split(":")[0] ?? drill.source, line: Number(drill.source.split(":")[1] ?? 1) }),
    );
    const all = resolveSteps(loaded.runbook, annotations, { ...stack.secrets.env, SES_ENDPOINT_URL: drillSesEndpoint, ...(await ec2HostBindings(stack)) });
    resolved = drill.steps.map((id) => all.find((s) => s.id === id)).filter((s): s is ResolvedStep => s !== undefined);
    rec.detail = `${r.services.length} services up in ${journal.bringUpSeconds.toFixed(1)} s (${profile.profile})`;
    return "passed";
  });
  if (!up || !stack) {
    journal.status = "failed";
    return finish();
  }
  const s = stack;
  const ctx = { stack: s, shell };
  const alertName = drill.detection.alert;
  const alertState = async () => {
    const alerts = (await s.prometheus().alerts()).filter((a) => a.labels.alertname === alertName);
    return alerts.some((a) => a.state === "firing") ? "firing" : alerts.some((a) => a.state === "pending") ? "pending" : "inactive";
  };

  // --- steady state: no alert, seed data written.
  aborted = !(await phase("steady-state", async (rec) => {
    if (alertName) {
      // One evaluation must have happened for "inactive" to mean anything.
      await new Promise((r) => setTimeout(r, (journal.timing?.evaluationIntervalSeconds ?? 5) * 1000));
      let state = await alertState();
      let held = "";
      if (state !== "inactive" && drill.steadyState?.settleSeconds) {
        const settled = await settleAlert(s.prometheus(), alertExpr, alertState, drill.steadyState.settleSeconds);
        state = settled.state;
        held = `; its expression held for ${settled.heldBy || "no series"}`;
        log(`steady state: ${alertName} was active after bring-up${held}; waited ${settled.waitedSeconds.toFixed(0)} s (at most ${drill.steadyState.settleSeconds}) for it to be ${state}`);
        rec.detail = `${alertName} active after bring-up${held}; inactive after waiting ${settled.waitedSeconds.toFixed(0)} s for those answers to leave the rule's window`;
      }
      journal.detection.inactiveBeforeFault = state === "inactive";
      if (state !== "inactive") throw new Error(`alert ${alertName} is ${state} before any fault${held}: the steady state is not steady`);
    }
    if (drill.seed?.documents) {
      seed = await seedDocuments(s, drill.seed.documents);
      rec.detail = `${seed.documents.length} documents written (object, row, index entry each)`;
    }
    if (drill.detection.runbookCommand) {
      // What the runbook's command answers while nothing is wrong.
      const b = await probeShellDetection(shell!, section?.detection ?? [], drill.detection.runbookCommand, seed?.documents.length ?? 0, "detection-baseline");
      journal.detection.shell = { baseline: b };
      if (b.fired) throw new Error(`the runbook's detection \`${b.command}\` shows the failure before any fault: ${b.verdict}`);
      rec.detail = `${rec.detail ?? ""}; before the fault the runbook's detection ${b.verdict}`;
    }
    if (drill.detection.logs) {
      logs = await LogWatch.baseline(s, shell!, section?.detection ?? [], drill.detection.logs);
      journal.detection.logs = logs.record;
      rec.detail = [rec.detail, `a new app log line was queryable ${logs.record.baselineSeconds.toFixed(1)} s after it was written`].filter(Boolean).join("; ");
    }
    if (drill.load) {
      load = new DrillLoad(s, drill.load, journal.timing?.scrapeIntervalSeconds ?? 5);
      journal.load = load.record;
      const w = await load.begin();
      log(`load: ${load.record.description}`);
      rec.detail = `${rec.detail ?? ""}; load ${formatWindow(w)}`;
      // Under load the alert must still be quiet, or a "detection" would be the load's.
      const state = alertName ? await alertState() : "inactive";
      const holding = alertExpr ? await s.prometheus().query(alertExpr) : [];
      if (state !== "inactive" || holding.length > 0) {
        throw new Error(
          `alert ${alertName} is ${state} and its expression holds for ${holding.length} series under the drill's load before any fault ` +
            `(${formatWindow(w)}): the steady state is not steady`,
        );
      }
    }
    if (drill.recoveryPoint) {
      snapshot = await takeRecoverySnapshot(s, seed?.writtenAt);
      rec.detail = `${rec.detail ?? ""}; backup of ${snapshot.lastBackupAt} holds them; ${snapshot.ids.length} rows before the fault`;
    }
    if (drill.detection.watchSymptoms && drill.detection.symptoms?.length) watch = await SymptomWatch.baseline(drill.detection.symptoms, ctx);
    const page = drill.detection.targetsPage;
    if (page) targetsPage = await TargetsPageWatch.baseline(s, { job: page.job, path: page.path ?? "/prometheus/targets" });
    if (drill.detection.prose?.length) {
      // The lines must be the section's own Detection, as written: a changed runbook is not checked with old words.
      const gone = missingProse(drill.detection.prose, section?.detection ?? []);
      if (gone.length) throw new Error(`${drill.source}: detection.prose names ${gone.map((g) => `"${g}"`).join(", ")}, which section ${drill.runbook.section}'s Detection no longer says`);
      prose = await ProseWatch.baseline(drill.detection.prose, (i) => (i.browser ? browserProbe(s, i.browser) : logsProbe(s, i.logs ?? { container: "", matches: "$^" })));
    }
    return "passed";
  }));

  // --- inject.
  if (!aborted) {
    aborted = !(await phase("inject", async (rec) => {
      const f = faults[drill.fault.kind];
      if (!f) throw new Error(`${drill.source}: fault kind "${drill.fault.kind}" is not in the fault library (${Object.keys(faults).join(", ")})`);
      const { kind, ...params } = drill.fault;
      journal.fault = { kind, params };
      load?.injected();
      fault = await f({ stack: s, log }, params);
      journal.fault.injectedAt = new Date().toISOString();
      journal.fault.detail = fault.detail;
      rec.detail = fault.detail;
      if (drill.duringFault?.contact) {
        const c = await submitContact(s, drill.duringFault.contact);
        journal.duringFault = { contact: c };
        rec.detail += `; a contact form submitted during the fault got ${c.status} in ${c.seconds.toFixed(1)} s: ${JSON.stringify(c.answer).slice(0, 300)}`;
      }
      return "passed";
    }));
  }

  if (!aborted) {
    const injectedAt = journal.fault?.injectedAt ?? new Date().toISOString();
    const t = journal.timing;

    // --- detect: the runbook's own detection.
    await phase("detect", async (rec) => {
      if (drill.detection.missingAlert) {
        finding("detect", `no alert: section ${drill.runbook.section} has no Prometheus Detection, so nothing notifies on-call of this failure; ${drill.detection.missingAlert}`);
      }
      if (watch) {
        const d = await detectBySymptoms(watch, ctx, injectedAt, seconds(drill.timeouts?.detect, 60) * 1000);
        journal.detection.symptomWatch = d.sightings;
        for (const f of d.findings) finding("detect", f);
        rec.detail = d.detail;
        return d.status;
      }
      if (prose) {
        const d = await prose.detect(injectedAt, seconds(drill.timeouts?.detect, 60) * 1000);
        journal.detection.prose = d.sightings;
        journal.detection.query = d.sightings.map((x) => `${x.says} (${x.how})`).join("\n");
        for (const f of d.findings) finding("detect", f);
        if (d.firstAt) {
          journal.detection.firedAt = d.firstAt;
          journal.detection.secondsToDetect = since(injectedAt, d.firstAt);
        }
        rec.detail = d.detail;
        return d.status;
      }
      if (targetsPage) {
        const d = await targetsPage.detect(injectedAt, seconds(drill.timeouts?.detect, 60) * 1000, t?.scrapeIntervalSeconds ?? 5);
        journal.detection.query = `${drill.detection.targetsPage?.path ?? "/prometheus/targets"} shows ${drill.detection.targetsPage?.job} DOWN or UNKNOWN`;
        journal.detection.lowerBoundSeconds = d.boundSeconds;
        journal.detection.firedAt = d.firedAt;
        journal.detection.secondsToDetect = d.secondsToDetect;
        for (const f of d.findings) finding(f.phase, f.summary);
        rec.detail = d.detail;
        return d.status;
      }
      if (logs) {
        const d = await logs.detect(injectedAt, seconds(drill.timeouts?.detect, 60) * 1000);
        journal.detection.query = `${section?.detection.find((b) => b.language === "bash")?.expr.trim() ?? ""}; ${logs.record.selector} since the fault`;
        for (const f of d.findings) finding("detect", f);
        journal.detection.firedAt = d.firedAt;
        if (d.firedAt) journal.detection.secondsToDetect = since(injectedAt, d.firedAt);
        rec.detail = d.detail;
        return d.status;
      }
      if (alertName) {
        journal.detection.alert = alertName;
        journal.detection.query = alertExpr;
        journal.detection.lowerBoundSeconds = (t?.scrapeIntervalSeconds ?? 0) + (t?.evaluationIntervalSeconds ?? 0) + (t?.alertForSeconds ?? 0);
        const notFiring = `the runbook's detection \`${alertExpr}\` (alert ${alertName}) did not fire`;
        const window = detectWindow({
          scrapeIntervalSeconds: t?.scrapeIntervalSeconds ?? 0,
          evaluationIntervalSeconds: t?.evaluationIntervalSeconds ?? 0,
          alertForSeconds: t?.alertForSeconds ?? 0,
          configuredSeconds: drill.timeouts?.detect === undefined ? undefined : seconds(drill.timeouts.detect, 180),
          expectsNoFire: acknowledge(expectedFindings(), { phase: "detect", summary: `${notFiring}: timed out` }) !== undefined,
        });
        try {
          await pollUntil(`alert ${alertName} firing (${window.reason})`, window.seconds * 1000, 1000, async () => {
            const state = await alertState();
            if (state !== "inactive" && !journal.detection.pendingAt) journal.detection.pendingAt = new Date().toISOString();
            return state === "firing" ? { value: true, reason: "firing" } : { reason: `alert is ${state}` };
          });
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          finding("detect", `${notFiring}: ${why}`);
          rec.detail = why;
          return "failed";
        }
        journal.detection.firedAt = new Date().toISOString();
        journal.detection.secondsToDetect = since(injectedAt, journal.detection.firedAt);
        rec.detail = `${alertName} firing after ${journal.detection.secondsToDetect.toFixed(1)} s (the rule's bound, scrape + evaluation + for: ${journal.detection.lowerBoundSeconds} s)`;
        return "passed";
      }
      if (drill.detection.runbookCommand) {
        const p = await detectByShell(shell!, section?.detection ?? [], drill.detection.runbookCommand, seed?.documents.length ?? 0, seconds(drill.timeouts?.detect, 30) * 1000);
        (journal.detection.shell ??= {}).during = p;
        journal.detection.query = p.command;
        rec.detail = `\`${p.command}\` -> exit ${p.exitCode}: ${p.verdict} (stdout: ${p.stdout.slice(-200) || "(nothing)"})`;
        if (!p.fired) {
          finding("detect", `the runbook's detection \`${p.command}\` did not show the failure: ${p.verdict}`);
          return "failed";
        }
        journal.detection.firedAt = p.at;
        journal.detection.secondsToDetect = since(injectedAt, p.at);
        return "passed";
      }
      if (drill.detection.query) {
        journal.detection.query = drill.detection.query;
        const r = await shell!.run(drill.detection.query, 60, "detection");
        const out = (r.stdout + r.stderr).trim();
        const okExit = drill.detection.expectExit === undefined || r.exitCode === drill.detection.expectExit;
        const okOut = drill.detection.expectOutput === undefined || new RegExp(drill.detection.expectOutput, "m").test(r.stdout);
        rec.detail = `${drill.detection.query} -> exit ${r.exitCode}: ${out.slice(-300)}`;
        if (!okExit || !okOut) {
          finding("detect", `the runbook's detection \`${drill.detection.query}\` did not show the failure: ${rec.detail}`);
          return "failed";
        }
        journal.detection.firedAt = new Date().toISOString();
        journal.detection.secondsToDetect = since(injectedAt, journal.detection.firedAt);
        return "passed";
      }
      rec.detail = `section ${drill.runbook.section} has no machine-checkable detection (prose only); the symptom checks stand in for it`;
      return "skipped";
    });

    // --- notify: Alertmanager delivered to the drill's webhook (standing for Slack).
    await phase("notify", async (rec) => {
      if (!alertName || !journal.detection.firedAt) {
        rec.detail = alertName ? "the alert did not fire (see detect), so there was nothing to deliver" : "no alert in this section";
        return "skipped";
      }
      journal.notification = { receiver: "slack-alerts (drill webhook)" };
      try {
        await pollUntil("notification delivered", 90_000, 1000, async () => {
          const res = await fetch(s.url("alert-sink", 9095, "/received"));
          const got = (await res.json()) as { receivedAt: string; payload: { status?: string; alerts?: { labels?: Record<string, string>; status?: string }[] } }[];
          const hit = got.find((g) => g.payload.alerts?.some((a) => a.labels?.alertname === alertName && a.status === "firing"));
          if (hit && journal.notification) journal.notification.deliveredAt = hit.receivedAt;
          return hit ? { value: true, reason: "" } : { reason: `${got.length} notifications so far, none firing for ${alertName}` };
        });
      } catch (err) {
        finding("notify", `the alert fired but no notification reached the receiver: ${err instanceof Error ? err.message : String(err)}`);
        return "failed";
      }
      journal.notification.secondsToNotify = since(journal.detection.firedAt, journal.notification.deliveredAt ?? new Date().toISOString());
      rec.detail = `delivered ${journal.notification.secondsToNotify.toFixed(1)} s after firing`;
      return "passed";
    });

    // --- symptoms the section lists, observed.
    await phase("symptoms", async () => {
      if (!drill.detection.symptoms?.length) return "skipped";
      let failed = false;
      for (const check of drill.detection.symptoms) {
        const before = watch?.before(check.name);
        if (before?.ok) {
          failed = true;
          finding("symptoms", `symptom "${check.name}" already held before the fault, so the drill cannot attribute it to the fault: ${before.detail}`);
        }
        const rec = await runCheck(check, ctx, 30);
        journal.symptoms.push(rec);
        bus.emit({ type: "check", check: rec });
        if (!rec.passed) {
          failed = true;
          finding("symptoms", `symptom "${check.name}" not observed: ${rec.detail}`);
        }
      }
      return failed ? "failed" : "passed";
    });

    // --- the runbook's steps, in the operator shell.
    await phase("runbook", async () => {
      let failed = false;
      for (const step of resolved) {
        const rec = await runStep(step);
        journal.steps.push(rec);
        bus.emit({ type: "step-end", step: rec });
        // Not the runbook's doing: an operator's own fix is a gap, a destructive step a hazard.
        const gap = operatorFixFinding(rec);
        if (gap) finding("runbook", gap, step.id);
        for (const h of rec.resources?.hazards ?? []) finding("runbook", `step ${step.id} (${step.title}) is destructive: ${h}`, step.id);
        if (rec.result === "failed") {
          failed = true;
          // The last line the step printed on stderr, unless it is curl's progress meter
          // (then stdout's: an error relayed through `docker exec` arrives there).
          const lastLine = (text: string | undefined) =>
            (text ?? "").split(/[\r\n]+/).map((l) => l.trim()).filter((l) => l && !/^[\d\s.:kMG%-]+$/.test(l) && !/^(% Total|Dload\s+Upload)/.test(l)).pop();
          const said = lastLine(rec.stderr) ?? lastLine(rec.stdout) ?? "";
          const http = rec.httpStatus?.length ? `; HTTP answers: ${rec.httpStatus.join(", ")}` : "";
          finding("runbook", `step ${step.id} (${step.title}) failed: ${rec.failures?.join("; ") ?? `exit ${rec.exitCode}`}${http}${said ? ` — it said: ${said}` : ""}`, step.id);
        }
      }
      return failed ? "failed" : "passed";
    });

    // The section has no step that removes the cause: when the steps left the service
    // unrecovered (one quick look at the recovery checks), the drill reverts the fault
    // and says so; when they did recover it, nothing is reverted.
    if (drill.revertFaultAfterSteps && fault) {
      const still = [];
      for (const check of drill.recovery) {
        const r = await runCheck({ ...check, within: 5 }, ctx, 5);
        if (!r.passed) still.push(`"${check.name}": ${r.detail}`);
      }
      if (still.length === 0) {
        log("the runbook's steps recovered the service; the fault stays in place");
      } else {
        await fault.revert();
        if (journal.fault) Object.assign(journal.fault, { revertedAt: new Date().toISOString(), revertedBy: "drill" });
        log(`fault reverted by the drill: ${drill.revertFaultAfterSteps}`);
        finding("recover", `the runbook's steps do not remove the cause (after them, ${still.join("; ").slice(0, 600)}); the drill reverted the fault: ${drill.revertFaultAfterSteps.trim()}`);
      }
    }

    // --- recover: availability back, the alert resolved.
    await phase("recover", async (rec) => {
      let failed = false;
      for (const check of drill.recovery) {
        const r = await runCheck(check, ctx, seconds(drill.timeouts?.recover, 120));
        journal.recovery.checks.push(r);
        bus.emit({ type: "check", check: r });
        if (!r.passed) {
          failed = true;
          finding("recover", `recovery check "${check.name}" failed: ${r.detail}`);
        }
      }
      if (!failed) {
        journal.recovery.recoveredAt = new Date().toISOString();
        journal.recovery.secondsToRecover = since(injectedAt, journal.recovery.recoveredAt);
      }
      if (alertName && journal.detection.firedAt) {
        try {
          await pollUntil(`alert ${alertName} resolved`, seconds(drill.timeouts?.recover, 120) * 1000, 1000, async () => {
            const state = await alertState();
            return state === "inactive" ? { value: true, reason: "" } : { reason: `alert is ${state}` };
          });
          journal.recovery.alertResolvedAt = new Date().toISOString();
        } catch (err) {
          failed = true;
          finding("recover", `alert ${alertName} did not resolve: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      rec.detail = failed ? "not recovered" : `recovered ${journal.recovery.secondsToRecover?.toFixed(1)} s after the fault`;
      return failed ? "failed" : "passed";
    });

    if (load && journal.recovery.recoveredAt) {
      const w = formatWindow(await load.recovered(Date.parse(journal.recovery.recoveredAt)));
      log(`load ${w}`);
      const rec = journal.phases.find((p) => p.name === "recover");
      if (rec) rec.detail = `${rec.detail ?? ""}; load ${w}`;
    }

    // --- integrity: the seed data survived.
    await phase("integrity", async () => {
      const checks = drill.integrity ?? [];
      let failed = false;
      if (logs) {
        // Log lines are data too: the one written during the fault, recovered or lost.
        const r = await logs.outageLine();
        journal.integrity.push(r);
        bus.emit({ type: "check", check: { ...r, at: new Date().toISOString() } });
        if (!r.passed) {
          failed = true;
          finding("integrity", `${r.check}: ${r.detail}`);
        }
      }
      if (checks.length === 0 || !seed) return logs ? (failed ? "failed" : "passed") : "skipped";
      for (const which of checks) {
        const r = await checkIntegrity(s, seed, which);
        journal.integrity.push({ check: which, ...r });
        bus.emit({ type: "check", check: { check: which, passed: r.passed, detail: r.detail, at: new Date().toISOString() } });
        if (!r.passed) {
          failed = true;
          finding("integrity", `${which}: ${r.detail}`);
        }
      }
      return failed ? "failed" : "passed";
    });
  }

  if (load) {
    const w = await load.finish().catch(() => undefined);
    if (w) {
      log(`load ${formatWindow(w)}`);
      const rec = journal.phases.find((p) => p.name === "recover");
      if (rec) rec.detail = `${rec.detail ?? ""}; load ${formatWindow(w)}`;
    }
  }

  if (snapshot && stack && !aborted) {
    journal.recoveryPoint = await measureRecoveryPoint(stack, snapshot).catch((err: unknown) => {
      finding("integrity", `recovery point not measured: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    });
  }

  if (fault?.observations && journal.fault) journal.fault.observations = fault.observations();

  // Declared findings that did not happen: the runbook (or the stack) changed.
  for (const k of expectedFindings()) {
    const reproduced = journal.findings.some((f) => f.acknowledged && f.id === k.id);
    if (!reproduced && !aborted && k.intermittent) {
      (journal.intermittentNotSeen ??= []).push({ id: k.id, summary: k.summary.trim() });
      log(`known intermittent finding "${k.id}" did not occur in this run`);
    } else if (!reproduced && !aborted) {
      finding(k.phase, `known finding "${k.id}" did not reproduce (${k.summary.trim()}); if the runbook or the stack changed, update ${relative(repoRoot, drill.source.split(":")[0] ?? "")}`, k.step, false);
    }
  }
  journal.status = journal.findings.some((f) => !f.acknowledged) ? "failed" : "passed";
  return finish();

  async function runStep(step: ResolvedStep): Promise<StepRecord> {
    const base = { id: step.id, title: step.title, location: step.location, mode: step.mode, reason: step.reason };
    bus.emit({ type: "step-begin", step: { id: step.id, title: step.title, mode: step.mode } });
    if (step.mode === "manual" || step.command === undefined) {
      return { ...base, result: "skipped", reason: step.reason ?? "manual step" };
    }
    if (step.stale) {
      return { ...base, result: "failed", command: step.command, failures: [step.stale] };
    }
    if (step.unresolved.length > 0) {
      return { ...base, result: "failed", command: step.command, failures: [`unresolved placeholders: ${step.unresolved.join(", ")}`] };
    }
    const startedAt = new Date().toISOString();
    const r = await shell!.run(step.command, Math.round(step.timeoutMs / 1000), step.id, (chunk) =>
      bus.emit({ type: "step-output", id: step.id, chunk }),
    );
    // Every answer the step's curl got, and what the runbook's text says it should be.
    const { failures: httpFailures, ...http } = judgeHttp(httpExpectations(step.command), r.http, `${r.stdout}\n${r.stderr}`);
    const failures = r.timedOut ? [`timed out after ${Math.round(step.timeoutMs / 1000)} s`] : [...checkExpectation(step.expect, r), ...httpFailures];
    return {
      ...http,
      ...(r.resources ? { resources: r.resources } : {}),
      ...base,
      startedAt,
      command: step.command,
      result: failures.length === 0 ? "passed" : "failed",
      exitCode: r.exitCode,
      seconds: r.seconds,
      stdout: r.stdout,
      stderr: r.stderr,
      timedOut: r.timedOut,
      failures: failures.length ? failures : undefined,
      refusals: r.refusals.length ? r.refusals : undefined,
    };
  }

  async function finish(): Promise<DrillOutcome> {
    // Evidence for report.html: the detection query around the fault, while Prometheus is still up.
    if (stack && alertExpr && journal.fault?.injectedAt) journal.detection.range = await sampleDetection(stack.prometheus(), alertExpr, journal);
    await phase("teardown", async (rec) => {
      if (fault && (journal.status !== "passed" || opts.keep)) {
        await fault.revert();
        if (journal.fault) journal.fault.revertedAt = new Date().toISOString();
      }
      await load?.abort().catch(() => {});
      await shell?.close().catch(() => {});
      if (stack && !opts.keep) {
        const down = await stack.down();
        // Name every leftover: a resource per kind, with the engine's reason where it gave one.
        const left = down.leftBehind.flatMap((r) => {
          const why = (kind: string, name: string) => r.failures?.find((f) => f.kind === kind && f.name === name)?.reason ?? "still present after teardown";
          return [
            ...r.containers.map((name) => ({ kind: "container", name, reason: why("container", name) })),
            ...r.networks.map((name) => ({ kind: "network", name, reason: why("network", name) })),
            ...r.volumes.map((name) => ({ kind: "volume", name, reason: why("volume", name) })),
          ];
        });
        journal.teardown = { seconds: down.seconds, leftBehind: left.length, left: left.length ? left : undefined };
        rec.detail = `removed in ${down.seconds.toFixed(1)} s; ${left.length} resources left behind`;
        if (left.length === 0) return "passed";
        // A drill that leaves resources behind fails, whatever came before.
        finding("teardown", `left behind: ${left.map((l) => `${l.kind} ${l.name} (${l.reason})`).join("; ")}`, undefined, false);
        journal.status = journal.status === "not-run" ? journal.status : "failed";
        return "failed";
      }
      rec.detail = stack ? `kept: ${stack.project}` : "nothing was started";
      return stack ? "passed" : "skipped";
    });
    journal.endedAt = new Date().toISOString();
    // Every step of the section is accounted for, and every convenience the drill gave is declared.
    if (section && journal.phases.some((p) => p.name === "runbook")) journal.stepsNotRun = stepsNotRun(section, drill.steps, drill.stepsNotRun);
    if (stack) journal.provisions = provisionsOf(journal);
    // The runbook's verdict exists only once a fault was injected: before that the drill never reached the runbook.
    if (journal.fault?.injectedAt) journal.runbookVerdict = runbookVerdict(journal);
    if (stack) redactJournal(journal, stack);
    bus.emit({ type: "drill-end", journal });
    return { journal, stack: opts.keep ? stack : undefined };
  }
}

/** Every string in the journal passes through the drill's redaction. */
function redactJournal(journal: Journal, stack: StartedDrillStack): void {
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return redact(v, stack.secrets.redactions);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      for (const [k, val] of Object.entries(v)) (v as Record<string, unknown>)[k] = walk(val);
      return v;
    }
    return v;
  };
  walk(journal);
}
