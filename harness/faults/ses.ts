// Deny the app's SES access (AccessDenied on every send), as a revoked IAM policy
// would. Uses the SES stand-in's deny switch; LocalStack has no such switch.
import { param, type Fault, type FaultModule } from "./fault.js";
import { runChecked } from "../util/run.js";

export const sesDeny: Fault = async ({ stack }, params) => {
  const code = param<string>(params, "code", "string", "AccessDenied");
  if (!stack.report.services.find((s) => s.service === "ses")?.standIn) {
    throw new Error("ses-deny needs the SES stand-in (air-gapped profile); LocalStack has no deny switch");
  }
  const ses = stack.containerName("ses");
  const curl = (...args: string[]) => runChecked("docker", ["exec", ses, "curl", "-fsS", ...args]);
  await curl("-X", "POST", "-H", "content-type: application/json", "-d", JSON.stringify({ code }), "http://127.0.0.1:4566/_standin/deny");
  return {
    detail: `SES answers ${code} to every send (stand-in deny switch)`,
    revert: async () => void (await curl("-X", "DELETE", "http://127.0.0.1:4566/_standin/deny").catch(() => undefined)),
  };
};

/** `kind: ses-deny` in a scenario. */
export const sesDenyFault: FaultModule = {
  kind: "ses-deny",
  parameters: { code: { type: "string", about: "the error SES answers (default AccessDenied)" } },
  apply: sesDeny,
};
