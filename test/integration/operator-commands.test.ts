// The command table (harness/runbook/resolve/commands.ts) against the operator shell image
// itself: every command classed runnable is on its PATH (or a bash builtin), and every
// command classed "not in the operator shell" is really absent. The unit test holds
// the table against the Dockerfile's package list; this one checks that list's claims
// (which package brings which command) on the built image.
import { beforeAll, describe, expect, it } from "vitest";
import { dockerClient } from "../../harness/engine/docker-engine.js";
import { operatorShellTools } from "../../harness/runbook/resolve/commands.js";
import { ImageBuilder, operatorShellImage } from "../../harness/stack/images.js";
import { stderrLogger } from "../../harness/util/log.js";
import { runChecked } from "../../harness/util/run.js";

const { runnable, notRunnable } = operatorShellTools();
let present: Map<string, boolean>;

beforeAll(async () => {
  const image = await new ImageBuilder(dockerClient(), stderrLogger).ensure(operatorShellImage.name, operatorShellImage.context);
  const names = [...Object.keys(runnable), ...Object.keys(notRunnable)];
  // The names come from our own table; each is passed as an argument, never as code.
  const script = 'for c in "$@"; do if command -v -- "$c" >/dev/null 2>&1; then echo "yes $c"; else echo "no $c"; fi; done';
  const out = await runChecked("docker", ["run", "--rm", "--network", "none", "--entrypoint", "bash", image.ref, "-c", script, "probe", ...names], {
    timeoutMs: 120_000,
  });
  present = new Map(
    out.stdout
      .trim()
      .split("\n")
      .map((l) => [l.slice(l.indexOf(" ") + 1), l.startsWith("yes ")] as const),
  );
  expect(present.size).toBe(names.length);
});

describe("operator shell image vs the command table", () => {
  it("has every command classed runnable", () => {
    expect(Object.keys(runnable).filter((c) => !present.get(c))).toEqual([]);
  });

  it("lacks every command classed 'not in the operator shell'", () => {
    expect(Object.entries(notRunnable).filter(([c, n]) => n.missing && present.get(c)).map(([c]) => c)).toEqual([]);
  });

  it("has every installed-but-unusable tool the table names a package for", () => {
    expect(Object.entries(notRunnable).filter(([c, n]) => !n.missing && n.source && !present.get(c)).map(([c]) => c)).toEqual([]);
  });
});
