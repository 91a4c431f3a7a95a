// The stand-in's command line: Go-style flags, -config / TOXIPROXY_CONFIG population before
// the API listens, JSON log lines, clean exit on SIGTERM.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parseArgs } from "./cli.js";

describe("toxiproxy stand-in CLI", () => {
  it("parses flags like Go's flag package", () => {
    expect(parseArgs([])).toMatchObject({ host: "localhost", port: 8474, version: false });
    expect(parseArgs(["-host", "0.0.0.0", "-port", "8474"])).toMatchObject({ host: "0.0.0.0", port: 8474 });
    expect(parseArgs(["--host=::", "--port=9000", "-config", "/etc/t.json", "-seed=42"])).toMatchObject({
      host: "::",
      port: 9000,
      config: "/etc/t.json",
      seed: 42,
    });
    expect(parseArgs(["-version"]).version).toBe(true);
    expect(parseArgs(["-proxy-metrics", "-port", "1"]).port).toBe(1); // accepted, ignored
    expect(parseArgs([], { TOXIPROXY_CONFIG: "/c.json" }).config).toBe("/c.json");
    expect(parseArgs(["-config", "/flag.json"], { TOXIPROXY_CONFIG: "/env.json" }).config).toBe("/flag.json");
    expect(() => parseArgs(["-bogus"])).toThrow(/flag provided but not defined: -bogus/);
    expect(() => parseArgs(["-port"])).toThrow(/flag needs an argument/);
    expect(() => parseArgs(["-port", "http"])).toThrow(/invalid value/);
  });

  describe("main.ts process", () => {
    let dir: string | undefined;
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it("populates -config before serving, logs JSON lines, exits 0 on SIGTERM", async () => {
      dir = await mkdtemp(join(tmpdir(), "toxiproxy-cli-"));
      const config = join(dir, "toxiproxy.json");
      await writeFile(
        config,
        JSON.stringify([
          { name: "db", listen: "127.0.0.1:0", upstream: "127.0.0.1:5432" },
          { name: "cache", listen: "127.0.0.1:0", upstream: "127.0.0.1:6379", enabled: false },
        ]),
      );
      const main = fileURLToPath(new URL("./main.ts", import.meta.url));
      const child = spawn(process.execPath, ["--import", "tsx", main, "-host", "127.0.0.1", "-port", "0", "-config", config], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      const lines: Record<string, unknown>[] = [];
      let buffer = "";
      const apiAddress = new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => {
          buffer += d.toString();
          let nl: number;
          while ((nl = buffer.indexOf("\n")) >= 0) {
            const line = JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>;
            buffer = buffer.slice(nl + 1);
            lines.push(line);
            if (line.message === "Starting Toxiproxy HTTP server") resolve(line.address as string);
          }
        });
        child.once("exit", (code) => reject(new Error(`exited early with ${code}`)));
      });
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

      try {
        const address = await apiAddress;
        const proxies = (await (await fetch(`http://${address}/proxies`)).json()) as Record<string, { enabled: boolean }>;
        expect(Object.keys(proxies).sort()).toEqual(["cache", "db"]);
        expect(proxies.db?.enabled).toBe(true);
        expect(proxies.cache?.enabled).toBe(false);
      } finally {
        child.kill("SIGTERM");
      }
      expect(await exited).toBe(0);
      expect(lines.every((l) => typeof l.level === "string" && typeof l.time === "string")).toBe(true);
      const messages = lines.map((l) => l.message);
      // Populated before the API listened, as toxiproxy-server does.
      expect(messages.indexOf("Populated proxies from file")).toBeLessThan(messages.indexOf("Starting Toxiproxy HTTP server"));
      expect(messages).toContain("Shutdown finished");
    }, 30_000);
  });
});
