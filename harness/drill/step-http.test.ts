// A step's HTTP answers are read: "Should return 200" is an expectation, an error answer
// elsewhere is reported, and curl's answers are observed whatever the command printed.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { curlRecorderFile, parseCurlLog } from "../ops/curl-log.js";
import { httpExpectations } from "../runbook/resolve/http-expectations.js";
import { loadRunbook } from "../runbook/resolve/load.js";
import { repoRoot } from "../util/paths.js";
import { judgeHttp } from "./step-http.js";
import { testTempDir } from "../util/test-temp.js";

const run = promisify(execFile);
const step56 = loadRunbook(repoRoot, "runbooks/failure-modes.md").runbook.sections.find((s) => s.number === 5)!.steps.find((s) => s.id === "5.6")!;

describe("what the runbook says a call should return", () => {
  it("reads step 5.6's own comment as the expectation of the curl above it", () => {
    expect(httpExpectations(step56.text)).toEqual([{ url: "http://localhost:8080/minio/", status: 200, line: 3 }]);
  });

  it("a different status fails the step; a 4xx/5xx elsewhere is reported, not failed", () => {
    const expectations = httpExpectations(step56.text);
    const got = judgeHttp(expectations, [{ urls: ["http://localhost:8080/minio/"], statusLines: ["HTTP/1.1 501 Not Implemented"], exitCode: 0 }], "");
    expect(got.failures).toEqual(["http://localhost:8080/minio/ answered HTTP/1.1 501 Not Implemented; the runbook says it should return 200"]);
    expect(got.http).toEqual([{ url: "http://localhost:8080/minio/", status: 501, statusLine: "HTTP/1.1 501 Not Implemented", expected: 200 }]);

    const grafana = judgeHttp([], [{ urls: ["http://localhost:8080/grafana/"], statusLines: ["HTTP/1.1 502 Bad Gateway"], exitCode: 0 }], "");
    expect(grafana.failures).toEqual([]);
    expect(grafana.httpErrors).toEqual(["HTTP/1.1 502 Bad Gateway from http://localhost:8080/grafana/"]);

    const refused = judgeHttp([], [{ urls: ["http://localhost:3100/ready"], statusLines: [], exitCode: 7 }], "");
    expect(refused.httpErrors).toEqual(["no answer from http://localhost:3100/ready"]);
    expect(refused.http?.[0]).toMatchObject({ status: 0, curlExit: 7 });
  });

  it("says so when the call the runbook expects an answer from was never observed", () => {
    expect(judgeHttp(httpExpectations(step56.text), [], "").failures).toEqual(["the runbook says http://localhost:8080/minio/ should return 200; no call to it was observed"]);
  });

  it("falls back to the status lines the output printed when no curl was observed (curl in another container)", () => {
    const got = judgeHttp([], [], "HTTP/1.1 200 OK\n\n< HTTP/1.1 503 Service Unavailable\n");
    expect(got.httpStatus).toEqual(["HTTP/1.1 200 OK", "HTTP/1.1 503 Service Unavailable"]);
    expect(got.httpErrors).toEqual(["HTTP/1.1 503 Service Unavailable"]);
  });
});

describe("the operator shell's curl (curl-recorder.sh)", () => {
  it("records the status of a plain `curl URL` that prints only the body, and leaves output and exit status alone", async () => {
    const server = createServer((req, res) => {
      res.writeHead(req.url === "/bad" ? 502 : 200, { "content-type": "text/plain" });
      res.end(req.url === "/bad" ? "bad gateway body" : "fine");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const log = join(testTempDir("curl-recorder-"), "http.log");
    const env = { ...process.env, DRILL_HTTP_LOG: log };
    try {
      const bad = await run("sh", [curlRecorderFile, "-s", `http://127.0.0.1:${port}/bad`], { env });
      expect(bad.stdout).toBe("bad gateway body"); // what the step prints is unchanged: no status line
      const head = await run("sh", [curlRecorderFile, "-sI", `http://127.0.0.1:${port}/ok`], { env });
      expect(head.stdout).toMatch(/^HTTP\/1\.1 200 OK/);
      const refused = await run("sh", [curlRecorderFile, "-s", "http://127.0.0.1:1/"], { env }).catch((e: { code: number }) => e);
      expect((refused as { code: number }).code).toBe(7);
      // A command that dumps headers itself keeps its own -D and is not observed.
      await run("sh", [curlRecorderFile, "-s", "-D", "-", `http://127.0.0.1:${port}/ok`], { env });
      const calls = parseCurlLog(readFileSync(log, "utf8"));
      expect(calls).toEqual([
        { urls: [`http://127.0.0.1:${port}/bad`], statusLines: ["HTTP/1.1 502 Bad Gateway"], exitCode: 0 },
        { urls: [`http://127.0.0.1:${port}/ok`], statusLines: ["HTTP/1.1 200 OK"], exitCode: 0 },
        { urls: ["http://127.0.0.1:1/"], statusLines: [], exitCode: 7 },
      ]);
    } finally {
      server.close();
    }
  });
});
