// Detection for "logs not showing" (runbook section 9), as the section writes it: its
// bash Detection block (`curl http://localhost:3100/ready`, "Should return 200 OK") run
// verbatim in the operator shell, and its symptom "Loki returns empty results": the
// query for the section's selector (`{job="fastapi"}`, step 9.4) returns nothing for the
// app's lines since the fault. A marker line is written through Caddy before the fault
// (it must become queryable, or the steady state is not steady) and once right after it;
// after recovery the drill asks whether that line written during the fault reached Loki
// (recovered by Promtail's retries or its positions file) or was lost.
import { randomBytes } from "node:crypto";
import type { RunningStack } from "../stack/drill-stack.js";
import type { DetectionQuery } from "../runbook/types.js";
import { detectionCommand } from "./shell-detection.js";
import { pollUntil } from "../util/poll.js";
import { seconds, type Duration } from "../scenario/types.js";
import type { OperatorShellLike } from "../drill/shell.js";

export interface LogDetectionSpec {
  /** The LogQL stream selector the section queries (step 9.4): `{job="fastapi"}`. */
  selector: string;
  /** What the section's Detection command prints when the service answers 200 (Loki's /ready: `ready`). */
  readyOutput: string;
  /** How long a new line may take to become queryable before it counts as missing (default 20 s). */
  within?: Duration;
}

export interface LogDetectionRecord {
  selector: string;
  /** Seconds a marker line took to become queryable before the fault. */
  baselineSeconds: number;
  /** The line written right after the fault, and when. */
  duringFault?: { marker: string; writtenAt: string };
  /** When the section's Detection command first showed the service not ready. */
  notReadyAt?: string;
  notReadyOutput?: string;
  /** When the query had returned nothing since the fault for `within` after the marker was written. */
  emptyAt?: string;
  emptyDetail?: string;
  /** After recovery: whether the line written during the fault is in Loki. */
  outageLine?: "recovered" | "lost";
}

export interface LogDetectionResult {
  status: "passed" | "failed";
  detail: string;
  firedAt?: string;
  findings: string[];
}

type LokiAnswer = { ok: true; lines: string[] } | { ok: false; error: string };

/** The section's "Should return 200 OK", read from what the verbatim command printed. */
export function judgeReady(exitCode: number, stdout: string, readyOutput: string): { ready: boolean; verdict: string } {
  const out = stdout.trim();
  if (exitCode !== 0) return { ready: false, verdict: `curl exit ${exitCode} (no HTTP answer)` };
  if (out === readyOutput) return { ready: true, verdict: `printed ${JSON.stringify(out)} (the 200 answer)` };
  return { ready: false, verdict: `printed ${JSON.stringify(out.slice(0, 160))}, not ${JSON.stringify(readyOutput)}` };
}

/** The log lines of a Loki query_range answer (a `streams` result). */
export function linesOf(body: unknown): string[] {
  const result = (body as { data?: { result?: { values?: [string, string][] }[] } }).data?.result ?? [];
  return result.flatMap((r) => (r.values ?? []).map((v) => v[1]));
}

export class LogWatch {
  readonly record: LogDetectionRecord;
  private readonly withinMs: number;

  private constructor(
    private readonly stack: RunningStack,
    private readonly shell: OperatorShellLike,
    private readonly command: string,
    private readonly spec: LogDetectionSpec,
    baselineSeconds: number,
  ) {
    this.withinMs = seconds(spec.within, 20) * 1000;
    this.record = { selector: spec.selector, baselineSeconds };
  }

  /** Before the fault: the Detection command says ready and a new line becomes queryable. */
  static async baseline(stack: RunningStack, shell: OperatorShellLike, blocks: readonly DetectionQuery[], spec: LogDetectionSpec): Promise<LogWatch> {
    const block = blocks.find((b) => b.language === "bash");
    if (!block) throw new Error("the section has no bash Detection block to run");
    const command = detectionCommand(block);
    const r = await shell.run(command, 30, "detection-baseline");
    const judged = judgeReady(r.exitCode, r.stdout, spec.readyOutput);
    if (!judged.ready) throw new Error(`before the fault the runbook's detection \`${command}\` shows the failure: ${judged.verdict}`);
    const probe = new LogWatch(stack, shell, command, spec, 0);
    const marker = await probe.writeLine("baseline");
    const t0 = Date.now();
    await pollUntil(`a new app log line queryable with ${spec.selector}`, probe.withinMs, 500, async () => {
      const a = await probe.query(`${spec.selector} |= "${marker}"`, new Date(t0 - 60_000));
      return a.ok && a.lines.length > 0 ? { value: true, reason: "" } : { reason: a.ok ? "not queryable yet" : a.error };
    }).catch((err: unknown) => {
      throw new Error(`before the fault a new app log line did not become queryable: ${err instanceof Error ? err.message : String(err)}: the steady state is not steady`);
    });
    probe.record.baselineSeconds = (Date.now() - t0) / 1000;
    return probe;
  }

  /** One request through Caddy that the app logs (a 404 with its path); returns the marker. */
  private async writeLine(what: string): Promise<string> {
    const marker = `drill-log-${what}-${randomBytes(4).toString("hex")}`;
    await fetch(this.stack.url("caddy", 8080, `/api/${marker}`), { signal: AbortSignal.timeout(10_000) }).then((r) => r.text());
    return marker;
  }

