// Detection by the Prometheus targets page (runbook section 7): read the page through
// Caddy before the fault (the job must show UP, or a DOWN later means nothing), then
// poll it after the fault and time when the job shows DOWN or UNKNOWN. Also answers the
// section's symptom "Alerts not firing" from the live rules: which alert rule, if any,
// would fire on this job being down, and which rules read the job's metrics.
import type { RunningStack } from "../stack/drill-stack.js";
import { describeJob, readTargetsPage, type Fetcher, type TargetsPageReading } from "./targets-page.js";
import { pollUntil } from "../util/poll.js";

export interface TargetsPageOptions {
  job: string;
  /** The runbook's URL, through Caddy. */
  path: string;
}

export interface FoundIssue {
  phase: "detect" | "symptoms";
  summary: string;
}

export interface TargetsPageDetection {
  status: "passed" | "failed";
  detail: string;
  firedAt?: string;
  secondsToDetect?: number;
  boundSeconds: number;
  findings: FoundIssue[];
}

function caddyFetcher(stack: RunningStack): Fetcher {
  const { user, password } = stack.secrets.prometheusBasicAuth;
  const auth = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  return async (path) => {
    const res = await fetch(stack.url("caddy", 8080, path), { headers: { authorization: auth }, redirect: "manual", signal: AbortSignal.timeout(10_000) });
    return { status: res.status, body: await res.text(), location: res.headers.get("location") ?? undefined };
  };
}

export class TargetsPageWatch {
  private constructor(
    private readonly stack: RunningStack,
    private readonly opts: TargetsPageOptions,
    private readonly baseline: TargetsPageReading,
    /** The job's metric names before the fault (what alert rules on it would read). */
    private readonly jobMetrics: string[],
  ) {}

  static async baseline(stack: RunningStack, opts: TargetsPageOptions): Promise<TargetsPageWatch> {
    const reading = await readTargetsPage(caddyFetcher(stack), opts.path);
    const job = reading.jobs.find((j) => j.job === opts.job);
    if (!job || job.total === 0 || job.up !== job.total) {
      throw new Error(`before the fault the targets page (${reading.url}) must show ${opts.job} up; it shows ${describeJob(job, opts.job)}`);
    }
    const names = await stack.prometheus().metricNames(`{job="${opts.job}"}`);
    return new TargetsPageWatch(stack, opts, reading, names);
  }

  async detect(injectedAt: string, timeoutMs: number, scrapeIntervalSeconds: number): Promise<TargetsPageDetection> {
    const get = caddyFetcher(this.stack);
    // A target's state changes at its next scrape, which fails within the scrape
    // timeout (at most the interval): the slowest a page can show it.
    const boundSeconds = 2 * scrapeIntervalSeconds;
    const findings: FoundIssue[] = [];
    let last: TargetsPageReading | undefined;
    let detail: string;
    let firedAt: string | undefined;
    try {
      await pollUntil(`the targets page to show ${this.opts.job} DOWN or UNKNOWN`, timeoutMs, 1000, async () => {
        last = await readTargetsPage(get, this.opts.path);
        const job = last.jobs.find((j) => j.job === this.opts.job);
        const bad = job?.states.some((s) => s === "DOWN" || s === "UNKNOWN");
        return bad ? { value: true, reason: "" } : { reason: describeJob(job, this.opts.job) };
      });
      firedAt = new Date().toISOString();
    } catch (err) {
      detail = err instanceof Error ? err.message : String(err);
    }
    const seen = last ? `${last.url} (${last.how}) shows ${describeJob(last.jobs.find((j) => j.job === this.opts.job), this.opts.job)}` : "the page could not be read";
    const problem = last?.runbookUrlProblem ?? this.baseline.runbookUrlProblem;
    if (problem) {
      findings.push({ phase: "detect", summary: `the runbook's Detection URL does not show the targets: ${problem}; the targets page of this Prometheus is ${last?.url ?? this.baseline.url}` });
    }
    findings.push(...(await this.alertsOnTargetDown()));
    if (!firedAt) {
      findings.push({ phase: "detect", summary: `the targets page did not show ${this.opts.job} DOWN or UNKNOWN within ${Math.round(timeoutMs / 1000)} s: ${seen}` });
      return { status: "failed", detail: `${detail!}; ${seen}`, boundSeconds, findings };
    }
    const secondsToDetect = (Date.parse(firedAt) - Date.parse(injectedAt)) / 1000;
    return {
      status: findings.some((f) => f.phase === "detect") ? "failed" : "passed",
      detail: `${seen} ${secondsToDetect.toFixed(1)} s after the fault (bound: scrape interval + scrape timeout, ${boundSeconds} s)`,
      firedAt,
      secondsToDetect,
      boundSeconds,
      findings,
    };
  }

  /** "Alerts not firing": would any alert rule in the stack fire on this job being down? */
  private async alertsOnTargetDown(): Promise<FoundIssue[]> {
    const rules = await this.stack.prometheus().alertRules();
    const job = this.opts.job;
    // A rule on `up` covers this job when it selects it, or selects no job at all.
    const onUp = rules.filter((r) => /(^|[^a-zA-Z0-9_:])up($|[^a-zA-Z0-9_:])/.test(r.query));
    const coversJob = onUp.filter((r) => r.query.includes(`job="${job}"`) || !/job\s*=~?\s*"/.test(r.query));
    const onJobMetrics = rules.filter((r) => this.jobMetrics.some((m) => m !== "up" && new RegExp(`(^|[^a-zA-Z0-9_:])${m}($|[^a-zA-Z0-9_:])`).test(r.query)));
    if (coversJob.length > 0) return [];
    const upRules = onUp.length ? onUp.map((r) => `${r.name} (${r.query})`).join(", ") : "none";
    const metricRules = onJobMetrics.length
      ? `; ${onJobMetrics.map((r) => `${r.name} (${r.state ?? "?"})`).join(", ")} read${onJobMetrics.length === 1 ? "s" : ""} the ${job} job's metrics, which stop being scraped, so ${onJobMetrics.length === 1 ? "it" : "they"} cannot see anything new`
      : "";
    return [{ phase: "symptoms", summary: `alerts not firing: no alert rule in the stack fires when the ${job} target is down (rules on up: ${upRules})${metricRules}` }];
  }
}
