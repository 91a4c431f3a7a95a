// Checks shared by symptoms and recovery: HTTP through the drill's published ports,
// an alert's state, a SQL query, or a command in the operator shell. Each is polled
// until it holds or its time runs out; the record says what was seen last.
import type { RunningStack } from "../stack/drill-stack.js";
import { pollUntil } from "../util/poll.js";
import type { Check } from "../scenario/types.js";
import { seconds } from "../scenario/types.js";
import type { CheckRecord } from "./journal.js";
import type { OperatorShellLike } from "./shell.js";
import { withDatabase } from "./seed.js";

export interface CheckContext {
  stack: RunningStack;
  shell?: OperatorShellLike;
}

function dig(value: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((v, key) => (v && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined), value);
}

/** The error code under a failed fetch (undici puts the socket's error in `cause`). */
function connectError(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: string; name?: string } | undefined) : undefined;
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) return "ETIMEDOUT";
  return cause?.code ?? cause?.name ?? (err instanceof Error ? err.message : String(err));
}

/** One attempt: whether the check holds, and what was seen. */
export async function probeOnce(check: Check, ctx: CheckContext): Promise<{ ok: boolean; detail: string }> {
  const { stack } = ctx;
  if (check.http) {
    const h = check.http;
    const target = `${h.method ?? "GET"} ${h.path} (${h.service}:${h.port})`;
    let res: Response;
    try {
      res = await fetch(stack.url(h.service, h.port, h.path), {
        method: h.method ?? "GET",
        redirect: "manual",
        signal: AbortSignal.timeout(h.down ? 5_000 : 10_000),
      });
    } catch (err) {
      if (!h.down) throw err;
      const code = connectError(err);
      const ok = h.down === "unavailable" || code === "ECONNREFUSED";
      return { ok, detail: `${target} -> no answer: ${code}${ok ? "" : ", expected ECONNREFUSED"}` };
    }
    if (h.down) {
      const body = (await res.text()).slice(0, 120).replace(/\s+/g, " ");
      const ok = h.down === "unavailable" && (res.status >= 500 || res.status === 404);
      return { ok, detail: `${target} -> ${res.status} ${body}${ok ? "" : `, expected ${h.down === "refused" ? "the connection refused" : "no answer, a 5xx or a 404"}`}` };
    }
    const body = h.method === "HEAD" ? "" : await res.text();
    const wanted = h.status === undefined ? undefined : Array.isArray(h.status) ? h.status : [h.status];
    const problems: string[] = [];
    if (wanted && !wanted.includes(res.status)) problems.push(`status ${res.status}, expected ${wanted.join(" or ")}`);
    if (h.bodyContains && !body.includes(h.bodyContains)) problems.push(`body lacks ${JSON.stringify(h.bodyContains)}`);
    if (h.json) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body) as unknown;
      } catch {
        problems.push("body is not JSON");
      }
      for (const [path, expected] of Object.entries(h.json)) {
        const actual = dig(parsed, path);
        if (JSON.stringify(actual) !== JSON.stringify(expected)) problems.push(`.${path} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
      }
    }
    const seen = `${h.method ?? "GET"} ${h.path} -> ${res.status}${body ? ` ${body.slice(0, 160).replace(/\s+/g, " ")}` : ""}`;
    return { ok: problems.length === 0, detail: problems.length ? `${problems.join("; ")} (${seen})` : seen };
  }
  if (check.alert) {
    const alerts = (await stack.prometheus().alerts()).filter((a) => a.labels.alertname === check.alert?.name);
    const state = alerts.some((a) => a.state === "firing") ? "firing" : alerts.some((a) => a.state === "pending") ? "pending" : "inactive";
    return { ok: state === check.alert.state, detail: `alert ${check.alert.name} is ${state}` };
  }
  if (check.sql) {
    const sql = check.sql;
    try {
      const value = await withDatabase(stack, async (c) => {
        const res = await c.query(sql.query);
        return res.rows[0] ? Object.values(res.rows[0] as Record<string, unknown>)[0] : undefined;
      });
      if (sql.error) return { ok: false, detail: `query succeeded (${JSON.stringify(value)}), expected it to fail` };
      const ok = sql.equals === undefined || String(value) === String(sql.equals);
      return { ok, detail: `${sql.query} -> ${JSON.stringify(value)}` };
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      return { ok: sql.error === true, detail: `${sql.query} failed: ${msg}` };
    }
  }
  if (check.shell) {
    if (!ctx.shell) return { ok: false, detail: "no operator shell in this drill" };
    const r = await ctx.shell.run(check.shell.run, 60);
    const problems: string[] = [];
    if (check.shell.exit !== undefined && r.exitCode !== check.shell.exit) problems.push(`exit ${r.exitCode}, expected ${check.shell.exit}`);
    if (check.shell.contains && !(r.stdout + r.stderr).includes(check.shell.contains)) problems.push(`output lacks ${JSON.stringify(check.shell.contains)}`);
    const seen = `${check.shell.run} -> exit ${r.exitCode}: ${(r.stdout + r.stderr).trim().slice(-200)}`;
    return { ok: problems.length === 0, detail: problems.length ? `${problems.join("; ")} (${seen})` : seen };
  }
  return { ok: false, detail: "check has no kind" };
}

/** Poll a check until it holds (or its `within`, default `defaultSeconds`, runs out). */
export async function runCheck(check: Check, ctx: CheckContext, defaultSeconds: number): Promise<CheckRecord> {
  let last = { ok: false, detail: "not attempted" };
  try {
    await pollUntil(check.name, seconds(check.within, defaultSeconds) * 1000, 1000, async () => {
      try {
        last = await probeOnce(check, ctx);
      } catch (err) {
        last = { ok: false, detail: err instanceof Error ? err.message : String(err) };
      }
      return last.ok ? { value: true, reason: last.detail } : { reason: last.detail };
    });
  } catch {
    // last holds what was seen.
  }
  return { check: check.name, passed: last.ok, detail: last.detail, at: new Date().toISOString() };
}
