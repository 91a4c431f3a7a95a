// The allow-lists of the request bodies the scope guard forwards (body-fields.ts has the
// machinery): container create, update, exec create and start, network connect and
// disconnect, volume and network create. Each check either returns the value to forward
// (names mapped onto the drill's) or refuses with the field and the reason.
import { resolveHostPath, within, type DeclaredService, type DrillPolicy, type PrivilegedField } from "./drill-policy.js";
import {
  Refused,
  anyBool,
  anyNumber,
  anyString,
  checkObject,
  emptyObjectSet,
  isObject,
  isZero,
  listOf,
  mapOf,
  object,
  oneOf,
  sameValue,
  stringMap,
  strings,
  zeroOnly,
  type Check,
  type Fields,
} from "./body-fields.js";
import type { DrillScope } from "./drill-scope.js";

export interface BodyContext {
  scope: DrillScope;
  policy: DrillPolicy;
  /** The compose service a container create is for, when its name, label and image all say so. */
  service?: DeclaredService;
}
type C = BodyContext;

const notDrill = (kind: string, ref: string, cx: C) => new Refused(`${kind} "${ref}" is not one of drill ${cx.scope.project}'s ${kind}s`);

/** A privileged field: its zero value, or exactly what the drill's compose file declares for this service. */
const privileged =
  (field: PrivilegedField, why: string): Check<C> =>
  (v, at, cx) => {
    if (isZero(v)) return v;
    const declared = cx.service?.privileges[field];
    if (declared !== undefined && sameValue(v, declared)) return v;
    throw new Refused(
      `${at} ${JSON.stringify(v)} is refused: ${why}` +
        (cx.service ? ` (service ${cx.service.containerName} declares ${JSON.stringify(declared ?? null)})` : " (the drill's compose file does not declare it)"),
    );
  };

/** `host` or `container:<not the drill's>` namespaces are refused; `container:<drill's>` is mapped. */
const namespaceMode =
  (field: PrivilegedField, harmless: readonly string[]): Check<C> =>
  async (v, at, cx) => {
    if (v === null || v === "" || (typeof v === "string" && harmless.includes(v))) return v;
    if (typeof v !== "string") throw new Refused(`${at} must be a string`);
    if (v.startsWith("container:")) {
      const ref = v.slice("container:".length);
      const target = await cx.scope.container(ref);
      if (target === undefined) throw notDrill("container", ref, cx);
      return `container:${target}`;
    }
    return privileged(field, "it shares a namespace beyond the drill")(v, at, cx);
  };

// --- host paths ---------------------------------------------------------------------

/** A bind source on the host: only where the drill's own files live, after symlinks. */
export function checkHostPath(source: string, at: string, policy: DrillPolicy): string {
  if (!source.startsWith("/")) throw new Refused(`${at} ${JSON.stringify(source)} is not an absolute host path`);
  if (source.split("/").includes("..")) throw new Refused(`${at} ${JSON.stringify(source)} has a ".." component`);
  const resolved = resolveHostPath(source);
  if (!policy.bindRoots.some((root) => within(resolved, root))) {
    throw new Refused(
      `${at} mounts the host path ${source}${resolved !== source ? ` (${resolved})` : ""}, which is outside the drill's own files; ` +
        `a bind source must lie under ${policy.bindRoots.join(" or ") || "(none)"}`,
    );
  }
  return source;
}

/** `source:target[:mode]`: a host path (checked) or a volume name (mapped onto the drill's). */
const bind: Check<C> = async (v, at, cx) => {
  if (typeof v !== "string") throw new Refused(`${at} must be a string`);
  const parts = v.split(":");
  if (parts.length === 1) return v; // an anonymous volume at a container path
  const [source = "", ...tail] = parts;
  if (source.startsWith("/")) return [checkHostPath(source, at, cx.policy), ...tail].join(":");
  const volume = await cx.scope.volume(source);
  if (volume === undefined) throw notDrill("volume", source, cx);
  return [volume, ...tail].join(":");
};

const mountFields: Fields<C> = {
  Type: oneOf("bind", "volume", "tmpfs"),
  Source: anyString,
  Target: anyString,
  ReadOnly: anyBool,
  Consistency: anyString,
  BindOptions: object<C>({ Propagation: oneOf("", null, "private", "rprivate"), NonRecursive: anyBool }),
  VolumeOptions: object<C>({
    NoCopy: anyBool,
    Labels: stringMap,
    // Driver options on a mount create a volume on the fly: `type=none,o=bind,device=/` is a host bind.
    DriverConfig: zeroOnly("a volume's driver options on a mount can bind any host path"),
  }),
  TmpfsOptions: object<C>({ SizeBytes: anyNumber, Mode: anyNumber }),
};

