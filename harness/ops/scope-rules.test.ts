// The scope guard's policy without an engine: a fake listing stands for the drill's
// labelled containers and networks.
import { describe, expect, it } from "vitest";
import { DrillScope, type EngineImage, type EngineLookup } from "./drill-scope.js";
import { withLabelFilter } from "./engine-filters.js";
import { decide, narrowAnswer, type ApiRequest, type Decision } from "./scope-rules.js";
import { emptyPolicy, type DrillPolicy } from "./drill-policy.js";
import { splitUrl } from "./scope-guard.js";
import { dotEnv, localForwards, referencedVariables } from "./operator-shell.js";
import { tarArchive } from "./tar.js";

const project = "drill-20261128t133958-5a5a";
const label = `io.runbook-drills.project=${project}`;
const pgId = "27d2ef1def9b" + "a".repeat(52);
const netId = "b94a83d9ecfd" + "b".repeat(52);
const anonVolume = "c".repeat(64);

const lookup: EngineLookup = {
  containers: async () => [
    { id: pgId, names: [`${project}-postgresql`], volumes: [`${project}_postgres-data`] },
    { id: "d".repeat(64), names: [`${project}-caddy`], volumes: [anonVolume] },
    { id: "e".repeat(64), names: [`${project}-operator-shell`], volumes: [] },
  ],
  networks: async () => [{ id: netId, name: `${project}_app-network` }],
  images: async (): Promise<EngineImage[]> => [
    { id: `sha256:${"1".repeat(64)}`, tags: ["runbook-drills/postgresql:abc"], labels: { "io.runbook-drills.image": "postgresql" } },
    { id: `sha256:${"2".repeat(64)}`, tags: ["x:latest"], labels: {} },
    { id: `sha256:${"3".repeat(64)}`, tags: ["someone/else:1"], labels: {} },
  ],
};

function scope(): DrillScope {
  return new DrillScope({
    project,
    productionProject: "docker-compose",
    services: ["postgresql", "caddy", "minio"],
    hiddenContainers: [`${project}-operator-shell`],
    lookup,
    images: ["x"],
  });
}

const labels = { "io.runbook-drills.project": project, "io.runbook-drills.owner-pid": "42" };
const policy: DrillPolicy = { ...emptyPolicy(), bindRoots: ["/work/stack/config"], images: ["x"] };

function request(method: string, url: string, body?: unknown): Promise<Decision> {
  const { path, query, version } = splitUrl(url);
  const req: ApiRequest = { method, path, query, body, version };
  return decide(req, { scope: scope(), policy, labels });
}

function forwarded(d: Decision): Extract<Decision, { kind: "forward" }> {
  if (d.kind !== "forward") throw new Error(`expected forward, got ${JSON.stringify(d)}`);
  return d;
}

