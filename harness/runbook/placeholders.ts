// Placeholders are the parts of a runbook command the reader must fill in: `<service>`,
// `i-xxx`, `EC2_IP`, `MASTER_KEY`, `your-password`. A drill cannot run a step that still
// has one, so they are found per step and bound to drill values by annotations.
import { parseShell } from "./shell.js";

export type PlaceholderKind = "angle" | "xxx" | "caps" | "your" | "mustache";

export interface Placeholder {
  token: string;
  kind: PlaceholderKind;
  line: number;
}

const PATTERNS: { kind: PlaceholderKind; re: RegExp }[] = [
  // <service>, <instance id>; a redirection is `< file`, never `<word>`
  { kind: "angle", re: /<([A-Za-z][\w.-]*(?: [\w.-]+)*)>/g },
  // i-xxx, sg-xxx, vol-xxx, xxxx
  { kind: "xxx", re: /(?<![\w-])(?:[A-Za-z0-9]+-)*[xX]{3,}(?![\w-])/g },
  // your-password, YOUR_TOKEN
  { kind: "your", re: /(?<![\w-])(?:your|YOUR)[-_][\w-]+/g },
  { kind: "mustache", re: /\{\{\s*[\w.-]+\s*\}\}/g },
  // EC2_IP, MASTER_KEY: upper case with an underscore. Single upper-case words (POST,
  // ERROR, SELECT) are far more often literal than placeholders.
  { kind: "caps", re: /(?<![\w$-])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![\w-])/g },
];

/** Placeholders in the code of a shell text (comments are prose, and ignored). */
export function findPlaceholders(text: string, firstLine = 1): Placeholder[] {
  const script = parseShell(text, firstLine);
  const assigned = new Set(script.commands.flatMap((c) => c.assignments.map((a) => a.name)));
  for (const c of script.commands) {
    // `export NAME=...` / `read NAME` also define variables
    if (c.argv[0] === "export" || c.argv[0] === "read") {
      for (const a of c.argv.slice(1)) assigned.add(a.split("=")[0]!);
    }
  }
  const commentAt = new Map<number, string>();
  for (const c of script.comments) commentAt.set(c.line, c.text);

  const found: Placeholder[] = [];
  const seen = new Set<string>();
  text.split("\n").forEach((rawLine, k) => {
    const line = firstLine + k;
    const comment = commentAt.get(line);
    const code = comment !== undefined ? rawLine.slice(0, rawLine.lastIndexOf(comment)) : rawLine;
    for (const { kind, re } of PATTERNS) {
      for (const m of code.matchAll(re)) {
        const token = m[0];
        const after = code[(m.index ?? 0) + token.length];
        if (kind === "caps" && (after === "=" || assigned.has(token) || isBraceExpansion(code, m.index ?? 0))) continue;
        const key = `${kind}:${token}`;
        if (seen.has(key)) continue;
        seen.add(key);
        found.push({ token, kind, line });
      }
    }
  });
  return found;
}

function isBraceExpansion(code: string, index: number): boolean {
  return code.slice(Math.max(0, index - 2), index) === "${";
}

/** Does `token` occur in `text` as a whole placeholder (not inside a longer word)? */
export function containsToken(text: string, token: string): boolean {
  return tokenRegExp(token).test(text);
}

/** Replaces every whole occurrence of each bound token. Longer tokens go first so that
 *  `MASTER_KEY_2` is not half-replaced by a binding for `MASTER_KEY`. */
export function substitute(text: string, bind: Readonly<Record<string, string>>): string {
  let out = text;
  for (const token of Object.keys(bind).sort((a, b) => b.length - a.length)) {
    out = out.replace(tokenRegExp(token, "g"), () => bind[token]!);
  }
  return out;
}

function tokenRegExp(token: string, flags = ""): RegExp {
  const escaped = token.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  // Word-like tokens need word boundaries; `<service>` carries its own delimiters.
  const wordy = /^[\w-]/.test(token);
  return new RegExp(wordy ? `(?<![\\w-])${escaped}(?![\\w-])` : escaped, flags);
}
