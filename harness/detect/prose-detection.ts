// Detection written as prose ("Browser shows 404 or 502", "Caddy logs show routing
// errors"): each line checked as a person would, where a machine can. A browser line is
// a GET of the section's routes with a browser's headers, following redirects; a logs
// line reads the container's logs written since the fault. Each is checked once before
// the fault (a route that already answered 502 then proves nothing about the fault and
// is left out), then polled, and the time it first becomes observable is recorded.
// Nothing here is an alert: the absence of one is the scenario's `missingAlert` finding.
import type { DetectionQuery } from "../runbook/types.js";
import type { ProseDetection } from "../scenario/types.js";
import type { RunningStack } from "../stack/drill-stack.js";
import type { ProseSighting } from "../drill/journal.js";

export const proseIntervalMs = 1000;

/** What a browser sends; the route's answer is what a person would see. */
const browserHeaders = {
  accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
  "user-agent": "Mozilla/5.0 (X11; Linux x86_64) runbook-drills prose-detection",
};

export interface ProseProbe {
  /** Does the line hold now? `exclude`: routes that held before the fault. */
  probe(since: Date, exclude: ReadonlySet<string>): Promise<{ ok: boolean; detail: string; held: string[] }>;
  how: string;
}

/** The Detection lines a scenario names must be the section's own, as written. */
export function missingProse(items: readonly ProseDetection[], detection: readonly DetectionQuery[]): string[] {
  const lines = detection.filter((d) => d.language === "text").map((d) => d.expr.trim().toLowerCase());
  return items.filter((i) => !lines.includes(i.says.trim().toLowerCase())).map((i) => i.says);
}

export function browserProbe(stack: Pick<RunningStack, "url">, b: NonNullable<ProseDetection["browser"]>): ProseProbe {
  return {
    how: `GET ${b.paths.join(", ")} through ${b.service}:${b.port} as a browser (following redirects); holds when one answers ${b.status.join(" or ")}`,
    async probe(_since, exclude) {
      const seen = await Promise.all(
        b.paths.map(async (path) => {
          try {
            const res = await fetch(stack.url(b.service, b.port, path), { headers: browserHeaders, redirect: "follow", signal: AbortSignal.timeout(5000) });
            await res.body?.cancel().catch(() => {});
            return { path, status: res.status, said: `${path} -> ${res.status}` };
          } catch (err) {
            return { path, status: 0, said: `${path} -> no answer (${err instanceof Error ? err.message : String(err)})` };
          }
        }),
      );
      const held = seen.filter((s) => b.status.includes(s.status)).map((s) => s.path);
      const counted = held.filter((p) => !exclude.has(p));
      const notes = seen.map((s) => (exclude.has(s.path) ? `${s.said} (already before the fault: not counted)` : s.said));
      return { ok: counted.length > 0, detail: notes.join("; "), held };
    },
  };
}

export function logsProbe(stack: Pick<RunningStack, "docker" | "containerName">, l: NonNullable<ProseDetection["logs"]>): ProseProbe {
  const re = new RegExp(l.matches);
  return {
    how: `docker logs ${l.container} since the fault; holds when a line matches /${l.matches}/`,
    async probe(since) {
      const raw = await stack.docker
        .getContainer(stack.containerName(l.container))
        .logs({ stdout: true, stderr: true, since: Math.floor(since.getTime() / 1000), timestamps: false, follow: false });
      const lines = demux(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw))).split("\n").filter((x) => x.trim());
      const hit = lines.find((x) => re.test(x));
      return {
        ok: hit !== undefined,
        detail: hit ? `${lines.filter((x) => re.test(x)).length} matching line(s), first: ${hit.slice(0, 400)}` : `${lines.length} line(s) since then, none matching`,
        held: [],
      };
    },
  };
}

/** docker logs of a container without a TTY: 8-byte frame headers before each chunk. */
export function demux(buf: Buffer): string {
  const out: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length && (buf[i] === 1 || buf[i] === 2) && buf[i + 1] === 0) {
    const size = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  if (i === 0) return buf.toString("utf8");
  return Buffer.concat(out).toString("utf8");
}

export interface ProseDetectionResult {
  status: "passed" | "failed";
  sightings: ProseSighting[];
  findings: string[];
  firstAt?: string;
  detail: string;
}

export class ProseWatch {
  private constructor(
    private readonly items: { says: string; probe: ProseProbe; baseline: { ok: boolean; detail: string; held: string[] } }[],
    private readonly baselineAt: Date,
  ) {}

  /** Check each line once before the fault. */
  static async baseline(items: readonly ProseDetection[], probes: (i: ProseDetection) => ProseProbe): Promise<ProseWatch> {
    const at = new Date();
    const seen = await Promise.all(
      items.map(async (i) => {
        const probe = probes(i);
        const baseline = await probe.probe(new Date(at.getTime() - 30_000), new Set()).catch((err: unknown) => ({ ok: false, detail: String(err), held: [] as string[] }));
        return { says: i.says, probe, baseline };
      }),
    );
    return new ProseWatch(seen, at);
  }

  /** Poll every line until each is observable or the time is up; times from `injectedAt`. */
  async detect(injectedAt: string, timeoutMs: number): Promise<ProseDetectionResult> {
    const t0 = new Date(injectedAt);
    const deadline = Date.now() + timeoutMs;
    const sightings: ProseSighting[] = this.items.map((i) => ({
      says: i.says,
      how: i.probe.how,
      baseline: i.baseline.detail,
      // A logs line counts only lines written after the fault; a browser line only routes that were fine before.
      heldBeforeFault: i.baseline.ok,
      detail: i.baseline.detail,
    }));
    const pending = () => sightings.filter((s) => !s.observedAt);
    while (pending().length > 0 && Date.now() <= deadline) {
      const round = Date.now();
      await Promise.all(
        this.items.map(async (item, n) => {
          const s = sightings[n];
          if (!s || s.observedAt) return;
          const r = await item.probe.probe(t0, new Set(item.baseline.held)).catch((err: unknown) => ({ ok: false, detail: String(err), held: [] }));
          s.detail = r.detail;
          if (r.ok) {
            s.observedAt = new Date(round).toISOString();
            s.secondsAfterFault = Math.max(0, (round - t0.getTime()) / 1000);
          }
        }),
      );
      const wait = proseIntervalMs - (Date.now() - round);
      if (pending().length > 0 && wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const findings = sightings
      .filter((s) => !s.observedAt)
      .map((s) => `the runbook's Detection "${s.says}" did not become observable within ${Math.round(timeoutMs / 1000)} s of the fault (${s.how}; last: ${s.detail.slice(0, 300)})`);
    const first = sightings.filter((s) => s.observedAt).sort((a, b) => (a.secondsAfterFault ?? 0) - (b.secondsAfterFault ?? 0))[0];
    return {
      status: findings.length ? "failed" : "passed",
      sightings,
      findings,
      firstAt: first?.observedAt,
      detail: sightings
        .map((s) => (s.observedAt ? `"${s.says}" observable ${s.secondsAfterFault?.toFixed(1)} s after the fault (${s.detail.slice(0, 200)})` : `"${s.says}" not observed (${s.detail.slice(0, 200)})`))
        .join("; "),
    };
  }

  get since(): Date {
    return this.baselineAt;
  }
}
