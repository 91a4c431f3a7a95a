// Runbook Markdown -> sections, detection queries and steps, each with its source line.
//
// The format is the one failure-modes.md uses: `## Group` headings, `### N. Title`
// numbered sections, bold part labels (**Symptoms**, **Likely Causes**, **Detection**,
// **Runbook**) and ```bash blocks whose `# N.` comments start steps and `# a)` comments
// start sub-steps. Whatever the parser does not model it keeps or skips quietly; it only
// reports what would change what a drill runs (numbering, missing blocks, open fences).
import { scanMarkdown } from "./markdown.js";
import { parseShell } from "./shell.js";
import type { CodeBlock, DetectionQuery, Diagnostic, Runbook, Section, Step } from "./types.js";
import { location } from "./types.js";

type Part = "symptoms" | "causes" | "detection" | "runbook" | "other";

const NUMBERED_SECTION = /^(\d+)\.\s+(.*)$/;
const PART_LABEL = /^\s*\*\*([^*]+?):?\*\*\s*:?\s*(.*)$/;
const BULLET = /^\s*(?:[-*+]|\d+\.)\s+(?:\[[ xX]\]\s+)?(.*)$/;
const STEP_HEADING = /^\s*#\s*(\d+)[.)](?:\s+(.*))?$/;
const SUB_HEADING = /^\s*#\s*([a-zA-Z])\)(?:\s+(.*))?$/;
const SHELL_LANGS = new Set(["bash", "sh", "shell", "zsh"]);
const PROMQL_LANGS = new Set(["promql", "prometheus"]);

const PART_NAMES: Record<string, Part> = {
  symptoms: "symptoms",
  "likely causes": "causes",
  causes: "causes",
  "possible causes": "causes",
  detection: "detection",
  alert: "detection",
  runbook: "runbook",
  steps: "runbook",
  recovery: "runbook",
  remediation: "runbook",
  resolution: "runbook",
  procedure: "runbook",
};

export function parseRunbook(markdown: string, file: string): Runbook {
  const scan = scanMarkdown(markdown, file);
  const diagnostics: Diagnostic[] = [...scan.diagnostics];
  const sections: Section[] = [];
  let title: string | undefined;
  let group: string | undefined;
  let current: SectionBuilder | undefined;
  let groupIntro: SectionBuilder | undefined;

  const close = (): void => {
    for (const b of [current, groupIntro]) {
      if (!b) continue;
      // A `## Group` heading becomes a section of its own only when it has content.
      if (b === groupIntro && !b.hasContent) continue;
      sections.push(b.finish(diagnostics));
    }
    current = undefined;
    groupIntro = undefined;
  };

  for (const ev of scan.events) {
    if (ev.kind === "heading" && ev.level <= 3) {
      close();
      if (ev.level === 1) {
        title ??= ev.text;
        group = undefined;
      } else if (ev.level === 2) {
        group = ev.text;
        groupIntro = new SectionBuilder(file, null, ev.text, undefined, ev.line);
      } else {
        const m = NUMBERED_SECTION.exec(ev.text);
        current = m
          ? new SectionBuilder(file, Number(m[1]), m[2]!.trim(), group, ev.line)
          : new SectionBuilder(file, null, ev.text, group, ev.line);
      }
      continue;
    }
    const target = current ?? groupIntro;
    if (!target) continue; // text before the first section heading: the preamble
    if (ev.kind === "heading") target.label(ev.text, "", ev.line);
    else if (ev.kind === "block") target.block(ev.block, diagnostics);
    else target.text(ev.text, ev.line);
  }
  close();

  checkSectionNumbering(sections, diagnostics);
  diagnostics.sort((a, b) => a.line - b.line);
  return { file, ...(title !== undefined ? { title } : {}), sections, diagnostics };
}

class SectionBuilder {
  private part: Part | undefined;
  private readonly section: Section;
  private lastContentLine: number;
  private sawRunbookBlock = false;
  private readonly stepState: StepState = { seen: new Map(), last: 0 };
  hasContent = false;

  constructor(file: string, num: number | null, title: string, group: string | undefined, line: number) {
    this.lastContentLine = line;
    this.section = {
      number: num,
      title,
      ...(group !== undefined ? { group } : {}),
      drillable: num !== null,
      file,
      line,
      endLine: line,
      symptoms: [],
      likelyCauses: [],
      detection: [],
      steps: [],
      otherParts: [],
      blocks: [],
    };
  }

  label(labelText: string, rest: string, line: number): void {
    const part = PART_NAMES[labelText.trim().toLowerCase()];
    this.part = part ?? "other";
    if (!part) this.section.otherParts.push({ label: labelText.trim(), line });
    if (part === "runbook") this.section.runbookLine = line;
    this.touch(line);
    if (rest.trim()) this.text(rest, line);
  }

