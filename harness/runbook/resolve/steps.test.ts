import { describe, expect, it } from "vitest";
import { classifyCommand, hostOf, unwrap } from "./commands.js";
import { findPlaceholders, substitute } from "./placeholders.js";
import { parseShell } from "../parse/shell-syntax.js";
import { classifyShellText, PROSE_REASON } from "./steps.js";

const verdict = (text: string) => classifyCommand(parseShell(text).commands[0]!);

describe("classifyCommand", () => {
  it.each([
    "docker logs fastapi-app --tail=100",
    "docker-compose up -d postgresql",
    "curl http://localhost:8080/health",
    "curl http://fastapi-app:9091/metrics",
    "jq .data",
    "psql -U app",
    "sudo chown -R 999:999 /data/postgres",
    "sudo mkswap /swapfile",
    "df -h",
    "cd ~/app/docker-compose",
    "aws s3 ls s3://bucket --endpoint-url http://localhost:9000",
    "aws --endpoint-url=http://ses:4566 ses get-send-quota",
    "docker exec fastapi-app python3 -c 'print(1)'",
  ])("can run %s", (text) => {
    expect(verdict(text)).toMatchObject({ runnable: true });
  });

  it.each([
    ["aws ec2 describe-instances --instance-ids i-xxx", "aws ec2: cloud API not reachable from a drill"],
    ["aws --region eu-west-1 iam get-role-policy", "aws iam: cloud API not reachable from a drill"],
    ["aws ssm start-session --target i-xxx", "aws ssm: cloud API not reachable from a drill"],
    ["aws ses get-send-quota", "aws ses: no --endpoint-url, so it would call the real AWS API"],
    ["aws s3 ls --endpoint-url https://s3.amazonaws.com", "aws s3: endpoint s3.amazonaws.com is outside the drill"],
    ["ssh ubuntu@EC2_IP", "ssh: no remote host in a drill (the operator shell stands in for the host)"],
    ["terraform apply", "terraform: changes cloud infrastructure, which a drill does not have"],
    ["sudo systemctl restart docker", "systemctl: no systemd in a drill container"],
    ["sudo journalctl --vacuum-time=7d", "journalctl: no systemd/journald in a drill container"],
    ["sudo swapon /swapfile", "swapon: needs CAP_SYS_ADMIN on the host"],
    ["curl ifconfig.me", "curl ifconfig.me: external network is not reachable from a drill"],
    ["curl -s https://example.com/x", "curl example.com: external network is not reachable from a drill"],
    ["python script.py", "python: not in the operator shell (Debian has python3 only; run the app's Python via docker exec)"],
    ["nc -z localhost 5432", "nc: not in the operator shell (no netcat; socat is there)"],
    ["frobnicate --now", "frobnicate: not in the operator shell's command table"],
  ])("cannot run %s", (text, reason) => {
    expect(verdict(text)).toMatchObject({ runnable: false, reason });
  });

  it("looks through wrappers", () => {
    expect(unwrap(["sudo", "-u", "postgres", "psql"])).toEqual(["psql"]);
    expect(unwrap(["sudo", "-E", "env", "A=1", "timeout", "5", "terraform", "apply"])).toEqual(["terraform", "apply"]);
    expect(unwrap(["sudo"])).toEqual(["sudo"]);
  });

  it("finds hosts in URLs and bare host names, not in files or numbers", () => {
    expect(hostOf("http://localhost:7700/x")).toBe("localhost");
    expect(hostOf("ifconfig.me")).toBe("ifconfig.me");
    expect(hostOf("curl-format.txt")).toBeUndefined();
    expect(hostOf("1.0")).toBeUndefined();
    expect(hostOf("-X")).toBeUndefined();
  });
});

describe("classifyShellText (a step's default mode)", () => {
  it("a step that is only comments is manual prose", () => {
    expect(classifyShellText("# 2. Identify slow component\n# Check Grafana dashboard for bottlenecks")).toMatchObject({
      mode: "manual",
      reason: PROSE_REASON,
    });
  });

  it("one command that cannot run makes the whole step manual, with every reason", () => {
    const c = classifyShellText("# 3. SSH\nssh ubuntu@EC2_IP\nsudo systemctl status docker");
    expect(c.mode).toBe("manual");
    expect(c.reason).toBe(
      "ssh: no remote host in a drill (the operator shell stands in for the host); systemctl: no systemd in a drill container",
    );
  });

  it("a step whose commands all run is drilled", () => {
    expect(classifyShellText("# 1. x\ndocker stats --no-stream | sort -k4 -h")).toMatchObject({ mode: "drilled" });
  });

  it("a step with broken shell syntax is manual", () => {
    expect(classifyShellText("echo 'oops").reason).toMatch(/^shell syntax: unterminated single quote/);
  });
});

describe("placeholders", () => {
  const tokens = (text: string): string[] => findPlaceholders(text).map((p) => p.token);

  it("finds the runbook's kinds of placeholder", () => {
    expect(tokens("docker-compose restart <service>")).toEqual(["<service>"]);
    expect(tokens("aws ec2 describe-volumes --volume-id vol-xxx --group sg-xxx")).toEqual(["vol-xxx", "sg-xxx"]);
    expect(tokens("ssh ubuntu@EC2_IP")).toEqual(["EC2_IP"]);
    expect(tokens(`curl -H "Authorization: Bearer MASTER_KEY" http://x`)).toEqual(["MASTER_KEY"]);
    expect(tokens("caddy hash-password --plaintext 'your-password'")).toEqual(["your-password"]);
    expect(tokens("echo {{ region }}")).toEqual(["{{ region }}"]);
  });

  it("ignores comments, env vars, assignments and plain upper-case words", () => {
    expect(tokens("# Set MASTER_KEY first\ncurl -X POST http://x | grep ERROR")).toEqual([]);
    expect(tokens('echo "$MEILI_MASTER_KEY ${PG_PASSWORD}"')).toEqual([]);
    expect(tokens("API_KEY=abc\ncurl -H API_KEY http://x\ndocker run -e AWS_REGION=eu x")).toEqual([]);
    expect(tokens("cat <<EOF > f\nx\nEOF\npsql -c 'SELECT 1 FROM t WHERE a AND b'")).toEqual([]);
    expect(tokens("curl http://x  # Returns EC2_IP")).toEqual([]);
  });

  it("reports the line each placeholder is on", () => {
    expect(findPlaceholders("# 3. x\ncurl -H \"k: MASTER_KEY\" \\\n  http://h", 232)).toEqual([{ token: "MASTER_KEY", kind: "caps", line: 233 }]);
  });

  it("substitutes whole tokens only, longest first", () => {
    expect(substitute("A MASTER_KEY MASTER_KEY_2 XMASTER_KEY <service>", { MASTER_KEY: "k", MASTER_KEY_2: "k2", "<service>": "app" })).toBe(
      "A k k2 XMASTER_KEY app",
    );
    expect(substitute("price $1 i-xxx", { "i-xxx": "$&" })).toBe("price $1 $&");
  });
});
