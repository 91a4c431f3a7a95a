// port-block in isolation: the iptables calls it makes, that it checks the rule took,
// and its parameter checks. (The rule itself in a real namespace is exercised by the
// prometheus-not-scraping:metrics-port-blocked drill.)
import { describe, expect, it } from "vitest";
import { blockPort, dropRule, portBlockParams } from "./port-block.js";

describe("port-block", () => {
  it("adds a DROP rule for the port in the target's namespace, checks it, and deletes it on revert", async () => {
    const calls: { container: string; args: string[] }[] = [];
    const chain: string[] = ["-P INPUT ACCEPT"];
    const applied = await blockPort("drill-x-fastapi-app", { target: "fastapi-app", port: 9091 }, async (container, args) => {
      calls.push({ container, args });
      if (args[0] === "-I") chain.push("-A INPUT -p tcp -m tcp --dport 9091 -j DROP");
      if (args[0] === "-D") chain.pop();
      return args[0] === "-S" ? `${chain.join("\n")}\n` : "";
    });
    expect(calls.map((c) => [c.container, ...c.args].join(" "))).toEqual([
      "drill-x-fastapi-app -I INPUT -p tcp --dport 9091 -j DROP",
      "drill-x-fastapi-app -S INPUT",
    ]);
    expect(applied.detail).toContain("drops inbound TCP to port 9091");
    await applied.revert();
    expect(calls.at(-1)?.args).toEqual(dropRule("-D", 9091));
    expect(chain).toEqual(["-P INPUT ACCEPT"]);
  });

  it("fails when the rule is not in the chain afterwards", async () => {
    await expect(blockPort("c", { target: "fastapi-app", port: 9091 }, async () => "-P INPUT ACCEPT\n")).rejects.toThrow(/not in fastapi-app's INPUT chain/);
  });

  it("validates its parameters", () => {
    expect(portBlockParams({ target: "fastapi-app", port: 9091 })).toEqual({ target: "fastapi-app", port: 9091 });
    expect(() => portBlockParams({ target: "fastapi-app" })).toThrow(/port must be a TCP port/);
    expect(() => portBlockParams({ target: "fastapi-app", port: 70000 })).toThrow(/port must be a TCP port/);
    expect(() => portBlockParams({ target: "fastapi-app; rm -rf /", port: 1 })).toThrow(/target must be a service name/);
    expect(() => portBlockParams({ target: "x", port: 1, chain: "OUTPUT" })).toThrow(/unknown parameter chain/);
  });
});