describe("scope guard: names", () => {
  it("maps production container names onto the drill's", async () => {
    const removed = forwarded(await request("DELETE", "/v1.41/containers/postgresql?force=1"));
    expect(removed.path).toBe(`/containers/${project}-postgresql`);
    // Anonymous volumes go with the drill's container (they carry no label to sweep by).
    expect(removed.query.get("v")).toBe("1");
    expect(removed.query.get("force")).toBe("1");
    expect(forwarded(await request("POST", "/containers/minio/restart")).path).toBe(`/containers/${project}-minio/restart`);
    expect(forwarded(await request("GET", "/v1.38/containers/caddy/logs?tail=100")).path).toBe(`/containers/${project}-caddy/logs`);
  });

  it("passes the drill's own names and resolves ID prefixes to full IDs", async () => {
    expect(forwarded(await request("GET", `/containers/${project}-postgresql/json`)).path).toBe(`/containers/${project}-postgresql/json`);
    expect(forwarded(await request("POST", "/containers/27d2ef/stop")).path).toBe(`/containers/${pgId}/stop`);
  });

  it("refuses other containers, and the operator shell itself", async () => {
    const d = await request("DELETE", "/containers/some-unrelated-name?force=1");
    expect(d).toEqual({ kind: "refuse", reason: `container "some-unrelated-name" is not one of drill ${project}'s containers` });
    expect((await request("POST", `/containers/${project}-operator-shell/kill`)).kind).toBe("refuse");
    expect((await request("POST", "/containers/ffff/stop")).kind).toBe("refuse");
  });

  it("maps compose volumes and networks of production onto the drill's", async () => {
    expect(forwarded(await request("DELETE", "/v1.41/volumes/docker-compose_postgres-data")).path).toBe(`/volumes/${project}_postgres-data`);
    expect(forwarded(await request("GET", "/networks/docker-compose_app-network")).path).toBe(`/networks/${project}_app-network`);
    expect(forwarded(await request("GET", "/networks/b94a83")).path).toBe(`/networks/${netId}`);
    expect(forwarded(await request("DELETE", `/volumes/${anonVolume}`)).path).toBe(`/volumes/${anonVolume}`);
    expect((await request("DELETE", "/volumes/postgres-data")).kind).toBe("refuse");
    expect((await request("DELETE", "/networks/bridge")).kind).toBe("refuse");
  });

  it("answers an inspect of what is not the drill's with not found (compose probes legacy names)", async () => {
    expect(await request("GET", "/v1.38/networks/drill20261128t1339585a5a_app-network")).toMatchObject({ kind: "answer", status: 404 });
    expect(await request("GET", "/v1.41/volumes/drill20261128t1339585a5a_postgres-data")).toMatchObject({ kind: "answer", status: 404 });
    expect(await request("GET", "/v1.41/containers/some-unrelated-name/json")).toEqual({
      kind: "answer",
      status: 404,
      body: { message: "No such container: some-unrelated-name" },
    });
    expect(await request("GET", "/v1.41/plugins/some-unrelated-name/json")).toMatchObject({ kind: "answer", status: 404 });
    // Mutations and streams are refused, not hidden.
    expect((await request("GET", "/v1.41/containers/some-unrelated-name/logs")).kind).toBe("refuse");
  });

  it("refuses names that are no Docker names (encoded slashes, dots)", async () => {
    expect((await request("DELETE", `/containers/${project}-x%2F..%2F..%2Fimages%2Fdebian`)).kind).toBe("refuse");
    expect((await request("DELETE", `/volumes/${project}_x%2F..%2Fy`)).kind).toBe("refuse");
    expect((await request("DELETE", "/networks/..")).kind).toBe("refuse");
  });
});

describe("scope guard: listings and prunes", () => {
  it("narrows listings and prunes to the drill's label", async () => {
    for (const [method, url] of [
      ["GET", "/v1.41/containers/json?all=1"],
      ["GET", "/volumes"],
      ["GET", "/networks"],
      ["POST", "/containers/prune"],
      ["POST", "/volumes/prune"],
      ["POST", "/networks/prune"],
      ["POST", "/images/prune?filters=%7B%22dangling%22%3A%7B%22false%22%3Atrue%7D%7D"],
      ["GET", "/events?since=1"],
    ] as const) {
      const filters = JSON.parse(forwarded(await request(method, url)).query.get("filters") ?? "{}") as { label: Record<string, boolean> };
      expect(filters.label, `${method} ${url}`).toEqual({ [label]: true });
    }
  });

  it("hides the operator shell from listings and narrows `system df` to the drill", async () => {
    const shellRow = { Names: [`/${project}-operator-shell`], Labels: { "io.runbook-drills.project": project } };
    const pgRow = { Names: [`/${project}-postgresql`], Labels: { "io.runbook-drills.project": project } };
    expect(narrowAnswer("hide-containers", [shellRow, pgRow], scope())).toEqual([pgRow]);
    expect(forwarded(await request("GET", "/v1.41/system/df")).effect).toBe("narrow-disk-usage");
    const net = { Name: `${project}_app-network`, Containers: { e: { Name: `${project}-operator-shell` }, a: { Name: `${project}-postgresql` } } };
    expect(forwarded(await request("GET", "/networks/docker-compose_app-network")).effect).toBe("hide-network-members");
    expect(narrowAnswer("hide-network-members", net, scope())).toEqual({ ...net, Containers: { a: { Name: `${project}-postgresql` } } });
    const df = narrowAnswer(
      "narrow-disk-usage",
      {
        LayersSize: 1,
        Containers: [shellRow, pgRow, { Names: ["/postgresql"], Labels: {} }],
        Volumes: [{ Name: "docker-compose_postgres-data", Labels: null }, { Name: `${project}_postgres-data`, Labels: { "io.runbook-drills.project": project } }],
        Images: [{ Labels: { "io.runbook-drills.image": "postgresql" } }, { Labels: null }],
        BuildCache: [{ ID: "x" }],
      },
      scope(),
    );
    expect(df).toEqual({
      LayersSize: 1,
      Containers: [pgRow],
      Volumes: [{ Name: `${project}_postgres-data`, Labels: { "io.runbook-drills.project": project } }],
      Images: [{ Labels: { "io.runbook-drills.image": "postgresql" } }],
      BuildCache: [],
    });
  });

  it("answers a build-cache prune without touching the shared cache", async () => {
    expect(await request("POST", "/build/prune?all=1")).toEqual({ kind: "answer", status: 200, body: { CachesDeleted: [], SpaceReclaimed: 0 } });
  });

  it("merges with the caller's filters in their own JSON shape", () => {
    expect(JSON.parse(withLabelFilter('{"dangling":{"false":true}}', "a=b"))).toEqual({ dangling: { false: true }, label: { "a=b": true } });
    expect(JSON.parse(withLabelFilter('{"label":["com.docker.compose.project=x"]}', "a=b"))).toEqual({
      label: ["com.docker.compose.project=x", "a=b"],
    });
    expect(JSON.parse(withLabelFilter('{"status":["exited"]}', "a=b"))).toEqual({ status: ["exited"], label: ["a=b"] });
    expect(JSON.parse(withLabelFilter(null, "a=b"))).toEqual({ label: { "a=b": true } });
  });
});

