// Placeholders are the parts of a runbook command the reader must fill in: `<service>`,
// `i-xxx`, `EC2_IP`, `MASTER_KEY`, `your-password`. A drill cannot run a step that still
// has one, so they are found per step and bound to drill values by annotations.
import { unwrap } from "./commands.js";
import { parseShell } from "../parse/shell-syntax.js";

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
  // {{ region }}: a bare name. Go templates (`docker ps --format '{{.Image}}'`,
  // `{{json .State}}`, `{{range .Mounts}}...{{end}}`) start with `.`/`$` or a keyword or
  // function, and are ordinary shell (see GO_TEMPLATE_WORDS).
  { kind: "mustache", re: /\{\{\s*([A-Za-z_][\w-]*)\s*\}\}/g },
  // EC2_IP, MASTER_KEY: upper case with an underscore. Single upper-case words (POST,
  // ERROR, SELECT) are far more often literal than placeholders.
  { kind: "caps", re: /(?<![\w$-])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![\w-])/g },
];

/** Go template actions that a bare `{{name}}` can be (`{{end}}` closes `{{range ...}}`). */
const GO_TEMPLATE_WORDS = new Set(["end", "else", "break", "continue", "nil", "true", "false", "json", "println"]);

/** Linux capability names (capabilities(7)) with an underscore: `--cap-add SYS_ADMIN`,
 *  `grep CAP_NET_ADMIN` name a capability, never a value to fill in. */
const CAPABILITIES = new Set([
  "AUDIT_CONTROL", "AUDIT_READ", "AUDIT_WRITE", "BLOCK_SUSPEND", "CHECKPOINT_RESTORE", "DAC_OVERRIDE",
  "DAC_READ_SEARCH", "IPC_LOCK", "IPC_OWNER", "LINUX_IMMUTABLE", "MAC_ADMIN", "MAC_OVERRIDE", "NET_ADMIN",
  "NET_BIND_SERVICE", "NET_BROADCAST", "NET_RAW", "SYS_ADMIN", "SYS_BOOT", "SYS_CHROOT", "SYS_MODULE",
  "SYS_NICE", "SYS_PACCT", "SYS_PTRACE", "SYS_RAWIO", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "WAKE_ALARM",
]);

/** SQL's upper-case constants, common in `psql -c "..."` steps. */
const SQL_CONSTANTS = new Set(["CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME", "CURRENT_USER", "SESSION_USER", "CURRENT_SCHEMA"]);

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
  const literal = literalNames(script.commands.map((c) => c.argv));
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
        if (kind === "caps" && (after === "=" || assigned.has(token) || literal.has(token) || isBraceExpansion(code, m.index ?? 0))) continue;
        if (kind === "mustache" && GO_TEMPLATE_WORDS.has(m[1]!)) continue;
        const key = `${kind}:${token}`;
        if (seen.has(key)) continue;
        seen.add(key);
        found.push({ token, kind, line });
      }
    }
  });
  return found;
}

/** Upper-case words that name something rather than stand for a value: capabilities,
 *  SQL constants, and the variable names given to `unset`, `printenv`, `env -u` and
 *  `docker ... -e NAME` (which passes the shell's own NAME through). */
function literalNames(commands: readonly (readonly string[])[]): Set<string> {
  const out = new Set<string>([...CAPABILITIES, ...SQL_CONSTANTS]);
  for (const words of commands) {
    const name = unwrap(words)[0];
    // `docker exec minio printenv NAME`, `sudo env -u NAME cmd`: look anywhere in the line.
    const printenvAt = words.findIndex((w) => w === "printenv" || w === "unset");
    if (printenvAt >= 0) words.slice(printenvAt + 1).filter((a) => !a.startsWith("-")).forEach((a) => out.add(a));
    words.forEach((a, k) => {
      const next = words[k + 1];
      if ((a === "--cap-add" || a === "--cap-drop") && next) out.add(next.replace(/^CAP_/, ""));
      const eq = /^--cap-(?:add|drop)=(.*)$/.exec(a);
      if (eq) out.add(eq[1]!.replace(/^CAP_/, ""));
      if (a === "-u" && words.slice(0, k).includes("env") && next) out.add(next);
      if ((name === "docker" || name === "docker-compose") && (a === "-e" || a === "--env") && next && !next.includes("=")) out.add(next);
    });
  }
  // CAP_SYS_ADMIN as well as SYS_ADMIN
  for (const c of CAPABILITIES) out.add(`CAP_${c}`);
  return out;
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
