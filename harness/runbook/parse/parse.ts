// Runbook Markdown -> sections, detection queries and steps, each with its source line.
//
// The format is the one failure-modes.md uses: `## Group` headings, `### N. Title`
// numbered sections, bold part labels (**Symptoms**, **Likely Causes**, **Detection**,
// **Runbook**) and ```bash blocks whose `# N.` comments start steps and `# a)` comments
// start sub-steps. Prose it does not model it keeps as it is; but it never drops
// something a drill might have run without a diagnostic at its line: a heading it cannot
// place, a shell block outside a Runbook part, commands outside any step, gaps in the
// numbering, and a runbook in which it finds nothing to drill at all.
import { scanMarkdown } from "./markdown.js";
import { parseShell } from "./shell-syntax.js";
import type { CodeBlock, DetectionQuery, Diagnostic, Runbook, Section, Step } from "../types.js";
import { location } from "../types.js";

type Part = "symptoms" | "causes" | "detection" | "runbook" | "other";

const NUMBERED_SECTION = /^(\d+)\.\s+(.*)$/;
const PART_LABEL = /^\s*\*\*([^*]+?):?\*\*\s*:?\s*(.*)$/;
const BULLET = /^\s*(?:[-*+]|\d+\.)\s+(?:\[[ xX]\]\s+)?(.*)$/;
const STEP_HEADING = /^\s*#\s*(\d+)[.)](?:\s+(.*))?$/;
const SUB_HEADING = /^\s*#\s*([a-zA-Z])\)(?:\s+(.*))?$/;
const SHELL_LANGS = new Set(["bash", "sh", "shell", "zsh"]);
/** Transcripts: prompts and output mixed, so not runnable as they are. */
const TRANSCRIPT_LANGS = new Set(["console", "shell-session", "shellsession", "terminal"]);
/** `3) X`, `3: X`, `Section 3: X`, `3 - X`: a heading that means a section number but
 *  does not read `N. Title`. Not `4.1 X` (a sub-heading) and not `Step 3` (see below). */
const LOOKS_NUMBERED = /^(?:section\s+)?(\d+)\s*(?:[.):](?!\d)|\s-)\s*\S/i;
/** `#### Step 3: Restart`: a step written as a heading; steps are `# N.` comments. */
const STEP_AS_HEADING = /^step\s+(\d+)\b/i;
/** `# Step 3: x`, `# 3 - x`, `# 3: x`: a comment that means a step but is not `# N.`/`# N)`. */
const LOOKS_LIKE_STEP = /^\s*#\s*(?:step\s+(\d+)\b|(\d+)\s*(?::|\s-\s))/i;
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

  const headings: Heading[] = [];
  /** Shell blocks outside every numbered section: not drilled, reported as such. */
  const strayBlocks: CodeBlock[] = [];

  for (const ev of scan.events) {
    if (ev.kind === "heading") {
      const open = current?.number ?? null;
      headings.push({ level: ev.level, text: ev.text, line: ev.line, openBefore: ev.level <= 3 ? open : null, inside: current ? open : null });
    }
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
    if (ev.kind === "block" && isShellish(ev.block.lang) && headings.length > 0) headings[headings.length - 1]!.shellBlock = true;
    const target = current ?? groupIntro;
    if (!target) {
      // Text before the first section heading: the preamble. Prose is fine there; a
      // shell block is something a reader would run, and no drill does.
      if (ev.kind === "block" && isShellish(ev.block.lang)) {
        strayBlocks.push(ev.block);
        diagnostics.push({ file, line: ev.block.fenceLine, severity: "warning", message: `\`\`\`${ev.block.lang} block before the first section heading is not drilled: only \`### N. Title\` sections are` });
      }
      continue;
    }
    if (ev.kind === "heading") target.label(ev.text, "", ev.line, ev.level);
    else if (ev.kind === "block") {
      if (target.number === null && isShellish(ev.block.lang)) strayBlocks.push(ev.block);
      target.block(ev.block, diagnostics);
    } else target.text(ev.text, ev.line);
  }
  close();

  headings.forEach((h, k) => {
    const problem = headingProblem(h, headings.slice(k + 1));
    if (problem) diagnostics.push({ file, line: h.line, severity: "error", message: problem });
  });
  checkSectionNumbering(sections, headings, diagnostics);
  checkSomethingToDrill(file, sections, headings, strayBlocks, diagnostics);
  diagnostics.sort((a, b) => a.line - b.line);
  return { file, ...(title !== undefined ? { title } : {}), sections, diagnostics };
}

class SectionBuilder {
  private part: Part | undefined;
  private partLabel: string | undefined;
  /** Set after a heading that looks like another section: see label(). */
  private misplaced: string | undefined;
  private readonly section: Section;
  private lastContentLine: number;
  private sawRunbookBlock = false;
  private readonly stepState: StepState = { seen: new Map(), last: 0 };
  hasContent = false;

  get number(): number | null {
    return this.section.number;
  }

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

