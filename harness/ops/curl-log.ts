// The record the operator shell's curl wrapper (curl-recorder.sh) keeps of each call:
// `url\t<url>` lines, `status\t<status line>` per answer (redirects included), then
// `exit\t<code>`. One call per record, in the order the step made them.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const curlRecorderFile = fileURLToPath(new URL("./curl-recorder.sh", import.meta.url));
export const curlRecorderScript = (): string => readFileSync(curlRecorderFile, "utf8");

export interface ObservedCurl {
  /** The URLs curl was given (usually one). */
  urls: string[];
  /** Every status line received, in order (the last is the final answer). */
  statusLines: string[];
  exitCode: number;
}

export function parseCurlLog(text: string): ObservedCurl[] {
  const out: ObservedCurl[] = [];
  let cur: ObservedCurl = { urls: [], statusLines: [], exitCode: 0 };
  for (const line of text.split("\n")) {
    const tab = line.indexOf("\t");
    if (tab < 0) continue;
    const key = line.slice(0, tab);
    const value = line.slice(tab + 1).trim();
    if (key === "url") cur.urls.push(value);
    else if (key === "status") cur.statusLines.push(value);
    else if (key === "exit") {
      cur.exitCode = Number(value) || 0;
      out.push(cur);
      cur = { urls: [], statusLines: [], exitCode: 0 };
    }
  }
  return out;
}

/** `HTTP/1.1 502 Bad Gateway` -> 502; 0 when the line is not a status line. */
export function statusCode(line: string | undefined): number {
  const m = /^HTTP\/[\d.]+ (\d{3})/.exec(line ?? "");
  return m ? Number(m[1]) : 0;
}
