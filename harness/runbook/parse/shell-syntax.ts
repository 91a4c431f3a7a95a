// A small POSIX-shell reader: enough of the grammar to split runbook steps into simple
// commands (words, assignments, redirections, heredocs) joined by pipes and lists. It
// does not expand anything; it only needs to know where commands start, which words
// they have, and which lines are code (so that a `# 2.` inside a quoted string or a
// heredoc body is not mistaken for a step heading).

export interface Word {
  /** The word with quoting removed (no expansion: `$X` stays `$X`). */
  value: string;
  /** The word as written. */
  raw: string;
  line: number;
  /** Any part of the word was quoted. */
  quoted: boolean;
}

export interface Heredoc {
  delimiter: string;
  body: string;
  line: number;
}

export interface Redirect {
  /** `>`, `>>`, `<`, `<<`, `<<-`, `<<<`, `>&`, `2>` (fd included), ... */
  op: string;
  target?: Word;
  heredoc?: Heredoc;
}

export interface SimpleCommand {
  /** Words after assignments and reserved words, with redirections removed. */
  words: Word[];
  argv: string[];
  assignments: { name: string; value: string }[];
  redirects: Redirect[];
  line: number;
  endLine: number;
}

export type ListOperator = "&&" | "||" | ";" | "&" | "\n";

export interface Pipeline {
  commands: SimpleCommand[];
  /** The operator that ended this pipeline (undefined at end of input). */
  next?: ListOperator;
  line: number;
}

export interface ShellScript {
  pipelines: Pipeline[];
  /** Every simple command in order, flattened across pipelines. */
  commands: SimpleCommand[];
  comments: { text: string; line: number }[];
  errors: { line: number; message: string }[];
  /** Per line of the input (index 0 = first line): does the line start as code, i.e.
   *  not inside a quoted string, heredoc body or backslash continuation? */
  lineStartsInCode: boolean[];
}

type Token =
  | { kind: "word"; word: Word }
  | { kind: "op"; op: string; line: number }
  | { kind: "redirect"; op: string; line: number }
  | { kind: "newline"; line: number };

const RESERVED_PREFIX = new Set(["if", "then", "else", "elif", "do", "while", "until", "!", "{", "time"]);
const RESERVED_ALONE = new Set(["fi", "done", "esac", "}"]);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

export function parseShell(text: string, firstLine = 1): ShellScript {
  const lexed = lex(text, firstLine);
  const pipelines: Pipeline[] = [];
  let commands: SimpleCommand[] = [];
  let current = newCommand(firstLine);

  const endCommand = (): void => {
    const cmd = finishCommand(current);
    if (cmd) commands.push(cmd);
  };
  const endPipeline = (next: ListOperator | undefined): void => {
    endCommand();
    if (commands.length > 0) pipelines.push({ commands, next, line: commands[0]!.line });
    commands = [];
  };

  for (let k = 0; k < lexed.tokens.length; k++) {
    const t = lexed.tokens[k]!;
    if (t.kind === "word") {
      if (current.words.length === 0 && current.assignments.length === 0) current.line = t.word.line;
      current.endLine = t.word.line;
      current.words.push(t.word);
    } else if (t.kind === "redirect") {
      const next = lexed.tokens[k + 1];
      const redirect: Redirect = { op: t.op };
      if (next?.kind === "word") {
        redirect.target = next.word;
        const heredoc = lexed.heredocs.get(next.word);
        if (heredoc) redirect.heredoc = heredoc;
        k++;
      }
      current.redirects.push(redirect);
    } else if (t.kind === "op" && (t.op === "|" || t.op === "|&")) {
      endCommand();
      current = newCommand(t.line);
    } else if (t.kind === "op" && (t.op === "(" || t.op === ")")) {
      endCommand(); // subshell grouping: the commands inside still count
      current = newCommand(t.line);
    } else {
      const op: ListOperator = t.kind === "newline" ? "\n" : t.op === ";;" ? ";" : (t.op as ListOperator);
      endPipeline(op);
      current = newCommand(t.line);
    }
  }
  endPipeline(undefined);
  return {
    pipelines,
    commands: pipelines.flatMap((p) => p.commands),
    comments: lexed.comments,
    errors: lexed.errors,
    lineStartsInCode: lexed.lineStartsInCode,
  };
}

interface CommandDraft {
  words: Word[];
  assignments: { name: string; value: string }[];
  redirects: Redirect[];
  line: number;
  endLine: number;
}

function newCommand(line: number): CommandDraft {
  return { words: [], assignments: [], redirects: [], line, endLine: line };
}