describe("scope guard: creates and the rest", () => {
  it("lets compose create the drill's containers, mapping volumes and networks, stamping labels", async () => {
    const d = forwarded(
      await request("POST", `/v1.38/containers/create?name=${project}-postgresql`, {
        Image: "x",
        Labels: { "com.docker.compose.project": project },
        HostConfig: {
          Binds: ["docker-compose_postgres-data:/var/lib/postgresql/data:rw", "/work/stack/config:/etc/x:ro"],
          NetworkMode: "docker-compose_app-network",
        },
        NetworkingConfig: { EndpointsConfig: { "docker-compose_app-network": { Aliases: ["postgresql"] } } },
      }),
    );
    const body = d.body as { Labels: Record<string, string>; HostConfig: { Binds: string[]; NetworkMode: string }; NetworkingConfig: { EndpointsConfig: object } };
    expect(body.Labels).toMatchObject(labels);
    expect(body.HostConfig.Binds).toEqual([`${project}_postgres-data:/var/lib/postgresql/data:rw`, "/work/stack/config:/etc/x:ro"]);
    expect(body.HostConfig.NetworkMode).toBe(`${project}_app-network`);
    expect(Object.keys(body.NetworkingConfig.EndpointsConfig)).toEqual([`${project}_app-network`]);
  });

  it("maps a production name given to docker run --name", async () => {
    expect(forwarded(await request("POST", "/containers/create?name=postgresql", { Image: "x" })).query.get("name")).toBe(`${project}-postgresql`);
  });

  it("refuses creates outside the drill", async () => {
    expect((await request("POST", "/containers/create", { Image: "debian:bookworm" })).kind).toBe("refuse");
    expect((await request("POST", "/containers/create?name=other", { Image: "x" })).kind).toBe("refuse");
    const outsiderVolume = await request("POST", `/containers/create?name=${project}-x`, { Image: "x", HostConfig: { Binds: ["precious:/data"] } });
    expect(outsiderVolume).toEqual({ kind: "refuse", reason: `volume "precious" is not one of drill ${project}'s volumes` });
    expect((await request("POST", "/volumes/create", { Name: "precious" })).kind).toBe("refuse");
    expect(forwarded(await request("POST", "/volumes/create", { Name: "docker-compose_postgres-data" })).body).toMatchObject({
      Name: `${project}_postgres-data`,
      Labels: labels,
    });
    expect(forwarded(await request("POST", "/networks/create", { Name: `${project}_app-network` })).effect).toBe("network-created");
  });

  it("lets exec instances be started only when created through the guard", async () => {
    const s = scope();
    const start = (id: string) => decide({ method: "POST", path: `/exec/${id}/start`, query: new URLSearchParams() }, { scope: s, policy, labels });
    expect((await start("f".repeat(64))).kind).toBe("refuse");
    s.addExec("f".repeat(64));
    expect((await start("f".repeat(64))).kind).toBe("forward");
  });

  it("refuses images, builds, swarm and plugins", async () => {
    for (const [method, url] of [
      ["DELETE", "/images/runbook-drills/postgresql:abc"],
      ["POST", "/images/create?fromImage=debian"],
      ["POST", "/build?t=x"],
      ["POST", "/swarm/init"],
      ["POST", "/plugins/pull"],
      ["GET", "/secrets"],
      ["POST", "/containers/postgresql/checkpoints"],
    ] as const) {
      expect((await request(method, url)).kind, `${method} ${url}`).toBe("refuse");
    }
    expect(forwarded(await request("GET", "/images/runbook-drills/postgresql:abc/json")).path).toBe("/images/runbook-drills/postgresql:abc/json");
  });
});

