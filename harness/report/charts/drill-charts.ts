// The two charts of a drill's report.html, as Vega-Lite specs built from the journal alone:
// the timeline (phases, runbook steps and the drill's events on one time axis) and the
// detection query's values around the fault against the alert's threshold.
import type { Journal } from "../../drill/journal.js";
import type { ChartSpec } from "./render.js";

export const statusColors = {
  domain: ["passed", "failed", "known finding", "skipped", "event"],
  range: ["#2e7d32", "#c62828", "#e69500", "#9e9e9e", "#1565c0"],
};

interface Bar {
  lane: string;
  label: string;
  start: string;
  end: string;
  status: string;
  order: number;
}
interface Mark {
  lane: string;
  label: string;
  at: string;
  status: "event" | "skipped";
  order: number;
}

const plus = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();

/** A phase that failed only with findings the scenario declares is drawn as a known finding, not a failure. */
function phaseStatus(j: Journal, name: string, status: string): string {
  if (status !== "failed") return status;
  const inPhase = j.findings.filter((f) => f.phase === name);
  return inPhase.length > 0 && inPhase.every((f) => f.acknowledged) ? "known finding" : "failed";
}

function stepStatus(j: Journal, id: string, result: string): string {
  if (result !== "failed") return result;
  const mine = j.findings.filter((f) => f.phase === "runbook" && f.step === id);
  return mine.length > 0 && mine.every((f) => f.acknowledged) ? "known finding" : "failed";
}

export function timelineData(j: Journal): { bars: Bar[]; marks: Mark[] } {
  const bars: Bar[] = [];
  const marks: Mark[] = [];
  let order = 0;
  for (const p of j.phases) {
    bars.push({ lane: `phase ${p.name}`, label: p.name, start: p.startedAt, end: p.endedAt ?? p.startedAt, status: phaseStatus(j, p.name, p.status), order: order++ });
  }
  const runbookPhase = j.phases.find((p) => p.name === "runbook");
  for (const s of j.steps) {
    const lane = `step ${s.id} [${s.mode}]`;
    if (s.startedAt) {
      // At least a visible sliver for a step that took well under a second.
      bars.push({ lane, label: s.title, start: s.startedAt, end: plus(s.startedAt, s.seconds ?? 0), status: stepStatus(j, s.id, s.result), order: order++ });
    } else if (runbookPhase) {
      // Manual steps did not run: a grey mark where the runbook phase began, never a bar.
      marks.push({ lane, label: `${s.title} (not run: ${s.mode})`, at: runbookPhase.startedAt, status: "skipped", order: order++ });
    }
  }
  const ev = (label: string, at?: string) => {
    if (at) marks.push({ lane: label, label, at, status: "event", order: order++ });
  };
  ev("fault injected", j.fault?.injectedAt);
  ev("alert pending", j.detection.pendingAt);
  ev(j.detection.alert ? "alert firing" : "detected", j.detection.firedAt);
  ev("notification delivered", j.notification?.deliveredAt);
  ev("recovered", j.recovery.recoveredAt);
  ev("alert resolved", j.recovery.alertResolvedAt);
  ev("fault reverted (cleanup)", j.fault?.revertedAt);
  return { bars, marks };
}

/** The whole drill, or (with a window) the part from the fault to the alert resolving. */
export function timelineSpec(j: Journal, window?: { from: string; to: string }): ChartSpec {
  const { bars, marks } = timelineData(j);
  const inWindow = (s: string, e: string) => !window || (e >= window.from && s <= window.to);
  const b = bars.filter((x) => inWindow(x.start, x.end)).map((x) => ({ ...x, start: window && x.start < window.from ? window.from : x.start, end: window && x.end > window.to ? window.to : x.end }));
  const m = marks.filter((x) => inWindow(x.at, x.at));
  const lanes = [...b, ...m].sort((x, y) => x.order - y.order).map((x) => x.lane);
  const laneOrder = [...new Set(lanes)];
  const y = { field: "lane", type: "nominal" as const, sort: laneOrder, title: null, axis: { labelLimit: 240 } };
  const x = {
    type: "temporal" as const,
    // A window's bars are clipped to it and its marks filtered, so the data spans it: no explicit domain.
    scale: { type: "utc" as const },
    title: "time (UTC)",
    axis: { format: "%H:%M:%S" },
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: 760,
    height: Math.max(120, laneOrder.length * 20),
    layer: [
      {
        data: { values: b },
        mark: { type: "bar", height: 12, cornerRadius: 2 },
        encoding: {
          x: { field: "start", ...x },
          x2: { field: "end" },
          y,
          color: { field: "status", type: "nominal", scale: statusColors, legend: { title: "result", orient: "bottom" } },
          tooltip: [{ field: "label" }, { field: "status" }],
        },
      },
      {
        data: { values: m },
        mark: { type: "point", shape: "diamond", filled: true, size: 110, opacity: 1 },
        encoding: { x: { field: "at", type: "temporal" }, y, color: { field: "status", type: "nominal", scale: statusColors }, tooltip: [{ field: "label" }] },
      },
    ],
    config: { font: "sans-serif", view: { stroke: null } },
  };
}

