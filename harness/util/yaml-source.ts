// The one YAML-with-lines reader: parse a document once, then answer "which line is this
// value (or this key) on?" so that every annotation, scenario or compose-file error points
// at file:line.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";

export interface YamlDiagnostic {
  file: string;
  line: number;
  severity: "error" | "warning";
  message: string;
}

export interface YamlSource {
  file: string;
  doc: Document;
  lines: LineCounter;
  /** Added to every line: for YAML embedded in another file (an HTML comment). */
  lineOffset: number;
}

export interface ParsedYaml {
  source: YamlSource;
  value: unknown;
  diagnostics: YamlDiagnostic[];
}

export function parseYaml(text: string, file: string, lineOffset = 0): ParsedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const source: YamlSource = { file, doc, lines, lineOffset };
  const diagnostics: YamlDiagnostic[] = [
    ...doc.errors.map((e) => ({ e, severity: "error" as const })),
    ...doc.warnings.map((e) => ({ e, severity: "warning" as const })),
  ].map(({ e, severity }) => ({
    file,
    line: lines.linePos(e.pos[0]).line + lineOffset,
    severity,
    message: `YAML: ${e.message.split("\n")[0]}`,
  }));
  const value: unknown = doc.errors.length > 0 ? undefined : doc.toJS();
  return { source, value, diagnostics };
}

/** The line of the node at `path` (or of the key `key` inside it); falls back to the
 *  nearest ancestor that exists, so a missing property points at its parent. */
export function lineOf(src: YamlSource, path: readonly (string | number)[], key?: string): number {
  let node: unknown = src.doc.contents;
  let line = firstLine(src, node);
  for (const seg of path) {
    const child = childOf(node, seg);
    if (child === undefined) return line;
    line = firstLine(src, child.keyNode ?? child.value);
    node = child.value;
  }
  if (key !== undefined) {
    const child = childOf(node, key);
    if (child?.keyNode) return firstLine(src, child.keyNode);
  }
  return line;
}

function childOf(node: unknown, seg: string | number): { keyNode?: unknown; value: unknown } | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const k = isScalar(pair.key) ? pair.key.value : pair.key;
      if (String(k) === String(seg)) return { keyNode: pair.key, value: pair.value };
    }
    return undefined;
  }
  if (isSeq(node)) {
    const item = node.items[Number(seg)];
    return item === undefined ? undefined : { value: item };
  }
  return undefined;
}

function firstLine(src: YamlSource, node: unknown): number {
  const range = (node as Node | null | undefined)?.range;
  const offset = range ? range[0] : 0;
  return src.lines.linePos(offset).line + src.lineOffset;
}

/** The line of a character offset in the document (a parse error's position). */
export function lineAt(src: YamlSource, offset: number | undefined): number {
  return (offset === undefined ? 1 : src.lines.linePos(offset).line) + src.lineOffset;
}

/** The line of the value at a JSON pointer such as /steps/2 (an ajv instancePath), or of
 *  the nearest existing parent: where a schema error about that value belongs. */
export function valueLine(src: YamlSource, pointer: string): number {
  return lineAt(src, valueNode(src, pointer)?.range?.[0]);
}

/** The node at a JSON pointer, or the nearest existing parent. */
export function valueNode(src: YamlSource, pointer: string): Node | null {
  let node = src.doc.contents as Node | null;
  for (const part of pointerPath(pointer)) {
    const next = isMap(node) ? (node.get(part, true) as Node | undefined) : isSeq(node) ? (node.get(Number(part), true) as Node | undefined) : undefined;
    if (!next) break;
    node = next;
  }
  return node;
}

/** Splits an ajv instancePath (`/steps/4.3b/mode`) into keys. */
export function pointerPath(pointer: string): string[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}