  label(labelText: string, rest: string, line: number, level?: number): void {
    // Under a `#### 6. X` heading (a section at the wrong level), what follows belongs
    // to that would-be section: a **Runbook** there must not add steps to this one.
    if (level !== undefined && LOOKS_NUMBERED.test(labelText)) this.misplaced = `\`${"#".repeat(level)} ${labelText.trim()}\``;
    if (this.misplaced) {
      this.part = "other";
      this.section.otherParts.push({ label: labelText.trim(), line });
      this.touch(line);
      return;
    }
    const part = PART_NAMES[labelText.trim().toLowerCase()];
    this.part = part ?? "other";
    this.partLabel = labelText.trim();
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
          message: TRANSCRIPT_LANGS.has(block.lang)
            ? `runbook block \`\`\`${block.info} is a transcript (prompts and output): its commands are not read as steps; write them in a \`\`\`bash block`
            : `runbook block \`\`\`${block.info} is not \`\`\`bash: its commands are not read as steps`,
        });
      }
    } else if (isShellish(block.lang)) {
      const s = this.section;
      const where =
        s.number === null
          ? `in unnumbered section "${s.title}" is not drilled: only \`### N. Title\` sections are`
          : this.part === undefined
            ? `in section ${s.number} comes before any part label: only blocks under **Runbook** are read as steps`
            : `in section ${s.number} is under ${this.misplaced ?? (this.partLabel ? `**${this.partLabel}**` : "another part")}, not **Runbook**: its commands are not read as steps`;
      // Under Symptoms it may be an illustration: a warning, not an error.
      diagnostics.push({ file, line: block.fenceLine, severity: "warning", message: `\`\`\`${block.lang} block ${where}` });
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
    const like = code[k] ? LOOKS_LIKE_STEP.exec(text) : null;
    if (like && !state.skipping) {
      const into = open ? `read as part of step ${open.step.id}` : "read as no step";
      warn(line, `\`${text.trim()}\` looks like a step heading but is not \`# ${like[1] ?? like[2]}. Title\`: ${into}`);
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
    // Commands here run in no drill: an error. A comment alone loses nothing: a warning.
    const hasCode = preamble.some((l) => !/^\s*#/.test(lines[l - block.firstLine] ?? ""));
    const span = preamble.length === 1 ? `line ${preamble[0]}` : `lines ${preamble[0]}-${preamble[preamble.length - 1]}`;
    const lastStep = [...state.seen.entries()].filter(([id]) => !steps.some((s) => s.id === id)).pop();
    const message =
      steps.length === 0
        ? `\`\`\`${block.lang} block at line ${block.fenceLine} has no \`# N.\` step heading, and section ${section} already has steps (${lastStep ? `${lastStep[0]} at line ${lastStep[1]}` : "above"}): ${span} continue no step and ${hasCode ? "are not drilled" : "are dropped"}; start the block with \`# ${state.last + 1}. ...\` or move ${preamble.length === 1 ? "it" : "them"} into the step's block`
        : `${span} come${preamble.length === 1 ? "s" : ""} before the first \`# N.\` step heading and belong${preamble.length === 1 ? "s" : ""} to no step${hasCode ? ": not drilled" : ""}`;
    warn(preamble[0]!, message, hasCode ? "error" : "warning");
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

function checkSectionNumbering(sections: Section[], headings: readonly Heading[], diagnostics: Diagnostic[]): void {
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
    } else if (s.number > last + 1) {
      const missing = s.number === last + 2 ? `section ${last + 1} is` : `sections ${last + 1}-${s.number - 1} are`;
      // A heading that means one of the missing numbers explains the gap.
      const candidates = headings
        .filter((h) => {
          const n = numberOf(h);
          return n !== undefined && n > last && n < s.number! && !(h.level === 3 && NUMBERED_SECTION.test(h.text));
        })
        .map((h) => `\`${"#".repeat(h.level)} ${h.text}\` at line ${h.line}`);
      diagnostics.push({
        file: s.file,
        line: s.line,
        severity: "warning",
        message: `${missing} missing: ${last === 0 ? "the first numbered section is" : `section ${last} is followed by`} section ${s.number}${candidates.length > 0 ? ` (not placed: ${candidates.join(", ")})` : ""}`,
      });
    }
    seen.set(s.number, s);
    last = Math.max(last, s.number);
  }
}

interface Heading {
  level: number;
  text: string;
  line: number;
  /** The numbered section a level 1-3 heading closes. */
  openBefore?: number | null;
  /** The numbered section a level 4-6 heading sits in. */
  inside?: number | null;
  /** A shell block follows it directly (before the next heading). */
  shellBlock?: boolean;
}

const isShellish = (lang: string): boolean => SHELL_LANGS.has(lang) || TRANSCRIPT_LANGS.has(lang);

/** The number a heading means, when it means one (`3. X`, `3) X`, `Section 3: X`). */
function numberOf(h: Heading): number | undefined {
  const m = NUMBERED_SECTION.exec(h.text) ?? LOOKS_NUMBERED.exec(h.text);
  return m ? Number(m[1]) : undefined;
}

/** Why a heading cannot be placed where it is, or undefined when it can. */
function headingProblem(h: Heading, after: readonly Heading[]): string | undefined {
  const openBefore = h.openBefore ?? null;
  const inside = h.inside ?? null;
  const written = `\`${"#".repeat(h.level)} ${h.text}\``;
  const n = numberOf(h);
  if (n !== undefined && !(h.level === 3 && NUMBERED_SECTION.test(h.text))) {
    // `## 1. System-Wide Failures` over `### 1. Outage`...: a numbered group, placed. One
    // with commands of its own is a section at the wrong level.
    if (h.level < 3 && !h.shellBlock && hasNumberedSectionBelow(h, after)) return undefined;
    const fix = `write \`### ${n}. ${h.text.replace(LOOKS_NUMBERED_PREFIX, "")}\``;
    if (h.level === 3) return `${written} looks like section ${n} but is not \`### N. Title\`: it is read as an unnumbered section and not drilled (${fix})`;
    if (h.level < 3) return `${written} looks like section ${n} but is a level-${h.level} heading: only level-3 \`### N. Title\` headings start a drillable section, so it is read as ${h.level === 1 ? "the title" : "a group"} and not drilled (${fix})`;
    return `${written} looks like section ${n} but is a level-${h.level} heading: it is read as a part of ${inside !== null ? `section ${inside}` : "the section above it"} and not drilled (${fix})`;
  }
  const step = STEP_AS_HEADING.exec(h.text);
  if (step && h.level >= 4 && inside !== null) {
    return `${written} looks like step ${inside}.${step[1]} but steps are \`# N.\` comments inside a \`\`\`bash block under **Runbook**: it is read as a part label, and blocks under it are not read as steps`;
  }
  const part = PART_NAMES[h.text.trim().toLowerCase()];
  if (part && h.level <= 3 && openBefore !== null) {
    return `${written} is a level-${h.level} heading: it ends section ${openBefore}, so what follows is not read as section ${openBefore}'s ${h.text} (write \`**${h.text}**:\` or \`#### ${h.text}\`)`;
  }
  return undefined;
}

/** Does a level-3 `### N. Title` follow before the next heading of h's level or above? */
function hasNumberedSectionBelow(h: Heading, after: readonly Heading[]): boolean {
  for (const next of after) {
    if (next.level <= h.level) return false;
    if (next.level === 3 && NUMBERED_SECTION.test(next.text)) return true;
  }
  return false;
}

const LOOKS_NUMBERED_PREFIX = /^(?:section\s+)?\d+\s*(?:[.):]|\s-)\s*/i;

