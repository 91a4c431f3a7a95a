// A step's HTTP answers, read: every call the operator shell's curl made is observed
// (harness/ops/curl-recorder.sh), whatever the command printed. Where the runbook's text
// says what a call should return, a different status fails the step; elsewhere a 4xx or
// 5xx (or no answer at all) is kept on the step, so nobody reads a 502 as a clean pass.
import type { ObservedCurl } from "../ops/curl-log.js";
import { statusCode } from "../ops/curl-log.js";
import { sameUrl, type HttpExpectation } from "../runbook/resolve/http-expectations.js";
import type { HttpAnswer } from "./journal.js";

export interface HttpVerdict {
  http?: HttpAnswer[];
  /** Status lines, in order (observed; else those the output printed). */
  httpStatus?: string[];
  /** The 4xx/5xx answers and calls that got none. */
  httpErrors?: string[];
  /** Expectations of the runbook's text that the answers did not meet. */
  failures: string[];
}

const printedStatus = (output: string) => [...output.matchAll(/^(?:< )?(HTTP\/[\d.]+ \d{3}[^\r\n]*)/gm)].map((m) => (m[1] ?? "").trim());

export function judgeHttp(expectations: readonly HttpExpectation[], observed: readonly ObservedCurl[] | undefined, output: string): HttpVerdict {
  const answers: HttpAnswer[] = (observed ?? []).map((c) => {
    const last = c.statusLines[c.statusLines.length - 1];
    const url = c.urls[0] ?? "(no URL)";
    const expected = expectations.find((e) => c.urls.some((u) => sameUrl(u, e.url)))?.status;
    return {
      url,
      status: statusCode(last),
      ...(last ? { statusLine: last } : {}),
      ...(expected !== undefined ? { expected } : {}),
      ...(last ? {} : { curlExit: c.exitCode }),
    };
  });
  const failures: string[] = [];
  for (const e of expectations) {
    const got = answers.filter((a) => sameUrl(a.url, e.url));
    if (got.length === 0) failures.push(`the runbook says ${e.url} should return ${e.status}; no call to it was observed`);
    for (const a of got.filter((x) => x.status !== e.status)) {
      failures.push(`${a.url} answered ${a.status ? (a.statusLine ?? a.status) : "nothing"}; the runbook says it should return ${e.status}`);
    }
  }
  // Observed lines are the truth; without any (curl inside another container), what the output printed.
  const lines = answers.length ? answers.flatMap((a) => (a.statusLine ? [a.statusLine] : [])) : printedStatus(output);
  const errors = answers.length
    ? answers.filter((a) => a.status === 0 || a.status >= 400).map((a) => (a.status === 0 ? `no answer from ${a.url}` : `${a.statusLine ?? a.status} from ${a.url}`))
    : lines.filter((l) => /^HTTP\/[\d.]+ [45]\d\d/.test(l));
  return {
    ...(answers.length ? { http: answers } : {}),
    ...(lines.length ? { httpStatus: lines } : {}),
    ...(errors.length ? { httpErrors: errors } : {}),
    failures,
  };
}
