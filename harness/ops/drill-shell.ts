// The operator shell as the drill runner uses it (drill/shell.ts): the drill host's
// disk mounted where the runbook's cleanup looks (/var/log), the drill's Caddyfile where
// production keeps it (~/app/docker-compose/config/caddy), the backups at /backup, and the host's AWS CLI
// credentials pointing at the drill's S3; with the EC2 host's stand-in, the operator's key in ~/.ssh.
import { join } from "node:path";
import type { RunningStack } from "../stack/drill-stack.js";
import { hostDiskVolume } from "../stack/compose-file.js";
import type { OperatorShellLike, ShellResult } from "../drill/shell.js";
import { composeDirInShell, startOperatorShell } from "./operator-shell.js";
import { silentLogger } from "../util/log.js";
import { installOperatorKey } from "./ec2-access.js";

export async function startShellForDrill(stack: RunningStack): Promise<OperatorShellLike> {
  const env = stack.secrets.env;
  const shell = await startOperatorShell(stack, {
    log: silentLogger,
    binds: [
      `${stack.project}_${hostDiskVolume}:/var/log`,
      `${join(stack.dir, "caddy")}:${composeDirInShell}/config/caddy`,
      // The host's /backup, where the backup job writes and the runbook restores from.
      ...(stack.report.services.some((s) => s.service === "postgres-backup") ? [`${stack.project}_backups:/backup`] : []),
    ],
    env: {
      AWS_ACCESS_KEY_ID: env.MINIO_ROOT_USER ?? "",
      AWS_SECRET_ACCESS_KEY: env.MINIO_ROOT_PASSWORD ?? "",
      AWS_DEFAULT_REGION: "us-east-1",
    },
  });
  // The operator's key to the EC2 host's stand-in, when the drill runs one.
  await installOperatorKey(stack, shell.containerName).catch(async (err: unknown) => {
    await shell.close();
    throw err;
  });
  let n = 0;
  return {
    async run(script, timeoutSeconds, stepId, onOutput): Promise<ShellResult> {
      // A runbook step (`3.2`, `4.3b`) is audited: what it did to Docker resources goes in its journal entry.
      const audit = stepId !== undefined && /^\d+\.\d+[a-z]?$/.test(stepId);
      const r = await shell.runStep({ id: stepId ?? `check-${++n}`, script, timeoutSeconds, onOutput, audit });
      return {
        exitCode: r.exitCode,
        stdout: r.stdout,
        stderr: r.stderr,
        seconds: r.seconds,
        timedOut: r.timedOut,
        refusals: r.refusals.map((x) => `${x.method} ${x.path}: ${x.reason}`),
        http: r.http,
        resources: r.resources,
      };
    },
    close: () => shell.close(),
  };
}