function finishCommand(d: CommandDraft): SimpleCommand | undefined {
  let words = d.words;
  const assignments: { name: string; value: string }[] = [];
  // Leading reserved words (`if`, `do`, `!`) wrap the real command; `for`/`case` headers
  // are not commands at all.
  while (words.length > 0) {
    const w = words[0]!;
    if (!w.quoted && RESERVED_PREFIX.has(w.value)) words = words.slice(1);
    else if (ASSIGNMENT.test(w.raw)) {
      const eq = w.value.indexOf("=");
      assignments.push({ name: w.value.slice(0, eq), value: w.value.slice(eq + 1) });
      words = words.slice(1);
    } else break;
  }
  if (words.length > 0 && !words[0]!.quoted && RESERVED_ALONE.has(words[0]!.value)) words = words.slice(1);
  if (words.length > 0 && !words[0]!.quoted && (words[0]!.value === "for" || words[0]!.value === "case")) return undefined;
  if (words.length === 0 && assignments.length === 0 && d.redirects.length === 0) return undefined;
  return {
    words,
    argv: words.map((w) => w.value),
    assignments,
    redirects: d.redirects,
    line: words[0]?.line ?? d.line,
    endLine: Math.max(d.endLine, ...words.map((w) => w.line)),
  };
}

interface Lexed {
  tokens: Token[];
  comments: { text: string; line: number }[];
  errors: { line: number; message: string }[];
  heredocs: Map<Word, Heredoc>;
  lineStartsInCode: boolean[];
}

