/**
 * Contract suite for Promtail as the stack uses it (stack/config/promtail/config.yml):
 * it tails `*.log` files under a directory, runs the JSON pipeline (levelname -> label
 * `level`), adds `filename`, and ships to Loki, where the lines become queryable.
 * Written against URLs and a directory, so it runs against the in-process stand-in and,
 * when a registry lets someone run them, grafana/promtail:3.2.0 with a Loki
 * (PROMTAIL_UPSTREAM_URL, PROMTAIL_UPSTREAM_LOKI_URL, PROMTAIL_UPSTREAM_LOG_DIR: the
 * host directory the container tails, with job label PROMTAIL_UPSTREAM_JOB).
 */
import { appendFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

export interface PromtailTarget {
  promtailUrl: string;
  lokiUrl: string;
  /** The directory matching the config's `__path__` glob (`<dir>/*.log`). */
  logDir: string;
  job: string;
}

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (last !== undefined) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export async function lokiLines(lokiUrl: string, query: string): Promise<{ stream: Record<string, string>; line: string }[]> {
  const qs = new URLSearchParams({ query, start: String((Date.now() - 600_000) * 1e6), end: String((Date.now() + 60_000) * 1e6), limit: "1000" });
  const res = await fetch(`${lokiUrl.replace(/\/+$/, "")}/loki/api/v1/query_range?${qs}`);
  if (res.status !== 200) throw new Error(`query_range answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { data: { result: { stream: Record<string, string>; values: [string, string][] }[] } };
  return body.data.result.flatMap((s) => s.values.map((v) => ({ stream: s.stream, line: v[1] })));
}

export function promtailContract(target: () => PromtailTarget): void {
  const marker = randomBytes(4).toString("hex");
  describe("Promtail contract (stack config: JSON pipeline, level label)", () => {
    it("ships JSON lines appended to a tailed file, with job, filename and level labels", async () => {
      const t = target();
      const file = join(t.logDir, "app.log");
      appendFileSync(file, `${JSON.stringify({ levelname: "INFO", message: `contract ${marker} one` })}\n`);
      appendFileSync(file, `${JSON.stringify({ levelname: "ERROR", message: `contract ${marker} two` })}\n`);
      const found = await waitFor("both lines in Loki", 30_000, async () => {
        const r = await lokiLines(t.lokiUrl, `{job="${t.job}"} |= "${marker}"`);
        return r.length >= 2 ? r : undefined;
      });
      expect(found.map((f) => f.stream.level).sort()).toEqual(["ERROR", "INFO"]);
      for (const f of found) expect(f.stream).toMatchObject({ job: t.job, filename: file });
    });

    it("ships a line that is not JSON unchanged, without a level label (the json stage only extracts)", async () => {
      const t = target();
      appendFileSync(join(t.logDir, "app.log"), `plain text ${marker} line\n`);
      const found = await waitFor("the plain line in Loki", 30_000, async () => {
        const r = await lokiLines(t.lokiUrl, `{job="${t.job}"} |= "plain text ${marker}"`);
        return r.length > 0 ? r : undefined;
      });
      expect(found[0]?.line).toBe(`plain text ${marker} line`);
      expect(found[0]?.stream.level).toBeUndefined();
    });

    it("is ready while it tails a file and reports what it sent on /metrics", async () => {
      const t = target();
      const ready = await fetch(`${t.promtailUrl}/ready`);
      expect(ready.status).toBe(200);
      expect((await ready.text()).trim()).toBe("Ready");
      const metrics = await (await fetch(`${t.promtailUrl}/metrics`)).text();
      const sent = /^promtail_sent_entries_total\{[^}]*\} (\d+)/m.exec(metrics)?.[1];
      expect(Number(sent)).toBeGreaterThanOrEqual(3);
      expect(metrics).toMatch(/^promtail_files_active_total 1$/m);
    });
  });
}
