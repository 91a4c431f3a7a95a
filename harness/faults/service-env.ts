// A deploy with one setting changed (e.g. runbook 9.5b, "Logs not in JSON format": the
// app redeployed with LOG_FORMAT=text): the drill's compose file gets the new value in
// the service's environment and `docker-compose up -d --no-deps <service>` recreates
// it, as a deploy does; the fault waits until the new container is healthy. Revert
// redeploys the original file.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument, Scalar } from "yaml";
import { param, type Fault, type FaultModule } from "./fault.js";
import { pollUntil } from "../util/poll.js";
import { runChecked } from "../util/run.js";

export const serviceEnv: Fault = async ({ stack }, params) => {
  const service = param<string>(params, "service", "string");
  const name = param<string>(params, "name", "string");
  const value = param<string>(params, "value", "string");
  const file = join(stack.dir, "docker-compose.yml");
  const original = readFileSync(file, "utf8");
  const doc = parseDocument(original);
  if (!doc.hasIn(["services", service])) throw new Error(`service-env: the drill's stack has no service ${service}`);
  const before = doc.getIn(["services", service, "environment", name]);
  // Quoted like every other string in the file: compose v1 reads YAML 1.1.
  const scalar = new Scalar(value);
  scalar.type = Scalar.QUOTE_DOUBLE;
  doc.setIn(["services", service, "environment", name], scalar);
  const [command = "docker-compose", ...sub] = stack.report.engine.compose.command;
  const deploy = async () => {
    await runChecked(command, [...sub, "-p", stack.project, "-f", file, "up", "-d", "--no-deps", service], { cwd: stack.dir, env: { ...process.env, ...stack.composeEnv } });
    await pollUntil(`${service} healthy after the deploy`, 180_000, 1000, async () => {
      const health = (await stack.docker.getContainer(stack.containerName(service)).inspect()).State.Health?.Status;
      return health === undefined || health === "healthy" ? { value: true, reason: "" } : { reason: `health ${health}` };
    });
  };
  writeFileSync(file, doc.toString());
  await deploy();
  return {
    detail: `redeployed ${service} with ${name}=${value} (was ${before === undefined ? "unset" : JSON.stringify(String(before))}): docker-compose up -d --no-deps ${service}`,
    revert: async () => {
      writeFileSync(file, original);
      await deploy().catch(() => {});
    },
  };
};

/** `kind: service-env` in a scenario. */
export const serviceEnvFault: FaultModule = {
  kind: "service-env",
  parameters: {
    service: { type: "string", required: true, about: "the compose service" },
    name: { type: "string", required: true, about: "the environment variable" },
    value: { type: "string", required: true, about: "its new value" },
  },
  serviceParameters: ["service"],
  apply: serviceEnv,
};
