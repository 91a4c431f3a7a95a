// `npm run stack -- up [--profile P] [--keep]`: bring the drill stack up by hand.
// Without --keep it stays up until Ctrl-C, then tears down; with --keep it stays up
// after exit and prints how to reach it and remove it.
// `npm run stack -- down PROJECT`: remove a kept stack.
import { parseArgs } from "node:util";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { DrillStack } from "../stack/drill-stack.js";
import { describeFailure, listDrillResources, removeProjectResources } from "../stack/leftovers.js";
import { markKept, unmarkKept } from "../stack/keep.js";
import { dockerClient, ensureEngine } from "../engine/docker-engine.js";
import { stateDir } from "../util/paths.js";
import { stderrLogger } from "../util/log.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { profile: { type: "string" }, keep: { type: "boolean", default: false }, json: { type: "boolean", default: false } },
});
const [verb, arg] = positionals;

if (verb === "down") {
  if (!arg) throw new Error("usage: npm run stack -- down PROJECT (see `npm run doctor` for kept stacks)");
  await ensureEngine(stderrLogger);
  const docker = dockerClient();
  const found = await listDrillResources(docker, arg);
  if (found.length === 0) console.log(`no drill stack named ${arg}`);
  const failures = (await Promise.all(found.map((r) => removeProjectResources(docker, r)))).flat();
  for (const f of failures) console.error(describeFailure(f));
  if (failures.length > 0) {
    process.exitCode = 1;
  } else {
    rmSync(join(stateDir, arg), { recursive: true, force: true });
    await unmarkKept(docker, arg);
    if (found.length > 0) console.log(`removed ${arg}`);
  }
} else if (verb === "up") {
  const stack = await new DrillStack({ profile: values.profile }).up();
  const r = stack.report;
  const endpoints = Object.fromEntries(
    [["caddy", 8080], ["prometheus", 9090], ["postgresql", 5432]]
      .filter(([s]) => r.services.some((x) => x.service === s))
      .map(([s, p]) => [s, stack.url(String(s), Number(p))]),
  );
  if (values.json) {
    console.log(JSON.stringify({ project: stack.project, endpoints, services: r.services, leftOut: r.leftOut, timings: r.timings }));
  } else {
    console.log(`\nDrill stack ${stack.project} is up (${r.profile.profile} profile).`);
    for (const [s, url] of Object.entries(endpoints)) console.log(`  ${s.padEnd(11)} ${url}`);
    console.log(`  /prometheus/ basic auth user: ${stack.secrets.prometheusBasicAuth.user} (password generated per drill, not printed)`);
    for (const l of r.leftOut) console.log(`  left out: ${l.service} (${l.reason})`);
  }
  if (values.keep) {
    await markKept(stack.docker, stack.project);
    console.log(`Kept. Remove it with: npm run stack -- down ${stack.project}`);
    process.exit(0);
  }
  console.log("Press Ctrl-C to tear it down.");
  // Stay alive until a signal; the teardown guard removes the stack then.
  setInterval(() => {}, 1 << 30);
} else {
  console.error("usage: npm run stack -- up [--profile upstream|airgapped] [--keep] [--json] | down PROJECT");
  process.exitCode = 2;
}
