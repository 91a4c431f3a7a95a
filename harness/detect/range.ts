// The detection query's values around the fault, for the reports: taken from
// Prometheus before teardown (the stack and its data are gone afterwards).
import type { DetectionRange, Journal } from "../drill/journal.js";
import type { PrometheusClient } from "./prometheus.js";

type Op = NonNullable<DetectionRange["threshold"]>["op"];

/**
 * Split `lhs OP number` at a comparison at the top level of the expression (outside
 * parentheses, braces, brackets and strings), so the chart shows the values that the
 * alert compares and the threshold as a line. Anything else is sampled whole.
 */
export function splitThreshold(expr: string): { expr: string; threshold?: DetectionRange["threshold"] } {
  const m = /(==|!=|<=|>=|<|>)\s*(-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*$/i.exec(expr);
  if (!m) return { expr: expr.trim() };
  let depth = 0;
  let quote: string | undefined;
  let topLevel = "";
  for (let i = 0; i < m.index; i++) {
    const c = expr[i] ?? "";
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'" || c === "`") quote = c;
    else if ("({[".includes(c)) depth++;
    else if (")}]".includes(c)) depth--;
    else if (depth === 0) topLevel += c;
  }
  const lhs = expr.slice(0, m.index).trim();
  // `x > bool 1`, `a > 1 or b > 2` and a comparison inside a group are not one plain threshold.
  if (depth !== 0 || quote || lhs === "" || /\bbool\s*$/.test(lhs) || /[<>=!]|\b(and|or|unless)\b/.test(topLevel)) return { expr: expr.trim() };
  return { expr: lhs, threshold: { op: m[1] as Op, value: Number(m[2]) } };
}

const toNumber = (v: string): number | null => {
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};

/**
 * Sample the alert's expression from shortly before the fault until now. Never throws:
 * a failed query is recorded with its reason, so the report can say why the chart is missing.
 */
export async function sampleDetection(prom: PrometheusClient, alertExpr: string, journal: Journal, now = new Date()): Promise<DetectionRange> {
  const { expr, threshold } = splitThreshold(alertExpr);
  const step = journal.timing?.scrapeIntervalSeconds ?? 5;
  const injected = Date.parse(journal.fault?.injectedAt ?? now.toISOString());
  const steady = journal.phases.find((p) => p.name === "steady-state")?.startedAt;
  // A minute and a half of the steady state before the fault, but nothing from before it.
  const start = new Date(Math.max(injected - 90_000, steady ? Date.parse(steady) : 0));
  const range: DetectionRange = { expr, threshold, start: start.toISOString(), end: now.toISOString(), stepSeconds: step, series: [] };
  try {
    const result = await prom.queryRange(expr, start, now, step);
    range.series = result.map((s) => ({ labels: s.metric, values: s.values.map(([t, v]): [number, number | null] => [t, toNumber(v)]) }));
  } catch (err) {
    range.error = err instanceof Error ? err.message : String(err);
  }
  return range;
}