const mount: Check<C> = async (v, at, cx) => {
  const m = await checkObject(v, mountFields, at, cx);
  if (m.Type === "bind") {
    if (typeof m.Source !== "string") throw new Refused(`${at}.Source must name a host path`);
    checkHostPath(m.Source, `${at}.Source`, cx.policy);
  } else if (m.Type === "volume" && typeof m.Source === "string" && m.Source !== "") {
    const volume = await cx.scope.volume(m.Source);
    if (volume === undefined) throw notDrill("volume", m.Source, cx);
    m.Source = volume;
  } else if (m.Type === undefined) {
    throw new Refused(`${at}.Type is required`);
  }
  return m;
};

/** A container reference, mapped onto the drill's; `sep` splits off a suffix (`name:alias`). */
const containerRef =
  (sep?: string): Check<C> =>
  async (v, at, cx) => {
    if (typeof v !== "string") throw new Refused(`${at} must be a string`);
    const [ref = "", ...rest] = sep ? v.split(sep) : [v];
    const target = await cx.scope.container(ref.replace(/^\//, ""));
    if (target === undefined) throw notDrill("container", ref, cx);
    return [target, ...rest].join(sep ?? "");
  };

// --- networks -----------------------------------------------------------------------

const builtinNetworks = new Set(["default", "bridge", "none"]);

/** A network reference: the drill's networks (mapped), the engine's harmless built-ins, or a drill container's. */
export async function networkRef(mode: string, at: string, cx: C): Promise<string> {
  if (mode === "" || builtinNetworks.has(mode)) return mode;
  if (mode === "host") throw new Refused(`${at} "host" puts the container on the host's network, outside a drill's scope`);
  if (mode.startsWith("container:")) {
    const ref = mode.slice("container:".length);
    const target = await cx.scope.container(ref);
    if (target === undefined) throw notDrill("container", ref, cx);
    return `container:${target}`;
  }
  const net = await cx.scope.network(mode);
  if (net === undefined) throw notDrill("network", mode, cx);
  return net;
}

const endpointFields: Fields<C> = {
  IPAMConfig: object<C>({ IPv4Address: anyString, IPv6Address: anyString, LinkLocalIPs: strings }),
  Links: listOf(containerRef(":")),
  Aliases: strings,
  NetworkID: anyString,
  EndpointID: anyString,
  Gateway: anyString,
  IPAddress: anyString,
  IPPrefixLen: anyNumber,
  IPv6Gateway: anyString,
  GlobalIPv6Address: anyString,
  GlobalIPv6PrefixLen: anyNumber,
  MacAddress: anyString,
  DriverOpts: zeroOnly("endpoint driver options are not part of a drill's stack"),
};

const endpointsConfig: Check<C> = async (v, at, cx) => {
  if (v === null) return null;
  if (!isObject(v)) throw new Refused(`${at} must be an object`);
  const out: Record<string, unknown> = {};
  for (const [net, config] of Object.entries(v)) {
    const where = `${at}[${JSON.stringify(net)}]`;
    out[await networkRef(net, where, cx)] = config === null ? null : await checkObject(config, endpointFields, where, cx);
  }
  return out;
};

// --- container create -----------------------------------------------------------------

const portBinding = object<C>({ HostIp: anyString, HostPort: anyString });

/** Published ports: loopback only, as the drill's own compose file publishes them. */
const portBindings: Check<C> = mapOf<C>(async (v, at, cx) => {
  const list = (await listOf(portBinding)(v, at, cx)) as Record<string, unknown>[] | null;
  for (const b of list ?? []) {
    if (b.HostIp !== "127.0.0.1") {
      throw new Refused(`${at} publishes on ${JSON.stringify(b.HostIp ?? "")}: a drill publishes ports on 127.0.0.1 only`);
    }
  }
  return list;
});

const logConfig = object<C>({ Type: oneOf("", "json-file", "local", "none"), Config: stringMap });
const restartPolicy = object<C>({ Name: oneOf("", "no", "always", "unless-stopped", "on-failure"), MaximumRetryCount: anyNumber });
const ulimit = object<C>({ Name: anyString, Soft: anyNumber, Hard: anyNumber });
const devices = "it gives the container a host device";

/** Resources: the same fields in HostConfig (create) and in an update body. */
const resourceFields: Fields<C> = {
  CpuShares: anyNumber,
  Memory: anyNumber,
  NanoCpus: anyNumber,
  CgroupParent: privileged("CgroupParent", "it places the container in a cgroup outside the engine's"),
  BlkioWeight: anyNumber,
  BlkioWeightDevice: privileged("Devices", devices),
  BlkioDeviceReadBps: privileged("Devices", devices),
  BlkioDeviceWriteBps: privileged("Devices", devices),
  BlkioDeviceReadIOps: privileged("Devices", devices),
  BlkioDeviceWriteIOps: privileged("Devices", devices),
  CpuPeriod: anyNumber,
  CpuQuota: anyNumber,
  CpuRealtimePeriod: anyNumber,
  CpuRealtimeRuntime: anyNumber,
  CpusetCpus: anyString,
  CpusetMems: anyString,
  Devices: privileged("Devices", devices),
  DeviceCgroupRules: privileged("DeviceCgroupRules", devices),
  DeviceRequests: privileged("DeviceRequests", devices),
  KernelMemory: anyNumber,
  KernelMemoryTCP: anyNumber,
  MemoryReservation: anyNumber,
  MemorySwap: anyNumber,
  MemorySwappiness: anyNumber,
  OomKillDisable: privileged("OomKillDisable", "a container the OOM killer may not kill makes the host's processes the victims"),
  PidsLimit: anyNumber,
  Ulimits: listOf(ulimit),
  CpuCount: anyNumber,
  CpuPercent: anyNumber,
  IOMaximumIOps: anyNumber,
  IOMaximumBandwidth: anyNumber,
};

const hostConfigFields: Fields<C> = {
  Binds: listOf(bind),
  ContainerIDFile: zeroOnly("the engine does not write it; the CLI does"),
  LogConfig: logConfig,
  NetworkMode: async (v, at, cx) => (v === null ? v : typeof v === "string" ? networkRef(v, at, cx) : Promise.reject(new Refused(`${at} must be a string`))),
  PortBindings: portBindings,
  RestartPolicy: restartPolicy,
  AutoRemove: anyBool,
  VolumeDriver: oneOf("", null, "local"),
  VolumesFrom: listOf(containerRef(":")),
  CapAdd: privileged("CapAdd", "it adds kernel capabilities"),
  CapDrop: strings,
  CgroupnsMode: namespaceMode("CgroupnsMode", ["private"]),
  Dns: strings,
  DnsOptions: strings,
  DnsSearch: strings,
  ExtraHosts: strings,
  GroupAdd: strings,
  IpcMode: namespaceMode("IpcMode", ["private", "shareable", "none"]),
  Cgroup: privileged("Cgroup", "it joins another cgroup"),
  Links: listOf(containerRef(":")),
  OomScoreAdj: (v, at) => {
    if (v === null || (typeof v === "number" && v >= 0 && v <= 1000)) return v;
    throw new Refused(`${at} ${JSON.stringify(v)} is refused: a negative score shields the container from the OOM killer at the host's expense`);
  },
  PidMode: namespaceMode("PidMode", []),
  Privileged: (v, at, cx) => (v === false || v === null ? v : privileged("Privileged", "a privileged container owns the host")(v, at, cx)),
  PublishAllPorts: oneOf(false, null),
  ReadonlyRootfs: anyBool,
  SecurityOpt: async (v, at, cx) => {
    // no-new-privileges only narrows what the container may do.
    if (Array.isArray(v) && v.every((s) => typeof s === "string" && /^no-new-privileges(?:[:=]true)?$/.test(s))) return v;
    return privileged("SecurityOpt", "it changes seccomp, AppArmor or SELinux confinement")(v, at, cx);
  },
  StorageOpt: privileged("StorageOpt", "storage driver options are the host's"),
  Tmpfs: stringMap,
  UTSMode: namespaceMode("UTSMode", []),
  UsernsMode: namespaceMode("UsernsMode", []),
  ShmSize: anyNumber,
  Sysctls: privileged("Sysctls", "it changes kernel parameters"),
  Runtime: (v, at, cx) => (v === "runc" ? v : privileged("Runtime", "another runtime is outside the drill's")(v, at, cx)),
  ConsoleSize: listOf(anyNumber),
  Isolation: oneOf("", null, "default"),
  ...resourceFields,
  Mounts: listOf(mount),
  MaskedPaths: privileged("MaskedPaths", "it unmasks /proc and /sys paths"),
  ReadonlyPaths: privileged("ReadonlyPaths", "it makes /proc and /sys paths writable"),
  Init: anyBool,
};

const healthcheck = object<C>({ Test: strings, Interval: anyNumber, Timeout: anyNumber, StartPeriod: anyNumber, Retries: anyNumber });

/** The image must be one the drill's services run, or the drills' own image cache. */
const image: Check<C> = async (v, at, cx) => {
  if (typeof v !== "string" || v === "") throw new Refused(`${at} must name an image`);
  if (!(await cx.scope.image(v))) {
    throw new Refused(`${at} "${v}" is not an image of drill ${cx.scope.project} (its services' images and the drills' image cache)`);
  }
  return v;
};

export const containerCreateFields: Fields<C> = {
  Hostname: anyString,
  Domainname: anyString,
  User: anyString,
  AttachStdin: anyBool,
  AttachStdout: anyBool,
  AttachStderr: anyBool,
  ExposedPorts: emptyObjectSet,
  Tty: anyBool,
  OpenStdin: anyBool,
  StdinOnce: anyBool,
  Env: strings,
  Cmd: strings,
  Healthcheck: healthcheck,
  ArgsEscaped: anyBool,
  Image: image,
  Volumes: emptyObjectSet,
  WorkingDir: anyString,
  Entrypoint: strings,
  NetworkDisabled: anyBool,
  MacAddress: anyString,
  OnBuild: strings,
  Labels: stringMap,
  StopSignal: anyString,
  StopTimeout: anyNumber,
  Shell: strings,
  HostConfig: object(hostConfigFields),
  NetworkingConfig: object<C>({ EndpointsConfig: endpointsConfig }),
};

/** `docker update`: resources and the restart policy of a drill container. */
export const containerUpdateFields: Fields<C> = { ...resourceFields, RestartPolicy: restartPolicy };

export const execCreateFields: Fields<C> = {
  User: anyString,
  Privileged: (v, at) => {
    if (v === false || v === null) return v;
    throw new Refused(`${at} is refused: a privileged exec has every capability in the container`);
  },
  Tty: anyBool,
  AttachStdin: anyBool,
  AttachStderr: anyBool,
  AttachStdout: anyBool,
  Detach: anyBool,
  DetachKeys: anyString,
  Env: strings,
  WorkingDir: anyString,
  Cmd: strings,
};

export const execStartFields: Fields<C> = { Detach: anyBool, Tty: anyBool, ConsoleSize: listOf(anyNumber) };

export const networkConnectFields: Fields<C> = {
  Container: containerRef(),
  EndpointConfig: object(endpointFields),
};
export const networkDisconnectFields: Fields<C> = { Container: containerRef(), Force: anyBool };

/** Volume create: the local driver, and driver options only as the drill's compose file declares them for that volume. */
export const volumeCreateFields = (name: string): Fields<C> => ({
  Name: anyString,
  Driver: oneOf("", null, "local"),
  DriverOpts: (v, at, cx) => {
    if (isZero(v)) return v;
    const declared = cx.policy.volumes[name]?.driverOpts;
    if (declared && sameValue(v, declared)) return v;
    throw new Refused(
      `${at} ${JSON.stringify(v)} is refused: driver options can make a volume a host bind or mount; ` +
        `volume ${name} is declared with ${JSON.stringify(declared ?? null)}`,
    );
  },
  Labels: stringMap,
});

export const networkCreateFields = (name: string): Fields<C> => ({
  Name: anyString,
  CheckDuplicate: anyBool,
  Driver: oneOf("", null, "bridge"),
  Scope: oneOf("", null, "local"),
  EnableIPv6: oneOf(false, null),
  IPAM: object<C>({
    Driver: oneOf("", null, "default"),
    Config: zeroOnly("a drill network takes the engine's own address pool, never a subnet of someone's LAN"),
    Options: zeroOnly("IPAM driver options are not part of a drill's stack"),
  }),
  Internal: anyBool,
  Attachable: anyBool,
  Ingress: oneOf(false, null),
  ConfigOnly: oneOf(false, null),
  ConfigFrom: zeroOnly("a network built from another's config is outside the drill"),
  Options: (v, at, cx) => {
    if (isZero(v)) return v;
    const declared = cx.policy.networks[name]?.driverOpts;
    if (declared && sameValue(v, declared)) return v;
    throw new Refused(`${at} ${JSON.stringify(v)} is refused: network ${name} is declared with ${JSON.stringify(declared ?? null)}`);
  },
  Labels: stringMap,
});

export { Refused, checkObject, mapOf };