describe("operator shell helpers", () => {
  it("forwards the production host's published ports of served services", () => {
    const prod = {
      services: {
        caddy: { ports: ["8080:8080"] },
        prometheus: { ports: ["127.0.0.1:9090:9090"] },
        minio: { ports: ["127.0.0.1:9000:9000"] },
        alertmanager: {},
      },
    };
    expect(localForwards(prod, new Set(["caddy", "prometheus", "alertmanager"]))).toEqual(["8080:caddy:8080", "9090:prometheus:9090"]);
  });

  it("finds the variables a compose file interpolates, not $$ escapes", () => {
    const vars = referencedVariables('a: ${POSTGRES_PASSWORD:?}\nb: ${X_IMAGE:-x}\nc: "$$MINIO_ROOT_USER"\nd: $PLAIN');
    expect([...vars].sort()).toEqual(["PLAIN", "POSTGRES_PASSWORD", "X_IMAGE"]);
  });

  it("writes a .env compose reads literally", () => {
    expect(dotEnv({ A: "abc/+=", B: "has space" })).toBe("A=abc/+=\nB='has space'\n");
    expect(() => dotEnv({ C: "it's" })).toThrow(/quote/);
  });

  it("writes a tar the engine accepts (ustar headers, 512-byte blocks)", () => {
    const tar = tarArchive([{ path: "app/" }, { path: "app/f", content: "hello" }]);
    expect(tar.length).toBe(512 + 512 + 512 + 1024);
    expect(tar.subarray(257, 262).toString()).toBe("ustar");
    expect(tar.subarray(1024, 1029).toString()).toBe("hello");
  });
});

