import { describe, expect, it } from "vitest";
import { parseShell } from "./shell-syntax.js";

const argvs = (text: string): string[][] => parseShell(text).commands.map((c) => c.argv);

describe("parseShell", () => {
  it("splits pipes, && , || and ; into simple commands", () => {
    expect(argvs("docker ps -a | grep postgresql && echo ok; false || true")).toEqual([
      ["docker", "ps", "-a"],
      ["grep", "postgresql"],
      ["echo", "ok"],
      ["false"],
      ["true"],
    ]);
    const p = parseShell("a | b && c").pipelines;
    expect(p.map((x) => [x.commands.length, x.next])).toEqual([
      [2, "&&"],
      [1, undefined],
    ]);
  });

  it("removes quotes but does not expand", () => {
    expect(argvs(`curl -H "Authorization: Bearer $KEY" 'a b' c\\ d "x\\"y"`)).toEqual([
      ["curl", "-H", "Authorization: Bearer $KEY", "a b", "c d", 'x"y'],
    ]);
    expect(argvs("echo $(date +%s) ${HOME:-/root} `id -u`")).toEqual([["echo", "$(date +%s)", "${HOME:-/root}", "`id -u`"]]);
  });

  it("keeps comments out of words, but not # inside words or quotes", () => {
    const s = parseShell("curl http://x:9091/metrics  # From Prometheus container\necho a#b '#c'");
    expect(s.commands.map((c) => c.argv)).toEqual([["curl", "http://x:9091/metrics"], ["echo", "a#b", "#c"]]);
    expect(s.comments).toEqual([{ text: "# From Prometheus container", line: 1 }]);
  });

  it("joins line continuations and reports the line each word is on", () => {
    const s = parseShell('aws ses send-email \\\n  --from a@b \\\n  --subject "Test"', 10);
    expect(s.commands).toHaveLength(1);
    expect(s.commands[0]!.argv).toEqual(["aws", "ses", "send-email", "--from", "a@b", "--subject", "Test"]);
    expect(s.commands[0]!.words.map((w) => w.line)).toEqual([10, 10, 10, 11, 11, 12, 12]);
    expect(s.lineStartsInCode).toEqual([true, false, false]);
  });

  it("reads heredocs, and their body lines are not code", () => {
    const text = "cat > /etc/x <<EOF\n# 2. not a step\n  rotate 7\nEOF\necho done";
    const s = parseShell(text);
    expect(s.commands.map((c) => c.argv)).toEqual([["cat"], ["echo", "done"]]);
    const redirects = s.commands[0]!.redirects;
    expect(redirects.map((r) => [r.op, r.target?.value])).toEqual([
      [">", "/etc/x"],
      ["<<", "EOF"],
    ]);
    expect(redirects[1]!.heredoc?.body).toBe("# 2. not a step\n  rotate 7");
    expect(s.lineStartsInCode).toEqual([true, false, false, false, true]);
  });

  it("handles <<- with tabs and quoted delimiters", () => {
    const s = parseShell("cat <<-'END'\n\t$NOT_EXPANDED\n\tEND\nls");
    expect(s.commands.map((c) => c.argv)).toEqual([["cat"], ["ls"]]);
    expect(s.commands[0]!.redirects[0]!.heredoc?.body).toBe("\t$NOT_EXPANDED");
  });

  it("knows multi-line double-quoted strings are not code lines", () => {
    const s = parseShell('docker exec app python3 -c "\nimport x\n# 2. not a step\n"\nls');
    expect(s.lineStartsInCode).toEqual([true, false, false, false, true]);
    expect(s.commands[0]!.argv[5]).toBe("\nimport x\n# 2. not a step\n");
  });

  it("separates assignments, redirections and io numbers", () => {
    const s = parseShell("FOO=1 BAR='x y' env 2>&1 >> log < /backup/db.sql");
    const c = s.commands[0]!;
    expect(c.assignments).toEqual([
      { name: "FOO", value: "1" },
      { name: "BAR", value: "x y" },
    ]);
    expect(c.argv).toEqual(["env"]);
    expect(c.redirects.map((r) => [r.op, r.target?.value])).toEqual([
      ["2>&", "1"],
      [">>", "log"],
      ["<", "/backup/db.sql"],
    ]);
  });

  it("strips reserved words and skips loop headers", () => {
    expect(argvs("if docker ps; then echo up; fi\nfor i in 1 2; do sleep $i; done")).toEqual([
      ["docker", "ps"],
      ["echo", "up"],
      ["sleep", "$i"],
    ]);
  });

  it("reports unterminated quotes", () => {
    expect(parseShell("echo 'oops").errors).toEqual([{ line: 1, message: "unterminated single quote" }]);
    expect(parseShell('echo "oops').errors[0]?.message).toBe('unterminated " quote');
  });

  it("reads a comment-only text as no commands", () => {
    const s = parseShell("# 2. Identify slow component\n# Check Grafana dashboard for bottlenecks");
    expect(s.commands).toEqual([]);
    expect(s.comments).toHaveLength(2);
  });
});