/** A runbook in which nothing can be drilled is an error that says what the parser
 *  looked for and what it found, never an empty pass. */
function checkSomethingToDrill(file: string, sections: readonly Section[], headings: readonly Heading[], stray: readonly CodeBlock[], diagnostics: Diagnostic[]): void {
  if (sections.some((s) => s.number !== null && s.steps.length > 0)) return;
  const wanted =
    "the parser looks for numbered sections `### N. Title` (level 3) whose **Runbook** part (a bold `**Runbook**:` label or a `#### Runbook` heading) holds ```bash blocks with `# N.` step comments";
  const numbered = sections.filter((s) => s.number !== null);
  const found: string[] = [];
  if (numbered.length > 0) {
    const withRunbook = numbered.filter((s) => s.runbookLine !== undefined).length;
    found.push(`${numbered.length} numbered section${numbered.length === 1 ? "" : "s"}, ${withRunbook === 0 ? "none with a **Runbook** part" : `${withRunbook} with a **Runbook** part but no step in a \`\`\`bash block`}`);
  } else if (headings.length === 0) {
    found.push("no headings at all");
  } else {
    const shown = headings.slice(0, 8).map((h) => `\`${"#".repeat(h.level)} ${h.text}\` (line ${h.line})`);
    found.push(`headings ${shown.join(", ")}${headings.length > shown.length ? ` and ${headings.length - shown.length} more` : ""}`);
  }
  if (stray.length > 0) {
    found.push(`${stray.length} shell block${stray.length === 1 ? "" : "s"} outside any numbered section (line${stray.length === 1 ? "" : "s"} ${stray.map((b) => b.fenceLine).join(", ")})`);
  }
  diagnostics.push({
    file,
    line: headings[0]?.line ?? 1,
    severity: "error",
    message: `no drillable section: ${wanted}; found ${found.join(", and ")}`,
  });
}

/** The numbered (drillable) section with this number, if any. */
export function findSection(runbook: Runbook, n: number): Section | undefined {
  return runbook.sections.find((s) => s.number === n);
}

export function allSteps(runbook: Runbook): Step[] {
  return runbook.sections.flatMap((s) => s.steps);
}
