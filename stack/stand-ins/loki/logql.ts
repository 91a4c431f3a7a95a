// The part of LogQL the runbook and Grafana's Explore use, parsed for real:
//   log queries     {job="fastapi", level=~"ERR.*"} |= "upload" != "health" |~ "5\\d\\d" !~ "..."
//   metric queries  count_over_time(<log query>[5m]), rate(<log query>[1m]),
//                   optionally inside sum(...) / sum by (l1, l2) (...)
// Anything else is a parse error (HTTP 400), never a silently empty result.
// Label matchers with =~ / !~ are fully anchored, line filters |~ / !~ are not, as in Loki.

export type MatchOp = "=" | "!=" | "=~" | "!~";
export interface Matcher {
  name: string;
  op: MatchOp;
  value: string;
}
export type FilterOp = "|=" | "!=" | "|~" | "!~";
export interface LineFilter {
  op: FilterOp;
  value: string;
}
export interface LogQuery {
  kind: "log";
  matchers: Matcher[];
  filters: LineFilter[];
}
export interface MetricQuery {
  kind: "metric";
  fn: "count_over_time" | "rate";
  rangeMs: number;
  inner: LogQuery;
  /** sum(...) with optional `by` labels; undefined when not aggregated. */
  sum?: { by?: string[] };
}
export type Query = LogQuery | MetricQuery;

export class LogQLParseError extends Error {
  constructor(col: number, detail: string) {
    super(`parse error at line 1, col ${col}: ${detail}`);
  }
}

class Cursor {
  pos = 0;
  constructor(readonly text: string) {}
  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] ?? "")) this.pos++;
  }
  peek(s: string): boolean {
    this.skipSpace();
    return this.text.startsWith(s, this.pos);
  }
  eat(s: string): boolean {
    if (!this.peek(s)) return false;
    this.pos += s.length;
    return true;
  }
  expect(s: string): void {
    if (!this.eat(s)) this.fail(`syntax error: unexpected ${this.describeNext()}, expecting ${s}`);
  }
  fail(detail: string): never {
    throw new LogQLParseError(this.pos + 1, detail);
  }
  describeNext(): string {
    this.skipSpace();
    return this.pos >= this.text.length ? "end of input" : JSON.stringify(this.text.slice(this.pos, this.pos + 8));
  }
  ident(): string {
    this.skipSpace();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos));
    if (!m) this.fail(`syntax error: unexpected ${this.describeNext()}, expecting IDENTIFIER`);
    this.pos += m[0].length;
    return m[0];
  }
  string(): string {
    this.skipSpace();
    const q = this.text[this.pos];
    if (q === "`") {
      const end = this.text.indexOf("`", this.pos + 1);
      if (end < 0) this.fail("syntax error: unterminated raw string");
      const s = this.text.slice(this.pos + 1, end);
      this.pos = end + 1;
      return s;
    }
    if (q !== '"') this.fail(`syntax error: unexpected ${this.describeNext()}, expecting STRING`);
    let i = this.pos + 1;
    while (i < this.text.length && this.text[i] !== '"') i += this.text[i] === "\\" ? 2 : 1;
    if (i >= this.text.length) this.fail("syntax error: unterminated string");
    const literal = this.text.slice(this.pos, i + 1);
    this.pos = i + 1;
    try {
      // Go's strconv.Unquote and JSON agree on the escapes LogQL users write (\" \\ \n \t \uXXXX).
      return JSON.parse(literal) as string;
    } catch {
      this.fail(`invalid string escape in ${literal}`);
    }
  }
  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }
}

function compileRegex(pattern: string, anchored: boolean, c: Cursor): RegExp {
  try {
    return new RegExp(anchored ? `^(?:${pattern})$` : pattern, "s");
  } catch (err) {
    c.fail(`invalid regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`);
  }
}

function parseMatchers(c: Cursor, onlyEquals: boolean): Matcher[] {
  c.expect("{");
  const matchers: Matcher[] = [];
  if (c.eat("}")) return matchers;
  for (;;) {
    const name = c.ident();
    let op: MatchOp;
    if (c.eat("=~")) op = "=~";
    else if (c.eat("!~")) op = "!~";
    else if (c.eat("!=")) op = "!=";
    else if (c.eat("=")) op = "=";
    else c.fail(`syntax error: unexpected ${c.describeNext()}, expecting = or != or =~ or !~`);
    if (onlyEquals && op !== "=") c.fail(`syntax error: only = is allowed in a label set, found ${op}`);
    const value = c.string();
    if (op === "=~" || op === "!~") compileRegex(value, true, c);
    matchers.push({ name, op, value });
    if (c.eat("}")) return matchers;
    c.expect(",");
  }
}

