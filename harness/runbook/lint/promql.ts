// Extracts the series selectors of a PromQL expression (metric names and label
// matchers), so each can be asked of a live Prometheus: a detection query over a metric
// that no exporter emits can never fire. This is a tokenizer with just enough grammar to
// tell a metric from a function, keyword, label list, number or duration.

export interface LabelMatcher {
  name: string;
  op: "=" | "!=" | "=~" | "!~";
  value: string;
}

export interface Selector {
  /** The metric name, or undefined for `{__name__=~"..."}`-style selectors. */
  metric?: string;
  matchers: LabelMatcher[];
  /** The selector as written, e.g. `up{job="postgresql"}` (ranges/offsets removed). */
  text: string;
}

type Tok =
  | { t: "ident"; v: string; at: number; end: number }
  | { t: "str"; v: string; at: number; end: number }
  | { t: "num"; at: number; end: number }
  | { t: "punct"; v: string; at: number; end: number };

const KEYWORDS_WITH_LABEL_LIST = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);
const BINARY_KEYWORDS = new Set(["and", "or", "unless", "bool", "atan2"]);
const PUNCT = ["=~", "!~", "!=", "==", "<=", ">=", "{", "}", "(", ")", "[", "]", ",", "=", "<", ">", "+", "-", "*", "/", "%", "^", "@", ":"];

export function extractSelectors(expr: string): Selector[] {
  const toks = tokenize(expr);
  const out: Selector[] = [];
  for (let k = 0; k < toks.length; k++) {
    const tok = toks[k]!;
    const next = toks[k + 1];
    if (tok.t === "punct" && tok.v === "[") {
      k = skipTo(toks, k, "[", "]"); // range or subquery: durations, not selectors
      continue;
    }
    if (tok.t === "punct" && tok.v === "{") {
      const { matchers, end } = readMatchers(toks, k);
      out.push({ matchers, text: expr.slice(tok.at, toks[end]?.end ?? expr.length) });
      k = end;
      continue;
    }
    if (tok.t !== "ident") continue;
    const word = tok.v.toLowerCase();
    if (KEYWORDS_WITH_LABEL_LIST.has(word)) {
      if (next?.t === "punct" && next.v === "(") k = skipTo(toks, k + 1, "(", ")");
      continue;
    }
    if (word === "offset") {
      k += toks[k + 1]?.t === "punct" && (toks[k + 1] as { v: string }).v === "-" ? 2 : 1;
      continue;
    }
    if (BINARY_KEYWORDS.has(word) || word === "inf" || word === "nan") continue;
    if (next?.t === "punct" && next.v === "(") continue; // a function or aggregation
    if (next?.t === "ident" && (next.v === "by" || next.v === "without")) continue; // `sum by (job) (...)`
    if (toks[k - 1]?.t === "punct" && (toks[k - 1] as { v: string }).v === "@") continue; // @ start()
    if (next?.t === "punct" && next.v === "{") {
      const { matchers, end } = readMatchers(toks, k + 1);
      out.push({ metric: tok.v, matchers, text: expr.slice(tok.at, toks[end]?.end ?? expr.length) });
      k = end;
    } else {
      out.push({ metric: tok.v, matchers: [], text: tok.v });
    }
  }
  return out;
}

/** The metric names an expression reads. */
export function metricNames(expr: string): string[] {
  const names = new Set<string>();
  for (const s of extractSelectors(expr)) {
    if (s.metric) names.add(s.metric);
    for (const m of s.matchers) if (m.name === "__name__" && m.op === "=") names.add(m.value);
  }
  return [...names];
}

function readMatchers(toks: Tok[], open: number): { matchers: LabelMatcher[]; end: number } {
  const matchers: LabelMatcher[] = [];
  let k = open + 1;
  while (k < toks.length) {
    const t = toks[k]!;
    if (t.t === "punct" && t.v === "}") return { matchers, end: k };
    const op = toks[k + 1];
    const val = toks[k + 2];
    if ((t.t === "ident" || t.t === "str") && op?.t === "punct" && ["=", "!=", "=~", "!~"].includes(op.v) && val?.t === "str") {
      matchers.push({ name: t.v, op: op.v as LabelMatcher["op"], value: val.v });
      k += 3;
    } else k++;
  }
  return { matchers, end: toks.length - 1 };
}

function skipTo(toks: Tok[], k: number, open: string, close: string): number {
  let depth = 0;
  for (; k < toks.length; k++) {
    const t = toks[k]!;
    if (t.t !== "punct") continue;
    if (t.v === open) depth++;
    else if (t.v === close && --depth === 0) return k;
  }
  return toks.length;
}

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "#") {
      while (i < src.length && src[i] !== "\n") i++;
      continue;
    }
    if (c === '"' || c === "'" || c === "`") {
      const start = i++;
      let v = "";
      while (i < src.length && src[i] !== c) {
        if (src[i] === "\\" && c !== "`") {
          const n = src[i + 1] ?? "";
          v += ({ n: "\n", t: "\t", r: "\r" } as Record<string, string>)[n] ?? n;
          i += 2;
          continue;
        }
        v += src[i++];
      }
      i++;
      toks.push({ t: "str", v, at: start, end: i });
      continue;
    }
    // Numbers and durations (0.95, 1e3, 0x1f, 5m, 1h30m) are one token.
    const num = /^(?:0x[0-9a-f]+|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:e[+-]?[0-9]+)?(?:[a-z]+[0-9]*)*)/i.exec(src.slice(i));
    if (num && /[0-9.]/.test(c)) {
      toks.push({ t: "num", at: i, end: i + num[0].length });
      i += num[0].length;
      continue;
    }
    const ident = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(src.slice(i));
    if (ident) {
      toks.push({ t: "ident", v: ident[0], at: i, end: i + ident[0].length });
      i += ident[0].length;
      continue;
    }
    const p = PUNCT.find((x) => src.startsWith(x, i));
    toks.push({ t: "punct", v: p ?? c, at: i, end: i + (p?.length ?? 1) });
    i += p?.length ?? 1;
  }
  return toks;
}
