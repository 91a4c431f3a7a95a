// Promtail's pipeline stages the stand-in implements, with upstream's semantics:
//  - json: parses the line (or an extracted `source`); each expression (a JMESPath field
//    path; empty means the name itself) goes into the extracted map. A line that is not
//    JSON passes through unchanged (logged at debug), or is dropped with drop_malformed.
//  - regex: named groups into the extracted map; no match leaves it unchanged.
//  - labels: extracted values become stream labels (`level:` with no value means `level`).
//  - static_labels, output: as upstream.
import type { Stage } from "./config.js";
import type { Logger } from "../logfmt.js";

export interface PipelineEntry {
  line: string;
  labels: Record<string, string>;
  extracted: Record<string, unknown>;
}

/** A JMESPath subset: dotted field names, quoted names ("a.b"), array index [n]. */
export function jmesField(doc: unknown, expression: string): unknown {
  const parts = expression.match(/"(?:[^"\\]|\\.)*"|[^.[\]]+|\[\d+\]/g) ?? [];
  let cur = doc;
  for (const p of parts) {
    if (cur === null || typeof cur !== "object") return undefined;
    if (p.startsWith("[")) cur = (cur as unknown[])[Number(p.slice(1, -1))];
    else cur = (cur as Record<string, unknown>)[p.startsWith('"') ? (JSON.parse(p) as string) : p];
  }
  return cur;
}

function asString(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

/** Runs the stages over one entry; undefined when a stage dropped it. */
export function runPipeline(stages: Stage[], entry: PipelineEntry, log: Logger): PipelineEntry | undefined {
  for (const stage of stages) {
    switch (stage.kind) {
      case "json": {
        const input = stage.source ? asString(entry.extracted[stage.source]) : entry.line;
        if (input === undefined) break;
        let doc: unknown;
        try {
          doc = JSON.parse(input);
          if (doc === null || typeof doc !== "object") throw new Error("not a JSON object");
        } catch (err) {
          log("debug", "failed to unmarshal log line", { component: "stage", type: "json", err: String(err) });
          if (stage.dropMalformed) return undefined;
          break;
        }
        for (const [name, expr] of Object.entries(stage.expressions)) {
          entry.extracted[name] = jmesField(doc, expr || name);
        }
        break;
      }
      case "regex": {
        const input = stage.source ? asString(entry.extracted[stage.source]) : entry.line;
        const m = input === undefined ? null : stage.expression.exec(input);
        for (const [k, v] of Object.entries(m?.groups ?? {})) if (v !== undefined) entry.extracted[k] = v;
        break;
      }
      case "labels":
        for (const [name, source] of Object.entries(stage.labels)) {
          const v = asString(entry.extracted[source || name]);
          if (v !== undefined && v !== "") entry.labels[name] = v;
        }
        break;
      case "static_labels":
        Object.assign(entry.labels, stage.labels);
        break;
      case "output": {
        const v = asString(entry.extracted[stage.source]);
        if (v !== undefined) entry.line = v;
        break;
      }
    }
  }
  return entry;
}