function parseLogQuery(c: Cursor): LogQuery {
  const matchers = parseMatchers(c, false);
  if (matchers.length > 0 && matchers.every((m) => (m.op === "=" || m.op === "=~" ? new RegExp(`^(?:${m.value})$`, "s").test("") : true))) {
    c.fail("queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but app=~\".+\" will");
  }
  if (matchers.length === 0) c.fail("syntax error: unexpected }, expecting IDENTIFIER");
  const filters: LineFilter[] = [];
  for (;;) {
    let op: FilterOp | undefined;
    for (const candidate of ["|=", "!=", "|~", "!~"] as const) {
      if (c.eat(candidate)) {
        op = candidate;
        break;
      }
    }
    if (!op) break;
    const value = c.string();
    if (op === "|~" || op === "!~") compileRegex(value, false, c);
    filters.push({ op, value });
  }
  if (c.peek("|")) c.fail(`syntax error: the stand-in supports line filters only (|=, !=, |~, !~), not ${c.describeNext()}`);
  return { kind: "log", matchers, filters };
}

/** Prometheus duration: 5m, 1h30m, 10s, 250ms. */
export function parseDurationMs(text: string): number {
  const re = /(\d+)(ms|s|m|h|d|w|y)/y;
  let total = 0;
  let pos = 0;
  const unit: Record<string, number> = { ms: 1, s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8, y: 3.1536e10 };
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m?.[1] || !m[2]) throw new Error(`not a duration: "${text}"`);
    total += Number(m[1]) * (unit[m[2]] ?? 0);
    pos = re.lastIndex;
  }
  if (text.length === 0) throw new Error("empty duration");
  return total;
}

function parseRangeFn(c: Cursor, fn: "count_over_time" | "rate"): MetricQuery {
  c.expect("(");
  const inner = parseLogQuery(c);
  c.expect("[");
  const end = c.text.indexOf("]", c.pos);
  if (end < 0) c.fail("syntax error: missing ]");
  let rangeMs: number;
  try {
    rangeMs = parseDurationMs(c.text.slice(c.pos, end).trim());
  } catch (err) {
    c.fail((err as Error).message);
  }
  c.pos = end + 1;
  c.expect(")");
  return { kind: "metric", fn, rangeMs, inner };
}

function parseByLabels(c: Cursor): string[] {
  c.expect("(");
  const labels: string[] = [];
  if (c.eat(")")) return labels;
  for (;;) {
    labels.push(c.ident());
    if (c.eat(")")) return labels;
    c.expect(",");
  }
}

function parseExpr(c: Cursor): Query {
  if (c.peek("{")) return parseLogQuery(c);
  const name = c.ident();
  if (name === "count_over_time" || name === "rate") return parseRangeFn(c, name);
  if (name === "sum") {
    let by: string[] | undefined;
    if (c.eat("by")) by = parseByLabels(c);
    c.expect("(");
    const inner = parseExpr(c);
    c.expect(")");
    if (!by && c.eat("by")) by = parseByLabels(c);
    if (inner.kind !== "metric" || inner.sum) c.fail("syntax error: sum needs count_over_time(...) or rate(...) inside (the stand-in's subset)");
    return { ...inner, sum: by ? { by } : {} };
  }
  return c.fail(`syntax error: unexpected IDENTIFIER ${JSON.stringify(name)} (the stand-in supports log selectors, count_over_time, rate and sum)`);
}

export function parseQuery(text: string): Query {
  const c = new Cursor(text);
  const q = parseExpr(c);
  if (!c.atEnd()) c.fail(`syntax error: unexpected ${c.describeNext()}`);
  return q;
}

/** A stream's label set as Promtail sends it: `{job="fastapi", level="INFO"}`. */
export function parseLabelSet(text: string): Record<string, string> {
  const c = new Cursor(text);
  const matchers = parseMatchers(c, true);
  if (!c.atEnd()) c.fail(`syntax error: unexpected ${c.describeNext()}`);
  return Object.fromEntries(matchers.map((m) => [m.name, m.value]));
}

export function matchesLabels(matchers: Matcher[], labels: Record<string, string>): boolean {
  return matchers.every((m) => {
    const v = labels[m.name] ?? "";
    switch (m.op) {
      case "=":
        return v === m.value;
      case "!=":
        return v !== m.value;
      case "=~":
        return new RegExp(`^(?:${m.value})$`, "s").test(v);
      case "!~":
        return !new RegExp(`^(?:${m.value})$`, "s").test(v);
    }
  });
}

/** A compiled line-filter chain: true when the line passes every filter. */
export function lineFilter(filters: LineFilter[]): (line: string) => boolean {
  const tests = filters.map((f) => {
    if (f.op === "|=") return (l: string) => l.includes(f.value);
    if (f.op === "!=") return (l: string) => !l.includes(f.value);
    const re = new RegExp(f.value, "s");
    return f.op === "|~" ? (l: string) => re.test(l) : (l: string) => !re.test(l);
  });
  return (line) => tests.every((t) => t(line));
}
