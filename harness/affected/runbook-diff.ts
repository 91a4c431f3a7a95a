// What changed in a runbook, section by section: both texts are parsed and each
// numbered section is compared part by part (Symptoms, Detection, each step). Lines
// added to section 2 shift every later section's line numbers but change nothing in
// them, so only section 2 counts; a diff's line ranges would count them all.
import { parseAnnotations, type Annotations } from "../runbook/resolve/annotations.js";
import { parseRunbook } from "../runbook/parse/parse.js";
import type { Section } from "../runbook/types.js";

export interface SectionChange {
  /** null for an unnumbered section (Preventive Measures): no drill runs it. */
  section: number | null;
  title: string;
  /** What changed, for people: "Detection query", "step 3.2", "added", ... */
  what: string[];
  /** Ids of steps whose text changed, appeared or disappeared. */
  steps: string[];
}

const sectionText = (lines: string[], s: Section): string => lines.slice(s.line - 1, s.endLine).join("\n");
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export function diffRunbook(oldText: string | undefined, newText: string | undefined, file: string): SectionChange[] {
  const before = oldText === undefined ? [] : parseRunbook(oldText, file).sections;
  const after = newText === undefined ? [] : parseRunbook(newText, file).sections;
  const oldLines = (oldText ?? "").split("\n");
  const newLines = (newText ?? "").split("\n");
  const key = (s: Section): string => (s.number !== null ? `#${s.number}` : `title:${s.title}`);
  const oldByKey = new Map(before.map((s) => [key(s), s]));
  const newByKey = new Map(after.map((s) => [key(s), s]));
  const changes: SectionChange[] = [];

  for (const k of new Set([...oldByKey.keys(), ...newByKey.keys()])) {
    const o = oldByKey.get(k);
    const n = newByKey.get(k);
    const ref = (n ?? o)!;
    if (!o || !n) {
      changes.push({ section: ref.number, title: ref.title, what: [o ? "removed" : "added"], steps: ref.steps.map((s) => s.id) });
      continue;
    }
    const what: string[] = [];
    const steps: string[] = [];
    if (o.title !== n.title) what.push("title");
    if (!same(o.symptoms, n.symptoms)) what.push("Symptoms");
    if (!same(o.likelyCauses, n.likelyCauses)) what.push("Likely Causes");
    const queries = (s: Section) => s.detection.map((d) => ({ language: d.language, expr: d.expr, comment: d.comment }));
    if (!same(queries(o), queries(n))) what.push("Detection query");
    const oldSteps = new Map(o.steps.map((s) => [s.id, s.text]));
    const newSteps = new Map(n.steps.map((s) => [s.id, s.text]));
    for (const id of new Set([...oldSteps.keys(), ...newSteps.keys()])) {
      const a = oldSteps.get(id);
      const b = newSteps.get(id);
      if (a === b) continue;
      steps.push(id);
      what.push(a === undefined ? `step ${id} added` : b === undefined ? `step ${id} removed` : `step ${id}`);
    }
    const inline = (s: Section) => s.blocks.map((b) => b.inlineAnnotation?.text ?? "");
    if (!same(inline(o), inline(n))) what.push("inline drill annotation");
    // Anything else (prose, a part the parser does not model) still belongs to the
    // section: a drill of it may read it, so it counts, named as what it is.
    if (what.length === 0 && sectionText(oldLines, o) !== sectionText(newLines, n)) what.push("text outside the parsed parts");
    if (what.length > 0) changes.push({ section: ref.number, title: ref.title, what, steps });
  }
  return changes.sort((a, b) => (a.section ?? Infinity) - (b.section ?? Infinity));
}

export interface AnnotationChange {
  /** A step id (`3.2`) or a whole section (`4.*`). */
  target: string;
  section: number;
}

export interface AnnotationsDiff {
  changes: AnnotationChange[];
  /** Waivers only matter to lint; listed so the output can say so. */
  waivers: number[];
  /** The new sidecar has errors: every drill of its runbook fails on them. */
  errors: string[];
}

export function diffAnnotations(oldText: string | undefined, newText: string | undefined, file: string): AnnotationsDiff {
  const parse = (t: string | undefined): Annotations | undefined => (t === undefined ? undefined : parseAnnotations(t, file));
  const before = parse(oldText);
  const after = parse(newText);
  const entries = (a: Annotations | undefined) => new Map((a?.entries ?? []).map((e) => [e.target, JSON.stringify(e.annotation)]));
  const o = entries(before);
  const n = entries(after);
  const changes: AnnotationChange[] = [];
  for (const target of new Set([...o.keys(), ...n.keys()])) {
    if (o.get(target) !== n.get(target)) changes.push({ target, section: Number(target.split(".")[0]) });
  }
  const waiverMap = (a: Annotations | undefined) => new Map((a?.waivers ?? []).map((w) => [w.section, w.reason]));
  const ow = waiverMap(before);
  const nw = waiverMap(after);
  const waivers = [...new Set([...ow.keys(), ...nw.keys()])].filter((s) => ow.get(s) !== nw.get(s)).sort((a, b) => a - b);
  const errors = (after?.diagnostics ?? []).filter((d) => d.severity === "error").map((d) => `${d.file}:${d.line}: ${d.message}`);
  return { changes: changes.sort((a, b) => a.target.localeCompare(b.target, "en", { numeric: true })), waivers, errors };
}