  text(text: string, line: number): void {
    if (/^\s*(?:---+|\*\*\*+|___+)\s*$/.test(text)) return; // thematic break between sections
    const label = PART_LABEL.exec(text);
    if (label && PART_NAMES[label[1]!.trim().toLowerCase()] !== undefined) {
      this.label(label[1]!, label[2]!, line);
      return;
    }
    if (label && this.section.number !== null && /^[A-Z][\w &/-]*$/.test(label[1]!.trim())) {
      this.label(label[1]!, label[2]!, line); // an unknown part such as **Impact**
      return;
    }
    this.touch(line);
    const bullet = BULLET.exec(text);
    const item = (bullet ? bullet[1]! : text).trim();
    if (!item) return;
    if (this.part === "symptoms" && bullet) this.section.symptoms.push(item);
    else if (this.part === "causes" && bullet) this.section.likelyCauses.push(item);
    else if (this.part === "detection") {
      this.section.detection.push({ language: "text", expr: item, file: this.section.file, line, endLine: line });
    }
  }

  block(block: CodeBlock, diagnostics: Diagnostic[]): void {
    this.section.blocks.push(block);
    this.touch(block.endLine);
    const file = this.section.file;
    if (this.part === "detection") {
      if (PROMQL_LANGS.has(block.lang)) this.section.detection.push(...promqlQueries(block, file));
      else if (block.text.trim()) {
        this.section.detection.push({
          language: SHELL_LANGS.has(block.lang) ? "bash" : "text",
          expr: block.text,
          file,
          line: block.firstLine,
          endLine: block.endLine - (block.closed ? 1 : 0),
        });
      }
    } else if (this.part === "runbook" && this.section.number !== null) {
      if (SHELL_LANGS.has(block.lang)) {
        this.sawRunbookBlock = true;
        this.section.steps.push(...splitSteps(block, this.section.number, file, this.stepState, diagnostics));
      } else {
        diagnostics.push({
          file,
          line: block.fenceLine,
          severity: "warning",
          message: `runbook block \`\`\`${block.info} is not \`\`\`bash: its commands are not read as steps`,
        });
      }
    }
  }

  private touch(line: number): void {
    this.hasContent = true;
    this.lastContentLine = Math.max(this.lastContentLine, line);
  }

  finish(diagnostics: Diagnostic[]): Section {
    const s = this.section;
    s.endLine = this.lastContentLine;
    if (s.number !== null) {
      if (s.runbookLine === undefined) {
        diagnostics.push({
          file: s.file,
          line: s.line,
          severity: "warning",
          message: `section ${s.number} has no **Runbook** part: nothing to drill`,
        });
      } else if (!this.sawRunbookBlock) {
        diagnostics.push({
          file: s.file,
          line: s.runbookLine,
          severity: "error",
          message: `section ${s.number}: **Runbook** heading without a \`\`\`bash block`,
        });
      }
    }
    return s;
  }
}

/** Splits a promql block into expressions: blank lines separate them, and `#` comment
 *  lines in front of an expression are its description, not part of it. */
