import { describe, expect, it } from "vitest";
import { findPlaceholders } from "./placeholders.js";
import { emptyAnnotations } from "./annotations.js";
import { parseRunbook } from "../parse/parse.js";
import { resolveSteps } from "./resolve.js";

const tokens = (text: string): string[] => findPlaceholders(text).map((p) => p.token);

// Ordinary shell that runbooks use all the time: none of it is a value to fill in.
const ordinary: [string, string][] = [
  ["Go template in --format", "docker ps --format '{{.Image}}'"],
  ["Go template in -f", "docker inspect -f '{{.State.Status}}' postgresql"],
  ["Go template with spaces", "docker inspect --format '{{ .Name }}' minio"],
  ["Go template function", "docker inspect -f '{{json .Mounts}}' minio | jq ."],
  ["Go template range/end", "docker inspect -f '{{range .Mounts}}{{.Source}} {{end}}' postgresql"],
  ["Go template table", "docker ps --format 'table {{.Names}}\\t{{.Status}}'"],
  ["Go template variable", "docker inspect -f '{{$v := .Id}}{{$v}}' x"],
  ["capability after --cap-add", "docker run --rm --cap-add SYS_ADMIN debian:bookworm true"],
  ["capability after --cap-add=", "docker run --rm --cap-add=NET_ADMIN --cap-drop=CAP_SYS_PTRACE debian:bookworm true"],
  ["capability named anywhere", "docker inspect minio | grep -c SYS_ADMIN"],
  ["capability with sudo", "sudo docker run --cap-drop DAC_OVERRIDE x"],
  ["variable name to printenv", "docker exec minio printenv MINIO_ROOT_USER"],
  ["variable name to unset", "unset AWS_PROFILE"],
  ["variable name to env -u", "env -u AWS_SECRET_ACCESS_KEY aws s3 ls --endpoint-url http://localhost:9000"],
  ["pass-through -e NAME", "docker run --rm -e PGPASSWORD_FILE postgres:16 true"],
  ["SQL constant", `psql -c "SELECT CURRENT_TIMESTAMP, CURRENT_USER"`],
];

// The runbook's real placeholders (failure-modes.md) and their kin: still found.
const placeholders: [string, string, string[]][] = [
  ["angle", "docker-compose restart <service>", ["<service>"]],
  ["instance id", "aws ec2 start-instances --instance-ids i-xxx", ["i-xxx"]],
  ["volume id", "aws ec2 modify-volume --volume-id vol-xxx --size 50", ["vol-xxx"]],
  ["security group", "aws ec2 describe-security-groups --group-ids sg-xxx", ["sg-xxx"]],
  ["host", "ssh ubuntu@EC2_IP", ["EC2_IP"]],
  ["key", 'curl -H "Authorization: Bearer MASTER_KEY" http://localhost:7700/indexes', ["MASTER_KEY"]],
  ["password", "docker exec caddy caddy hash-password --plaintext 'your-password'", ["your-password"]],
  ["mustache name", "echo {{ region }} {{bucket}}", ["{{ region }}", "{{bucket}}"]],
  ["placeholder beside a Go template", "docker ps --filter name=<service> --format '{{.Status}}'", ["<service>"]],
  ["placeholder beside a capability", "docker run --cap-add SYS_ADMIN -e TOKEN=x IMAGE_NAME", ["IMAGE_NAME"]],
];

describe("placeholders: ordinary shell is not a placeholder", () => {
  it.each(ordinary)("%s: %s", (_name, text) => {
    expect(tokens(text)).toEqual([]);
  });

  it("a step using Go templates and --cap-add resolves with nothing left unresolved (the drill used to fail it)", () => {
    const md = [
      "### 1. Inspect",
      "**Runbook**:",
      "```bash",
      "# 1. Which image and state?",
      "docker ps --format '{{.Image}}'",
      "docker inspect -f '{{.State.Status}}' postgresql",
      "docker run --rm --cap-add SYS_ADMIN debian:bookworm true",
      "```",
    ].join("\n");
    const [step] = resolveSteps(parseRunbook(md, "t.md"), emptyAnnotations());
    expect(step).toMatchObject({ id: "1.1", mode: "drilled", unresolved: [] });
  });
});

describe("placeholders: the runbook's own are still found", () => {
  it.each(placeholders)("%s: %s", (_name, text, expected) => {
    expect(tokens(text)).toEqual(expected);
  });
});