  /** Loki's query_range from `start`, as the section's step 9.4 queries it (through Loki's published port). */
  private async query(logql: string, start: Date): Promise<LokiAnswer> {
    const params = new URLSearchParams({ query: logql, start: `${BigInt(start.getTime()) * 1_000_000n}`, limit: "1000" });
    try {
      const res = await fetch(this.stack.url("loki", 3100, `/loki/api/v1/query_range?${params}`), { signal: AbortSignal.timeout(10_000) });
      const text = await res.text();
      if (res.status !== 200) return { ok: false, error: `HTTP ${res.status}: ${text.trim().slice(0, 160)}` };
      return { ok: true, lines: linesOf(JSON.parse(text)) };
    } catch (err) {
      const cause = err instanceof Error ? (err.cause as { code?: string } | undefined)?.code : undefined;
      return { ok: false, error: `no answer: ${cause ?? (err instanceof Error ? err.message : String(err))}` };
    }
  }

  /**
   * After the fault: probe both until one shows the failure or `timeoutMs` passes. The
   * section's Detection is /ready; a failure only the query shows is a finding about it.
   */
  async detect(injectedAt: string, timeoutMs: number): Promise<LogDetectionResult> {
    const rec = this.record;
    const since = new Date(injectedAt);
    const marker = await this.writeLine("during-fault");
    const writtenAt = Date.now();
    rec.duringFault = { marker, writtenAt: new Date(writtenAt).toISOString() };
    const deadline = Date.now() + Math.max(timeoutMs, this.withinMs + 5000);
    let lastReady = "";
    let lastQuery = "";
    while (Date.now() < deadline && !(rec.notReadyAt && rec.emptyAt)) {
      if (!rec.notReadyAt) {
        const r = await this.shell.run(this.command, 30, "detection");
        const judged = judgeReady(r.exitCode, r.stdout, this.spec.readyOutput);
        lastReady = judged.verdict;
        if (!judged.ready) Object.assign(rec, { notReadyAt: new Date().toISOString(), notReadyOutput: `${judged.verdict}; stderr: ${r.stderr.trim().slice(-200)}` });
      }
      if (!rec.emptyAt) {
        const a = await this.query(this.spec.selector, since);
        lastQuery = a.ok ? `${a.lines.length} line(s) since the fault` : `the query failed (${a.error})`;
        if (a.ok && a.lines.length > 0) {
          // Lines arrive: the query does not return nothing, whatever /ready says.
        } else if (Date.now() - writtenAt >= this.withinMs) {
          Object.assign(rec, { emptyAt: new Date().toISOString(), emptyDetail: `${this.spec.selector} returned nothing since the fault ${((Date.now() - writtenAt) / 1000).toFixed(0)} s after a new line was written: ${lastQuery}` });
        }
      }
      // Stop early once /ready shows it and the query had its chance to show lines.
      if (rec.notReadyAt && Date.now() - writtenAt >= this.withinMs) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    const at = (iso: string | undefined) => (iso ? `${((Date.parse(iso) - Date.parse(injectedAt)) / 1000).toFixed(1)} s after the fault` : "");
    const readyPart = rec.notReadyAt ? `\`${this.command}\` showed it ${at(rec.notReadyAt)} (${rec.notReadyOutput})` : `\`${this.command}\` kept answering ready (${lastReady})`;
    const queryPart = rec.emptyAt ? `${rec.emptyDetail} (${at(rec.emptyAt)})` : `${this.spec.selector} still returned lines: ${lastQuery}`;
    const detail = `${readyPart}; ${queryPart}`;
    const firedAt = [rec.notReadyAt, rec.emptyAt].filter((x): x is string => x !== undefined).sort()[0];
    if (!firedAt) return { status: "failed", detail, findings: [`not detected: ${detail}`] };
    const findings = rec.notReadyAt ? [] : [`the section's Detection did not show the failure: ${detail}`];
    return { status: findings.length ? "failed" : "passed", detail, firedAt, findings };
  }

  /** After recovery: is the line written during the fault in Loki? Polled (Promtail may still be retrying). */
  async outageLine(waitMs = 60_000): Promise<{ check: string; passed: boolean; detail: string }> {
    const check = "app log lines written during the fault reached Loki";
    const marker = this.record.duringFault?.marker;
    if (!marker) return { check, passed: false, detail: "no line was written during the fault" };
    const t0 = Date.now();
    let last = "";
    const found = await pollUntil("the line written during the fault", waitMs, 2000, async () => {
      const a = await this.query(`${this.spec.selector} |= "${marker}"`, new Date(Date.parse(this.record.duringFault?.writtenAt ?? "") - 60_000));
      last = a.ok ? `${a.lines.length} line(s)` : a.error;
      return a.ok && a.lines.length > 0 ? { value: true, reason: "" } : { reason: last };
    }).catch(() => false);
    this.record.outageLine = found ? "recovered" : "lost";
    if (found) return { check, passed: true, detail: `recovered: the line written during the fault (${marker}) is queryable (${((Date.now() - t0) / 1000).toFixed(0)} s after recovery)` };
    // Lost on the way to Loki only if the app did write it.
    const inFile = await this.shell.run(`docker exec fastapi-app grep -c ${marker} /mnt/logs/app.log`, 30, "outage-line");
    const where = inFile.exitCode === 0 ? "is in the app's log file" : `is not even in the app's log file (grep exit ${inFile.exitCode})`;
    return { check, passed: false, detail: `lost: the line written during the fault (${marker}) ${where} but not in Loki ${waitMs / 1000} s after recovery (last answer: ${last})` };
  }
}