/** The fault window: a little before the fault until the alert resolved (or the drill ended). */
export function faultWindow(j: Journal): { from: string; to: string } | undefined {
  const from = j.fault?.injectedAt;
  if (!from) return undefined;
  const candidates = [j.recovery.alertResolvedAt, j.recovery.recoveredAt, j.phases.find((p) => p.name === "integrity")?.endedAt, j.fault?.revertedAt].filter((x): x is string => !!x);
  const to = candidates.sort().pop() ?? j.endedAt ?? from;
  return { from: plus(from, -10), to: plus(to, 5) };
}

/** The query's values over the drill with the threshold and the fault's moments; undefined without samples. */
export function detectionSpec(j: Journal): ChartSpec | undefined {
  const r = j.detection.range;
  if (!r || r.series.length === 0) return undefined;
  const labelOf = (l: Record<string, string>) => {
    const keep = Object.entries(l).filter(([k]) => k !== "__name__");
    return keep.length ? keep.map(([k, v]) => `${k}=${v}`).join(", ") : "value";
  };
  const points = r.series.flatMap((s) => s.values.filter(([, v]) => v !== null).map(([t, v]) => ({ t: new Date(t * 1000).toISOString(), v, series: labelOf(s.labels) })));
  if (points.length === 0) return undefined;
  const moments = [
    { at: j.fault?.injectedAt, label: "fault injected", color: "#6d4c41" },
    { at: j.detection.firedAt, label: "alert firing", color: "#c62828" },
    { at: j.recovery.recoveredAt, label: "recovered", color: "#2e7d32" },
    { at: j.recovery.alertResolvedAt, label: "alert resolved", color: "#1565c0" },
  ].filter((m): m is { at: string; label: string; color: string } => !!m.at);
  const x = { type: "temporal" as const, scale: { type: "utc" as const, domain: [r.start, r.end] }, title: "time (UTC)", axis: { format: "%H:%M:%S" } };
  const seriesCount = new Set(points.map((p) => p.series)).size;
  const layers: NonNullable<Extract<ChartSpec, { layer: unknown }>["layer"]> = [
    {
      data: { values: points },
      mark: { type: "line", point: { size: 18 }, interpolate: "step-after" },
      encoding: {
        x: { field: "t", ...x },
        y: { field: "v", type: "quantitative", title: "query value" },
        color: { field: "series", type: "nominal", legend: seriesCount > 1 ? { orient: "bottom", title: null, labelLimit: 600 } : null },
      },
    },
  ];
  if (r.threshold) {
    const t = r.threshold;
    layers.push(
      { data: { values: [{ y: t.value }] }, mark: { type: "rule", color: "#c62828", strokeDash: [6, 4], strokeWidth: 2 }, encoding: { y: { field: "y", type: "quantitative" } } },
      {
        data: { values: [{ y: t.value, label: `alert threshold: ${t.op} ${t.value}` }] },
        mark: { type: "text", color: "#c62828", align: "left", dx: 4, dy: -7, x: 0 },
        encoding: { y: { field: "y", type: "quantitative" }, text: { field: "label" } },
      },
    );
  }
  if (moments.length) {
    // Named in a legend rather than by rotated labels, which collide when moments are close.
    layers.push({
      data: { values: moments },
      mark: { type: "rule", strokeDash: [3, 3], strokeWidth: 1.5 },
      encoding: {
        x: { field: "at", type: "temporal" },
        color: { field: "label", type: "nominal", scale: { domain: moments.map((m) => m.label), range: moments.map((m) => m.color) }, legend: { orient: "bottom", title: "moment" } },
      },
    });
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: 760,
    height: 260,
    layer: layers,
    // Series and moments each get their own colour legend.
    resolve: { scale: { color: "independent" } },
    config: { font: "sans-serif" },
  };
}
