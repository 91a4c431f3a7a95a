import { describe, expect, it } from "vitest";
import { AptProgress, buildConcurrency, firstLayerKey, scheduleBuilds } from "./images.js";

describe("firstLayerKey", () => {
  const standIn = "# a stand-in\nFROM debian:bookworm\nRUN apt-get update \\\n && apt-get install -y nodejs\nCOPY build/ /opt/stand-in/\n";
  it("is the same for Dockerfiles that start alike, whatever follows their first RUN", () => {
    expect(firstLayerKey(`${standIn}COPY bin/ /usr/local/bin/\n`)).toBe(firstLayerKey(`# other comment\n${standIn}ENTRYPOINT ["x"]\n`));
  });
  it("differs when the first RUN differs, even in a continuation line", () => {
    expect(firstLayerKey(standIn)).not.toBe(firstLayerKey(standIn.replace("nodejs", "nodejs curl")));
  });
});

describe("scheduleBuilds", () => {
  const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));
  it("runs at most `concurrency` at once and never two of one first layer until it is made", async () => {
    const jobs = [
      { name: "shell", key: "a" },
      { name: "minio", key: "node" },
      { name: "ses", key: "node" },
      { name: "loki", key: "node" },
      { name: "caddy", key: "b" },
    ];
    const running = new Set<string>();
    let peak = 0;
    const log: string[] = [];
    await scheduleBuilds(jobs, (j) => j.key, 2, async (j, n) => {
      running.add(j.name);
      peak = Math.max(peak, running.size);
      if (j.key === "node" && j.name !== "minio") expect(log).toContain("minio done");
      log.push(`${j.name} #${n}`);
      await tick(j.name === "minio" ? 30 : 5);
      running.delete(j.name);
      log.push(`${j.name} done`);
    });
    expect(peak).toBe(2);
    // caddy went ahead of ses and loki while minio made the shared layer.
    expect(log.indexOf("caddy #3")).toBeGreaterThan(-1);
    expect(log.filter((l) => l.endsWith(" done"))).toHaveLength(5);
  });

  it("finishes the other builds, then throws the first failure", async () => {
    const done: string[] = [];
    await expect(
      scheduleBuilds(["x", "y", "z"], (j) => j, 2, async (j) => {
        await tick(j === "x" ? 1 : 10);
        if (j === "x") throw new Error("x failed");
        done.push(j);
      }),
    ).rejects.toThrow("x failed");
    expect(done).toContain("y");
  });
});

describe("buildConcurrency", () => {
  it("reads DRILL_IMAGE_BUILDS, 2 when unset or not a whole number >= 1", () => {
    expect(buildConcurrency({})).toBe(2);
    expect(buildConcurrency({ DRILL_IMAGE_BUILDS: "3" })).toBe(3);
    expect(buildConcurrency({ DRILL_IMAGE_BUILDS: "0" })).toBe(2);
    expect(buildConcurrency({ DRILL_IMAGE_BUILDS: "two" })).toBe(2);
  });
});

describe("AptProgress", () => {
  it("says how far apt-get install is, from its own output", () => {
    const p = new AptProgress();
    expect(p.describe()).toBe("apt: reading package lists");
    for (const l of [
      "Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]",
      "Get:4 http://deb.debian.org/debian bookworm/main amd64 Packages [8792 kB]",
      "1 upgraded, 39 newly installed, 0 to remove and 0 not upgraded.",
      "Need to get 45.2 MB of archives.",
      "Get:5 http://deb.debian.org/debian bookworm/main amd64 libssl3 amd64 3.0.15-1~deb12u1 [2025 kB]",
      "Get:6 http://deb.debian.org/debian bookworm/main amd64 caddy amd64 2.6.2-5 [11.1 MB]",
    ])
      p.read(l);
    expect(p.describe()).toBe("apt: 2 of 40 packages fetched (45.2 MB in all)");
    expect(p.changed()).toBe(true);
    expect(p.changed()).toBe(false);
    p.read("Unpacking caddy (2.6.2-5) ...");
    expect(p.describe()).toBe("apt: 1 of 40 packages unpacked");
    p.read("Setting up caddy (2.6.2-5) ...");
    expect(p.describe()).toBe("apt: 1 of 40 packages set up");
  });
});
