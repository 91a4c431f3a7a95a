// A line scanner for the small part of CommonMark that runbooks use: ATX headings,
// fenced code blocks and HTML comments. Headings inside fences are code, not structure,
// so fences have to be recognised before anything else.
import type { CodeBlock, Diagnostic, InlineAnnotationSource } from "../types.js";

export type MdEvent =
  | { kind: "heading"; level: number; text: string; line: number }
  | { kind: "block"; block: CodeBlock }
  | { kind: "text"; text: string; line: number };

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*#*[ \t]*$/;
const DRILL_COMMENT_START = /^\s*<!--\s*drill:/;

export interface ScanResult {
  events: MdEvent[];
  diagnostics: Diagnostic[];
}

export function scanMarkdown(markdown: string, file: string): ScanResult {
  const lines = markdown.split(/\r?\n/);
  const events: MdEvent[] = [];
  const diagnostics: Diagnostic[] = [];
  let pending: InlineAnnotationSource | undefined;

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i] ?? "";

    const fence = FENCE_OPEN.exec(line);
    // A backtick fence's info string may not contain backticks (CommonMark 4.5).
    if (fence && !(fence[1]!.startsWith("`") && fence[2]!.includes("`"))) {
      const marker = fence[1]!;
      const info = fence[2]!.trim();
      const close = new RegExp(`^ {0,3}${marker[0] === "`" ? "`" : "~"}{${marker.length},}[ \\t]*$`);
      const content: string[] = [];
      let j = i + 1;
      while (j < lines.length && !close.test(lines[j] ?? "")) content.push(lines[j++] ?? "");
      const closed = j < lines.length;
      if (!closed) {
        diagnostics.push({
          file,
          line: lineNo,
          severity: "error",
          message: `unclosed code fence ${marker}${info}: everything after it is read as code`,
        });
        // A file that ends in "\n" yields a final empty "line" that is not content.
        if (content.length > 0 && content[content.length - 1] === "" && markdown.endsWith("\n")) content.pop();
      }
      const block: CodeBlock = {
        lang: (info.split(/[\s{]/, 1)[0] ?? "").toLowerCase(),
        info,
        text: content.join("\n"),
        fenceLine: lineNo,
        firstLine: lineNo + 1,
        endLine: closed ? j + 1 : lineNo + content.length,
        closed,
      };
      if (pending) block.inlineAnnotation = pending;
      pending = undefined;
      events.push({ kind: "block", block });
      i = j;
      continue;
    }

    if (DRILL_COMMENT_START.test(line)) {
      if (pending) diagnostics.push(notBeforeFence(file, pending.line));
      let text = line.replace(DRILL_COMMENT_START, "");
      let j = i;
      while (!text.includes("-->") && j + 1 < lines.length) text += "\n" + (lines[++j] ?? "");
      if (!text.includes("-->")) {
        diagnostics.push({ file, line: lineNo, severity: "error", message: "unclosed <!-- drill: comment" });
        break;
      }
      const after = text.slice(text.indexOf("-->") + 3).trim();
      pending = { text: text.slice(0, text.indexOf("-->")), line: lineNo };
      if (after) diagnostics.push(notBeforeFence(file, lineNo));
      i = j;
      continue;
    }

    if (line.trim() === "") continue; // blank lines may separate an annotation from its fence
    if (pending) {
      diagnostics.push(notBeforeFence(file, pending.line));
      pending = undefined;
    }

    const heading = HEADING.exec(line);
    if (heading) {
      events.push({ kind: "heading", level: heading[1]!.length, text: (heading[2] ?? "").trim(), line: lineNo });
      continue;
    }
    events.push({ kind: "text", text: line, line: lineNo });
  }
  if (pending) diagnostics.push(notBeforeFence(file, pending.line));
  return { events, diagnostics };
}

function notBeforeFence(file: string, line: number): Diagnostic {
  return {
    file,
    line,
    severity: "warning",
    message: "<!-- drill: ... --> is not immediately followed by a code fence; it is ignored",
  };
}