function lex(src: string, firstLine: number): Lexed {
  const tokens: Token[] = [];
  const comments: { text: string; line: number }[] = [];
  const errors: { line: number; message: string }[] = [];
  const heredocs = new Map<Word, Heredoc>();
  const lineCount = src.split("\n").length;
  const lineStartsInCode = new Array<boolean>(lineCount).fill(false);
  lineStartsInCode[0] = true;
  const pendingHeredocs: { word: Word; delimiter: string; stripTabs: boolean }[] = [];

  let i = 0;
  let line = firstLine;
  const rel = (): number => line - firstLine;
  const err = (message: string, at = line): void => {
    errors.push({ line: at, message });
  };

  // Reads the bodies of heredocs opened on the line that just ended.
  const readHeredocs = (): void => {
    for (const h of pendingHeredocs.splice(0)) {
      const startLine = line;
      const body: string[] = [];
      let terminated = false;
      while (i < src.length) {
        const nl = src.indexOf("\n", i);
        const raw = src.slice(i, nl === -1 ? src.length : nl);
        i = nl === -1 ? src.length : nl + 1;
        line++;
        const candidate = h.stripTabs ? raw.replace(/^\t+/, "") : raw;
        if (candidate === h.delimiter) {
          terminated = true;
          break;
        }
        body.push(raw);
      }
      if (!terminated) err(`heredoc <<${h.delimiter} is not terminated`, h.word.line);
      // The terminator line ended with a newline too, so `line` already points past it.
      heredocs.set(h.word, { delimiter: h.delimiter, body: body.join("\n"), line: startLine });
    }
    if (rel() < lineCount) lineStartsInCode[rel()] = true;
  };

  while (i < src.length) {
    const c = src[i]!;
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    if (c === "\\" && src[i + 1] === "\n") {
      i += 2; // line continuation between words
      line++;
      continue;
    }
    if (c === "\n") {
      tokens.push({ kind: "newline", line });
      i++;
      line++;
      if (pendingHeredocs.length > 0) readHeredocs();
      else if (rel() < lineCount) lineStartsInCode[rel()] = true;
      continue;
    }
    if (c === "#") {
      const nl = src.indexOf("\n", i);
      const end = nl === -1 ? src.length : nl;
      comments.push({ text: src.slice(i, end), line });
      i = end;
      continue;
    }
    const op = matchOperator(src, i);
    if (op) {
      const isRedirect = /[<>]/.test(op);
      tokens.push(isRedirect ? { kind: "redirect", op, line } : { kind: "op", op, line });
      i += op.length;
      if (op === "<<" || op === "<<-") {
        // The next word is the heredoc delimiter; quoting it only disables expansion.
        while (src[i] === " " || src[i] === "\t") i++;
        const w = readWord();
        if (w) {
          tokens.push({ kind: "word", word: w });
          pendingHeredocs.push({ word: w, delimiter: w.value, stripTabs: op === "<<-" });
        } else err(`${op} without a delimiter`);
      }
      continue;
    }
    const w = readWord();
    if (w) {
      // An io-number directly before a redirection (`2>`) belongs to the operator.
      const nextOp = matchOperator(src, i);
      if (/^\d+$/.test(w.raw) && nextOp && /[<>]/.test(nextOp)) {
        tokens.push({ kind: "redirect", op: w.raw + nextOp, line });
        i += nextOp.length;
        continue;
      }
      tokens.push({ kind: "word", word: w });
    } else i++; // unreachable in practice; never loop forever
  }
  if (pendingHeredocs.length > 0) readHeredocs();
  return { tokens, comments, errors, heredocs, lineStartsInCode };

  function readWord(): Word | undefined {
    const start = i;
    const startLine = line;
    let value = "";
    let quoted = false;
    while (i < src.length) {
      const c = src[i]!;
      if (c === " " || c === "\t" || c === "\n" || matchOperator(src, i)) break;
      if (c === "\\") {
        if (src[i + 1] === "\n") {
          i += 2;
          line++;
          continue;
        }
        value += src[i + 1] ?? "";
        quoted = true;
        i += 2;
        continue;
      }
      if (c === "'") {
        const end = src.indexOf("'", i + 1);
        quoted = true;
        if (end === -1) {
          err("unterminated single quote", line);
          value += src.slice(i + 1);
          countLines(src.slice(i));
          i = src.length;
          break;
        }
        value += src.slice(i + 1, end);
        countLines(src.slice(i, end));
        i = end + 1;
        continue;
      }
      if (c === "$" && src[i + 1] === "'") {
        i++; // ANSI-C quoting: read like a single-quoted string with escapes
        const s = readQuoted("'");
        value += s;
        quoted = true;
        continue;
      }
      if (c === '"') {
        value += readQuoted('"');
        quoted = true;
        continue;
      }
      if (c === "$" && (src[i + 1] === "(" || src[i + 1] === "{")) {
        value += readBalanced();
        continue;
      }
      if (c === "`") {
        const end = findUnescaped(src, "`", i + 1);
        const stop = end === -1 ? src.length : end + 1;
        if (end === -1) err("unterminated backquote", line);
        value += src.slice(i, stop);
        countLines(src.slice(i, stop));
        i = stop;
        continue;
      }
      value += c;
      i++;
    }
    if (i === start) return undefined;
    return { value, raw: src.slice(start, i), line: startLine, quoted };
  }

  // Reads a "..." (or $'...') string starting at src[i] === quote; returns its content.
  function readQuoted(quote: '"' | "'"): string {
    const startLine = line;
    let out = "";
    i++;
    while (i < src.length && src[i] !== quote) {
      const c = src[i]!;
      if (c === "\\" && i + 1 < src.length) {
        const n = src[i + 1]!;
        if (n === "\n") line++;
        // In "...", backslash only escapes $ ` " \ and newline; elsewhere it is literal.
        if (quote === "'" || '$`"\\\n'.includes(n)) out += n === "\n" ? "" : n;
        else out += c + n;
        i += 2;
        continue;
      }
      if (quote === '"' && c === "$" && (src[i + 1] === "(" || src[i + 1] === "{")) {
        out += readBalanced();
        continue;
      }
      if (c === "\n") line++;
      out += c;
      i++;
    }
    if (i >= src.length) err(`unterminated ${quote} quote`, startLine);
    else i++;
    return out;
  }

  // Reads $(...), $((...)) or ${...} verbatim, honouring nesting and quotes inside.
  function readBalanced(): string {
    const start = i;
    const open = src[i + 1]!;
    const close = open === "(" ? ")" : "}";
    let depth = 0;
    i += 1;
    while (i < src.length) {
      const c = src[i]!;
      if (c === open) depth++;
      else if (c === close) {
        depth--;
        if (depth === 0) {
          i++;
          return src.slice(start, i);
        }
      } else if (c === "'" && open === "(") {
        const end = src.indexOf("'", i + 1);
        if (end === -1) break;
        countLines(src.slice(i, end));
        i = end;
      } else if (c === '"') {
        readQuoted('"');
        continue;
      } else if (c === "\\") i++;
      else if (c === "\n") line++;
      i++;
    }
    err(`unterminated ${src.slice(start, start + 2)}`, line);
    i = src.length;
    return src.slice(start);
  }

  function countLines(s: string): void {
    for (const ch of s) if (ch === "\n") line++;
  }
}

const OPERATORS = ["<<<", "<<-", "&>>", "&&", "||", ";;", "<<", ">>", ">&", "<&", ">|", "&>", "|&", "|", "&", ";", "(", ")", "<", ">"];

function matchOperator(src: string, i: number): string | undefined {
  for (const op of OPERATORS) if (src.startsWith(op, i)) return op;
  return undefined;
}

function findUnescaped(src: string, ch: string, from: number): number {
  for (let k = from; k < src.length; k++) {
    if (src[k] === "\\") k++;
    else if (src[k] === ch) return k;
  }
  return -1;
}
