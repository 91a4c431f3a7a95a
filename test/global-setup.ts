// Once per test run: make sure a Docker engine answers (installing/starting it where
// the machine allows) and sweep what crashed runs left, so every integration test
// starts from a clean engine. Unit tests do not need it, but it is cheap when ready.
import { ensureEngine, dockerClient } from "../harness/engine/docker-engine.js";
import { describeFailure, sweepLeftovers } from "../harness/stack/leftovers.js";
import { stderrLogger } from "../harness/util/log.js";

export default async function setup(): Promise<void> {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
  const engine = await ensureEngine(stderrLogger);
  for (const a of engine.actions) stderrLogger(`preflight: ${a}`);
  for (const s of await sweepLeftovers(dockerClient())) {
    stderrLogger(`preflight: swept leftovers of ${s.project}`);
    for (const f of s.failures ?? []) stderrLogger(`preflight: ${describeFailure(f)}`);
  }
}