function promqlQueries(block: CodeBlock, file: string): DetectionQuery[] {
  const out: DetectionQuery[] = [];
  const lines = block.text.split("\n");
  let comment: string[] = [];
  let expr: string[] = [];
  let exprLine = 0;
  const flush = (): void => {
    if (expr.length > 0) {
      out.push({
        language: "promql",
        expr: expr.join("\n"),
        ...(comment.length > 0 ? { comment: comment.join("\n") } : {}),
        file,
        line: exprLine,
        endLine: exprLine + expr.length - 1,
      });
    }
    comment = [];
    expr = [];
  };
  lines.forEach((text, k) => {
    if (text.trim() === "") flush();
    else if (expr.length === 0 && text.trimStart().startsWith("#")) comment.push(text.trimStart().replace(/^#\s?/, ""));
    else {
      if (expr.length === 0) exprLine = block.firstLine + k;
      expr.push(text);
    }
  });
  flush();
  return out;
}

interface StepState {
  /** Step number -> line of its heading, for duplicate detection across blocks. */
  seen: Map<string, number>;
  last: number;
  lastSub?: string;
  /** After a duplicate heading, its lines (and sub-steps) are skipped. */
  skipping?: boolean;
}

function splitSteps(block: CodeBlock, section: number, file: string, state: StepState, diagnostics: Diagnostic[]): Step[] {
  const lines = block.text.split("\n");
  const code = parseShell(block.text, block.firstLine).lineStartsInCode;
  const steps: Step[] = [];
  let open: { step: Step; lines: string[] } | undefined;
  let preamble: number[] = [];

  const finish = (): void => {
    if (!open) return;
    while (open.lines.length > 1 && open.lines[open.lines.length - 1]!.trim() === "") open.lines.pop();
    open.step.text = open.lines.join("\n");
    open.step.endLine = open.step.line + open.lines.length - 1;
    steps.push(open.step);
    open = undefined;
  };
  const warn = (line: number, message: string, severity: Diagnostic["severity"] = "warning"): void => {
    diagnostics.push({ file, line, severity, message });
  };

  lines.forEach((text, k) => {
    const line = block.firstLine + k;
    const num = code[k] ? STEP_HEADING.exec(text) : null;
    const sub = code[k] && !num ? SUB_HEADING.exec(text) : null;
    if (num) {
      finish();
      const n = Number(num[1]);
      const id = `${section}.${n}`;
      const first = state.seen.get(id);
      if (first !== undefined) {
        warn(line, `duplicate step number: ${id} is already at ${location(file, first)}; this one is ignored`, "error");
        open = undefined;
        state.skipping = true;
        return;
      }
      if (n <= state.last) warn(line, `steps out of order: ${id} comes after ${section}.${state.last}`);
      else if (n > state.last + 1) warn(line, `step ${section}.${state.last + 1} is missing: ${section}.${state.last} is followed by ${id}`);
      state.seen.set(id, line);
      state.last = Math.max(state.last, n);
      state.lastSub = undefined;
      state.skipping = false;
      open = { step: newStep(id, section, n, undefined, num[2] ?? "", file, line), lines: [text] };
      return;
    }
    if (sub && state.last > 0 && !state.skipping) {
      finish();
      const letter = sub[1]!.toLowerCase();
      const parentId = `${section}.${state.last}`;
      const id = `${parentId}${letter}`;
      const first = state.seen.get(id);
      if (first !== undefined) {
        warn(line, `duplicate sub-step: ${id} is already at ${location(file, first)}; this one is ignored`, "error");
        open = undefined;
        return;
      }
      const expected = state.lastSub === undefined ? "a" : String.fromCharCode(state.lastSub.charCodeAt(0) + 1);
      if (letter !== expected) warn(line, `sub-steps out of order: ${id} where ${parentId}${expected} was expected`);
      state.seen.set(id, line);
      state.lastSub = letter;
      open = { step: newStep(id, section, state.last, letter, sub[2] ?? "", file, line, parentId), lines: [text] };
      return;
    }
    if (open) open.lines.push(text);
    else if (text.trim() !== "" && !state.skipping) preamble.push(line);
  });
  finish();

  if (steps.length === 0 && preamble.length > 0 && state.seen.size === 0) {
    // A block with commands but no `# N.` headings: the whole block is one step.
    const n = state.last + 1;
    const id = `${section}.${n}`;
    const firstLine = preamble[0]!;
    const lastLine = preamble[preamble.length - 1]!;
    const text = lines.slice(firstLine - block.firstLine, lastLine - block.firstLine + 1).join("\n");
    const titleComment = /^\s*#\s*(.*)$/.exec(text.split("\n")[0] ?? "");
    warn(block.fenceLine, `runbook block has no \`# N.\` step headings: it is read as one step ${id}`);
    state.seen.set(id, firstLine);
    state.last = n;
    const step = newStep(id, section, n, undefined, titleComment ? titleComment[1]! : "", file, firstLine);
    step.text = text;
    step.endLine = lastLine;
    return [step];
  }
  if (preamble.length > 0) {
    warn(preamble[0]!, `lines ${preamble[0]}-${preamble[preamble.length - 1]} come before the first \`# N.\` step heading and belong to no step`);
  }
  preamble = [];
  return steps;
}

function newStep(
  id: string,
  section: number,
  number: number,
  sub: string | undefined,
  title: string,
  file: string,
  line: number,
  parentId?: string,
): Step {
  return {
    id,
    section,
    number,
    ...(sub !== undefined ? { sub } : {}),
    ...(parentId !== undefined ? { parentId } : {}),
    title: title.trim(),
    text: "",
    file,
    line,
    endLine: line,
  };
}

function checkSectionNumbering(sections: Section[], diagnostics: Diagnostic[]): void {
  const seen = new Map<number, Section>();
  let last = 0;
  for (const s of sections) {
    if (s.number === null) continue;
    const first = seen.get(s.number);
    if (first) {
      diagnostics.push({
        file: s.file,
        line: s.line,
        severity: "error",
        message: `duplicate section number ${s.number}: also at ${location(first.file, first.line)}`,
      });
      continue;
    }
    if (s.number <= last) {
      diagnostics.push({ file: s.file, line: s.line, severity: "warning", message: `section ${s.number} comes after section ${last}` });
    }
    seen.set(s.number, s);
    last = Math.max(last, s.number);
  }
}

/** The numbered (drillable) section with this number, if any. */
export function findSection(runbook: Runbook, n: number): Section | undefined {
  return runbook.sections.find((s) => s.number === n);
}

export function allSteps(runbook: Runbook): Step[] {
  return runbook.sections.flatMap((s) => s.steps);
}
