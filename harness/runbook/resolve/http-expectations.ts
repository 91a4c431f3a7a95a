// What a step's own text says an HTTP call should return: a comment such as
// `# Should return 200, not 404` or `# Should return 200 OK` under a curl command makes
// that status the expectation of the curl call just above it.
export interface HttpExpectation {
  /** The URL of the curl call the comment is about, as written. */
  url: string;
  status: number;
  /** 1-based line within the text. */
  line: number;
}

const shouldReturn = /^\s*#.*\bshould\s+return\s+(?:an?\s+)?(?:HTTP\s+)?(\d{3})\b/i;
const urlIn = (line: string) => /(?:https?:\/\/|\blocalhost:|\b127\.0\.0\.1:)[^\s'"`]+/.exec(line)?.[0];

export function httpExpectations(text: string): HttpExpectation[] {
  const lines = text.split("\n");
  const out: HttpExpectation[] = [];
  lines.forEach((l, i) => {
    const m = shouldReturn.exec(l);
    if (!m) return;
    // The nearest command above the comment that calls curl.
    for (let j = i - 1; j >= 0; j--) {
      const above = lines[j] ?? "";
      if (/^\s*#/.test(above) || !above.trim()) continue;
      const url = /\bcurl\b/.test(above) ? urlIn(above) : undefined;
      if (url) out.push({ url, status: Number(m[1]), line: i + 1 });
      break;
    }
  });
  return out;
}

/** Does a URL curl was given name the same resource as the one the runbook wrote? */
export function sameUrl(observed: string, written: string): boolean {
  const norm = (u: string) => u.replace(/^https?:\/\//, "").replace(/^127\.0\.0\.1/, "localhost");
  return norm(observed) === norm(written);
}