// Each row names the rule it exercises (issue 8's classes of hole). A refusal must name
// the field of the call it refused.
describe("scope guard: allow-listed bodies", () => {
  const create = (body: unknown, name = `${project}-x`) => request("POST", `/v1.41/containers/create?name=${name}`, body);
  const refusedWith = async (d: Promise<Decision>, text: string | RegExp) => {
    const decision = await d;
    if (decision.kind !== "refuse") throw new Error(`expected a refusal, got ${JSON.stringify(decision)}`);
    expect(decision.reason).toMatch(text);
  };

  const refusedCreates: { rule: string; body: Record<string, unknown>; field: string | RegExp }[] = [
    { rule: "host bind: -v /:/host", body: { Image: "x", HostConfig: { Binds: ["/:/host"] } }, field: /HostConfig\.Binds\[0\] mounts the host path \// },
    { rule: "host bind: --mount type=bind,src=/", body: { Image: "x", HostConfig: { Mounts: [{ Type: "bind", Source: "/", Target: "/h" }] } }, field: "HostConfig.Mounts[0].Source" },
    { rule: "host bind: .. escapes an allowed root", body: { Image: "x", HostConfig: { Binds: ["/work/stack/config/../../etc:/h"] } }, field: /has a "\.\." component/ },
    { rule: "host bind: engine socket", body: { Image: "x", HostConfig: { Binds: ["/var/run/docker.sock:/s"] } }, field: "HostConfig.Binds[0]" },
    { rule: "host bind: volume driver options on a mount", body: { Image: "x", HostConfig: { Mounts: [{ Type: "volume", Source: `${project}_v`, Target: "/h", VolumeOptions: { DriverConfig: { Name: "local", Options: { type: "none", o: "bind", device: "/" } } } }] } }, field: "HostConfig.Mounts[0].VolumeOptions.DriverConfig" },
    { rule: "key spelling: lower-case hostconfig", body: { Image: "x", hostconfig: { Binds: ["/:/host"] } }, field: "HostConfig.Binds[0] mounts the host path /" },
    { rule: "key spelling: HostConfig given twice", body: { Image: "x", HostConfig: {}, hostConfig: { Privileged: true } }, field: /given twice/ },
    { rule: "key placement: top-level Binds (pre-1.24 shape dockerd still reads)", body: { Image: "x", Binds: ["/:/host"] }, field: /field Binds is not one the scope guard forwards/ },
    { rule: "key placement: top-level Privileged", body: { Image: "x", Privileged: true }, field: /field Privileged is not one/ },
    { rule: "unknown field", body: { Image: "x", HostConfig: { Annotations: { a: "b" } } }, field: /HostConfig\.Annotations is not one/ },
    { rule: "non-ASCII key folding (Go folds ſ to s)", body: { Image: "x", "Hoſtconfig": {} }, field: /not a plain ASCII name/ },
    { rule: "privilege: Privileged", body: { Image: "x", HostConfig: { Privileged: true } }, field: "HostConfig.Privileged" },
    { rule: "privilege: CapAdd", body: { Image: "x", HostConfig: { CapAdd: ["SYS_ADMIN"] } }, field: "HostConfig.CapAdd" },
    { rule: "privilege: Devices", body: { Image: "x", HostConfig: { Devices: [{ PathOnHost: "/dev/sda", PathInContainer: "/dev/sda", CgroupPermissions: "rwm" }] } }, field: "HostConfig.Devices" },
    { rule: "privilege: DeviceCgroupRules", body: { Image: "x", HostConfig: { DeviceCgroupRules: ["b *:* rwm"] } }, field: "HostConfig.DeviceCgroupRules" },
    { rule: "privilege: SecurityOpt seccomp=unconfined", body: { Image: "x", HostConfig: { SecurityOpt: ["seccomp=unconfined"] } }, field: "HostConfig.SecurityOpt" },
    { rule: "privilege: PidMode host", body: { Image: "x", HostConfig: { PidMode: "host" } }, field: "HostConfig.PidMode" },
    { rule: "privilege: IpcMode host", body: { Image: "x", HostConfig: { IpcMode: "host" } }, field: "HostConfig.IpcMode" },
    { rule: "privilege: UTSMode host", body: { Image: "x", HostConfig: { UTSMode: "host" } }, field: "HostConfig.UTSMode" },
    { rule: "privilege: UsernsMode host", body: { Image: "x", HostConfig: { UsernsMode: "host" } }, field: "HostConfig.UsernsMode" },
    { rule: "privilege: CgroupnsMode host", body: { Image: "x", HostConfig: { CgroupnsMode: "host" } }, field: "HostConfig.CgroupnsMode" },
    { rule: "privilege: CgroupParent", body: { Image: "x", HostConfig: { CgroupParent: "/system.slice" } }, field: "HostConfig.CgroupParent" },
    { rule: "privilege: Sysctls", body: { Image: "x", HostConfig: { Sysctls: { "net.ipv4.ip_forward": "1" } } }, field: "HostConfig.Sysctls" },
    { rule: "privilege: MaskedPaths [] (systempaths=unconfined)", body: { Image: "x", HostConfig: { MaskedPaths: ["/x"] } }, field: "HostConfig.MaskedPaths" },
    { rule: "privilege: PidMode container:<outsider>", body: { Image: "x", HostConfig: { PidMode: "container:postgres-outsider" } }, field: /container "postgres-outsider" is not one of drill/ },
    { rule: "privilege: OomKillDisable", body: { Image: "x", HostConfig: { OomKillDisable: true } }, field: "HostConfig.OomKillDisable" },
    { rule: "network: --network host", body: { Image: "x", HostConfig: { NetworkMode: "host" } }, field: /HostConfig\.NetworkMode "host"/ },
    { rule: "network: publish on all interfaces", body: { Image: "x", HostConfig: { PortBindings: { "80/tcp": [{ HostIp: "", HostPort: "80" }] } } }, field: /publishes on ""/ },
    { rule: "network: -P", body: { Image: "x", HostConfig: { PublishAllPorts: true } }, field: "HostConfig.PublishAllPorts" },
    { rule: "image: not the drill's", body: { Image: "someone/else:1" }, field: /Image "someone\/else:1" is not an image of drill/ },
    { rule: "log driver: syslog to a network address", body: { Image: "x", HostConfig: { LogConfig: { Type: "syslog", Config: { "syslog-address": "udp://10.0.0.1:514" } } } }, field: "HostConfig.LogConfig.Type" },
  ];
  for (const c of refusedCreates) {
    it(`refuses container create [${c.rule}]`, async () => refusedWith(create(c.body), c.field));
  }

  it("allows the drill's own bind sources, zero values of privileged fields and no-new-privileges [host bind, privilege]", async () => {
    const d = forwarded(
      await create({
        Image: "x",
        HostConfig: {
          Binds: ["/work/stack/config/prometheus:/etc/prometheus:ro"],
          Privileged: false,
          CapAdd: null,
          Devices: [],
          SecurityOpt: ["no-new-privileges"],
          PidMode: "",
          PortBindings: { "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "37007" }] },
        },
      }),
    );
    expect((d.body as { HostConfig: { Binds: string[] } }).HostConfig.Binds).toEqual(["/work/stack/config/prometheus:/etc/prometheus:ro"]);
  });

  it("re-serialises what it checked, in the canonical spelling [key spelling]", async () => {
    const d = forwarded(await create({ image: "x", hostconfig: { binds: [`docker-compose_postgres-data:/d`] } }));
    expect(d.body).toEqual({ Image: "x", HostConfig: { Binds: [`${project}_postgres-data:/d`] }, Labels: labels });
  });

  it("grants a privilege only to the service that declares it, on its own name and image [privilege: declared]", async () => {
    const declaring: DrillPolicy = {
      ...policy,
      services: { "node-exporter": { containerName: `${project}-node-exporter`, image: "x", privileges: { PidMode: "host" } } },
    };
    const withPolicy = (name: string, body: unknown) => {
      const { path, query } = splitUrl(`/v1.41/containers/create?name=${name}`);
      return decide({ method: "POST", path, query, body }, { scope: scope(), policy: declaring, labels });
    };
    const svc = { "com.docker.compose.service": "node-exporter" };
    expect((await withPolicy(`${project}-node-exporter`, { Image: "x", Labels: svc, HostConfig: { PidMode: "host" } })).kind).toBe("forward");
    // Same label, another name (docker run --label ... --pid host): refused.
    await refusedWith(withPolicy(`${project}-other`, { Image: "x", Labels: svc, HostConfig: { PidMode: "host" } }), "HostConfig.PidMode");
  });

  it("refuses volume create with bind driver options, and allows the declared tmpfs host disk [volume DriverOpts]", async () => {
    await refusedWith(
      request("POST", "/volumes/create", { Name: `${project}_x`, Driver: "local", DriverOpts: { type: "none", o: "bind", device: "/" } }),
      /DriverOpts .* is refused/,
    );
    await refusedWith(request("POST", "/volumes/create", { Name: `${project}_x`, Driver: "nfs" }), "Driver");
    const declared: DrillPolicy = { ...policy, volumes: { [`${project}_host-disk`]: { driver: "local", driverOpts: { type: "tmpfs", device: "tmpfs", o: "size=256m" } } } };
    const { path, query } = splitUrl("/volumes/create");
    const ok = await decide(
      { method: "POST", path, query, body: { Name: "docker-compose_host-disk", Driver: "local", DriverOpts: { type: "tmpfs", device: "tmpfs", o: "size=256m" } } },
      { scope: scope(), policy: declared, labels },
    );
    expect(forwarded(ok).body).toMatchObject({ Name: `${project}_host-disk` });
  });

  it("refuses network create beyond a plain bridge [network create]", async () => {
    await refusedWith(request("POST", "/networks/create", { Name: `${project}_n`, Driver: "macvlan" }), "Driver");
    await refusedWith(request("POST", "/networks/create", { Name: `${project}_n`, IPAM: { Driver: "default", Config: [{ Subnet: "192.168.1.0/24" }] } }), "IPAM.Config");
    await refusedWith(request("POST", "/networks/create", { Name: `${project}_n`, Options: { "com.docker.network.bridge.name": "eth0" } }), "Options");
    expect(forwarded(await request("POST", "/networks/create", { Name: `${project}_n`, Driver: "bridge", CheckDuplicate: true, IPAM: { Driver: "default", Config: [], Options: {} } })).kind).toBe("forward");
  });

  it("refuses network connect naming an outsider in either spelling [network connect]", async () => {
    await refusedWith(request("POST", "/networks/docker-compose_app-network/connect", { Container: `${project}-postgresql`, container: "postgresql-outsider" }), /given twice/);
    await refusedWith(request("POST", "/networks/docker-compose_app-network/connect", { container: "postgresql-outsider" }), /container "postgresql-outsider" is not one of drill/);
    const ok = forwarded(await request("POST", "/networks/docker-compose_app-network/connect", { container: "postgresql" }));
    expect(ok.body).toEqual({ Container: `${project}-postgresql` });
  });

  it("refuses a privileged exec and unknown exec fields [exec]", async () => {
    await refusedWith(request("POST", "/containers/postgresql/exec", { Cmd: ["sh"], Privileged: true }), "Privileged");
    await refusedWith(request("POST", "/containers/postgresql/exec", { Cmd: ["sh"], HostConfig: {} }), /HostConfig is not one/);
    expect(forwarded(await request("POST", "/containers/postgresql/exec", { Cmd: ["sh"], AttachStdout: true })).effect).toBe("record-exec");
  });

  it("refuses container update fields beyond resources [update]", async () => {
    await refusedWith(request("POST", "/containers/postgresql/update", { Devices: [{ PathOnHost: "/dev/sda" }] }), "Devices");
    expect(forwarded(await request("POST", "/containers/postgresql/update", { Memory: 1 << 28, CgroupParent: "" })).body).toEqual({ Memory: 1 << 28, CgroupParent: "" });
  });

  it("refuses old API versions, which take host configuration on start [API version]", async () => {
    await refusedWith(request("POST", "/v1.23/containers/postgresql/start"), /API version 1\.23 is older than 1\.25/);
    expect(forwarded(await request("POST", "/v1.41/containers/postgresql/start")).body).toBeUndefined();
  });

  it("marks only exec start and attach as upgradable [upgrade]", async () => {
    const s = scope();
    s.addExec("f".repeat(64));
    const start = await decide({ method: "POST", path: `/exec/${"f".repeat(64)}/start`, query: new URLSearchParams(), body: { Detach: false, Tty: false } }, { scope: s, policy, labels });
    expect(forwarded(start).hijack).toBe(true);
    expect(forwarded(await request("POST", "/containers/postgresql/attach?stream=1&stdout=1")).hijack).toBe(true);
    expect(forwarded(await request("GET", "/_ping")).hijack).toBeUndefined();
  });

  it("narrows `docker info` and hides images that are not the drill's [information leaks]", async () => {
    expect(forwarded(await request("GET", "/v1.41/info")).effect).toBe("narrow-info");
    const info = narrowAnswer("narrow-info", { ServerVersion: "20.10", HttpProxy: "http://user:pw@proxy", Labels: ["secret=1"], Containers: 40, Name: "host" }, scope());
    expect(info).toEqual({ ServerVersion: "20.10", Name: "drill-engine", Labels: [] });
    expect(await request("GET", "/images/someone/else:1/json")).toMatchObject({ kind: "answer", status: 404 });
    expect(await request("GET", `/images/sha256:${"3".repeat(12)}/json`)).toMatchObject({ kind: "answer", status: 404 });
    expect(forwarded(await request("GET", "/images/x/json")).kind).toBe("forward");
    expect(forwarded(await request("GET", "/images/runbook-drills/postgresql:abc/json")).kind).toBe("forward");
  });
});
