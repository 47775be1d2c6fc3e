import * as net from 'node:net';
import { Server, utils } from 'ssh2';
import type { Connection, ParsedKey, ServerChannel } from 'ssh2';
import { isPlatform, PLATFORMS } from '../../../libs/common/src/platforms';
import type { Platform } from '../../../libs/common/src/platforms';
import { SimDevice } from './device';
import { deriveHostname } from './profile';
import { startRestconfServer } from './restconf';
import type { RestconfServer } from './restconf';
import { CliSession, createShell } from './session';
import type { Shell } from './shells/base';
import { CiscoShell } from './shells/cisco';
import { VrpShell } from './shells/vrp';
import { DEFAULT_ENABLE_SECRET, DEFAULT_PASSWORD, DEFAULT_USERNAME } from './types';
import type { LabDeviceInfo, LabDeviceSpec, LabFaults } from './types';

export interface DeviceLabOptions {
  devices: number | LabDeviceSpec[];
  /** Weights per platform for numbered devices (default: the six DEFAULT_MIX_PLATFORMS equally). */
  mix?: Partial<Record<Platform, number>>;
  host?: string;
  /** First port; device i listens on basePort + i. 0 or undefined: ephemeral ports. */
  basePort?: number;
  /**
   * Also serve the RESTCONF-style HTTP API (restconf.ts) on one port for all devices. Port 0 or
   * undefined: ephemeral; host defaults to the lab's host. Without this option there is no HTTP.
   */
  http?: { port?: number; host?: string };
}

/** SSH server identification strings the real devices send. */
const IDENT: Record<Platform, string> = {
  cisco_ios: 'Cisco-1.25',
  arista_eos: 'OpenSSH_7.8',
  huawei: 'HUAWEI-1.5',
  hp_comware: 'Comware-7.1.070',
  juniper_junos: 'OpenSSH_7.5',
  linux: 'OpenSSH_8.9p1 Ubuntu-3ubuntu0.6',
  cisco_nxos: 'OpenSSH_8.3',
  cisco_xr: 'Cisco-2.0',
  cisco_asa: 'Cisco-1.25',
  aruba_aoscx: 'OpenSSH_8.0',
  dell_os10: 'OpenSSH_7.9p1 Debian-10+deb10u2',
  ruijie_os: 'RGOS_SSH',
};

interface LabNode {
  device: SimDevice;
  listener: net.Server;
  ssh: Server;
  sockets: Set<net.Socket>;
  clis: Set<CliSession>;
}

/**
 * The platforms numbered devices are spread over without a `mix`: the first six, so suites and
 * benchmarks written for them keep their shape. Every other platform is opted in with `mix`.
 */
export const DEFAULT_MIX_PLATFORMS: readonly Platform[] = [
  'cisco_ios',
  'huawei',
  'hp_comware',
  'juniper_junos',
  'arista_eos',
  'linux',
];

/** Platforms for `count` numbered devices, interleaved by weight (smooth weighted round-robin). */
export function platformSequence(count: number, mix?: Partial<Record<Platform, number>>): Platform[] {
  const weights = PLATFORMS.map(
    (p) => [p, mix ? (mix[p] ?? 0) : DEFAULT_MIX_PLATFORMS.includes(p) ? 1 : 0] as const,
  ).filter(([, w]) => w > 0);
  if (mix) {
    for (const [key, w] of Object.entries(mix)) {
      if (!isPlatform(key))
        throw new Error(`mix: unknown platform "${key}" (expected one of ${PLATFORMS.join(', ')})`);
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
        throw new Error(`mix: weight for ${key} must be a number >= 0`);
    }
  }
  if (!weights.length) throw new Error('mix: at least one platform needs a weight > 0');
  const total = weights.reduce((a, [, w]) => a + w, 0);
  const current = new Map<Platform, number>(weights.map(([p]) => [p, 0]));
  const out: Platform[] = [];
  for (let i = 0; i < count; i++) {
    let best: Platform = weights[0]![0];
    for (const [p, w] of weights) {
      current.set(p, current.get(p)! + w);
      if (current.get(p)! > current.get(best)!) best = p;
    }
    current.set(best, current.get(best)! - total);
    out.push(best);
  }
  return out;
}

/** Specs for numbered devices: `lab-cisco-ios-001`, `lab-huawei-001`, ... */
export function numberedSpecs(count: number, mix?: Partial<Record<Platform, number>>): LabDeviceSpec[] {
  const seq = platformSequence(count, mix);
  const counters = new Map<Platform, number>();
  const width = Math.max(3, String(count).length);
  return seq.map((platform) => {
    const n = (counters.get(platform) ?? 0) + 1;
    counters.set(platform, n);
    return { name: `lab-${platform.replace(/_/g, '-')}-${String(n).padStart(width, '0')}`, platform };
  });
}

/**
 * One ed25519 host key per lab, shared by every device (cheap to generate, cheap handshakes).
 * ssh2 cannot parse about one generated key in 200 ("Malformed OpenSSH private key"): draw again.
 */
function generateHostKey(): ParsedKey {
  for (let attempt = 1; ; attempt++) {
    const pair = utils.generateKeyPairSync('ed25519');
    const parsed = utils.parseKey(pair.private);
    const key = parsed instanceof Error ? undefined : Array.isArray(parsed) ? parsed[0] : parsed;
    if (key) return key;
    if (attempt >= 10)
      throw parsed instanceof Error ? parsed : new Error('could not parse the generated host key');
  }
}

/** Many simulated network devices, one SSH listener (TCP port) per device. */
export class DeviceLab {
  private readonly nodes = new Map<string, LabNode>();
  private stopped = false;
  private restconf: RestconfServer | null = null;

  private constructor(
    readonly host: string,
    private readonly key: ParsedKey,
  ) {}

  static async start(opts: DeviceLabOptions): Promise<DeviceLab> {
    const host = opts.host ?? '127.0.0.1';
    const basePort = opts.basePort ?? 0;
    if (!Number.isInteger(basePort) || basePort < 0 || basePort > 65535)
      throw new Error(`basePort must be an integer 0-65535, got ${opts.basePort}`);
    let specs: LabDeviceSpec[];
    if (typeof opts.devices === 'number') {
      if (!Number.isInteger(opts.devices) || opts.devices < 0)
        throw new Error(`devices must be a non-negative integer, got ${opts.devices}`);
      specs = numberedSpecs(opts.devices, opts.mix);
    } else specs = opts.devices;
    if (basePort && basePort + specs.length - 1 > 65535)
      throw new Error(`basePort ${basePort} + ${specs.length} devices exceeds port 65535`);
    const names = new Set<string>();
    for (const s of specs) {
      if (!s.name) throw new Error('every device needs a name');
      if (names.has(s.name)) throw new Error(`duplicate device name "${s.name}"`);
      if (!isPlatform(s.platform))
        throw new Error(`device ${s.name}: unknown platform "${String(s.platform)}"`);
      names.add(s.name);
    }

    const httpPort = opts.http?.port ?? 0;
    if (opts.http && (!Number.isInteger(httpPort) || httpPort < 0 || httpPort > 65535))
      throw new Error(`http.port must be an integer 0-65535, got ${opts.http.port}`);

    const lab = new DeviceLab(host, generateHostKey());
    try {
      await Promise.all(specs.map((spec, i) => lab.listen(spec, spec.port ?? (basePort ? basePort + i : 0))));
      if (opts.http) {
        lab.restconf = await startRestconfServer({
          port: httpPort,
          host: opts.http.host ?? host,
          device: (name) => lab.nodes.get(name)?.device,
        });
        for (const node of lab.nodes.values())
          node.device.info.httpUrl = `${lab.restconf.url}/devices/${encodeURIComponent(node.device.info.name)}`;
      }
    } catch (err) {
      await lab.stop();
      throw err;
    }
    return lab;
  }

  private async listen(spec: LabDeviceSpec, port: number): Promise<void> {
    const info: LabDeviceInfo = {
      name: spec.name,
      platform: spec.platform,
      host: this.host,
      port,
      username: spec.username ?? DEFAULT_USERNAME,
      password: spec.password ?? DEFAULT_PASSWORD,
      enableSecret: spec.enableSecret ?? DEFAULT_ENABLE_SECRET,
      hostname: spec.hostname ?? deriveHostname(spec.name),
    };
    const device = new SimDevice(info, spec.seed);
    const sockets = new Set<net.Socket>();
    const clis = new Set<CliSession>();
    const ssh = new Server(
      { hostKeys: [{ key: this.key }], ident: IDENT[spec.platform] },
      (client, clientInfo) => {
        const socket = [...sockets].find(
          (s) => s.remotePort === clientInfo.port && s.remoteAddress === clientInfo.ip,
        );
        this.onClient(node, client, socket);
      },
    );
    ssh.on('error', () => undefined);
    const listener = net.createServer({ noDelay: true }, (socket) => {
      if (this.stopped) {
        socket.destroy();
        return;
      }
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.once('close', () => sockets.delete(socket));
      const latency = device.faults.connectLatencyMs ?? 0;
      if (latency <= 0) {
        ssh.injectSocket(socket);
        return;
      }
      // The server speaks (its identification line) only after the latency; the client's bytes wait.
      const timer = setTimeout(() => {
        if (this.stopped || socket.destroyed) socket.destroy();
        else ssh.injectSocket(socket);
      }, latency);
      socket.once('close', () => clearTimeout(timer));
    });
    const node: LabNode = { device, listener, ssh, sockets, clis };
    this.nodes.set(spec.name, node);
    await new Promise<void>((resolve, reject) => {
      listener.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new Error(`device ${spec.name}: cannot listen on ${this.host}:${port}: ${err.code ?? err.message}`),
        ),
      );
      listener.listen(port, this.host, () => resolve());
    });
    info.port = (listener.address() as net.AddressInfo).port;
  }

  private onClient(node: LabNode, client: Connection, socket: net.Socket | undefined): void {
    const { device } = node;
    let username = device.info.username;
    const mine = new Set<CliSession>();
    client.on('error', () => undefined);
    client.on('close', () => {
      for (const cli of mine) {
        cli.close();
        node.clis.delete(cli);
      }
    });
    client.on('authentication', (ctx) => {
      const check = (user: string, password: string): boolean =>
        !device.faults.wrongPassword && user === device.info.username && password === device.info.password;
      const methods: Array<'password' | 'keyboard-interactive'> = ['password', 'keyboard-interactive'];
      const accept = (): void => {
        username = ctx.username;
        device.logins++;
        ctx.accept();
      };
      if (ctx.method === 'password') {
        if (check(ctx.username, ctx.password)) accept();
        else ctx.reject(methods);
      } else if (ctx.method === 'keyboard-interactive') {
        ctx.prompt([{ prompt: 'Password: ', echo: false }], (answers) => {
          if (check(ctx.username, answers[0] ?? '')) accept();
          else ctx.reject(methods);
        });
      } else ctx.reject(methods);
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('pty', (accept) => accept?.());
        session.on('window-change', (accept) => accept?.());
        session.on('env', (accept) => accept?.());
        session.on('shell', (accept) => {
          const stream = accept();
          const cli = new CliSession(createShell(device, username), device, {
            write: (data) => {
              stream.write(data);
            },
            end: () => {
              stream.exit(0);
              stream.end();
              setImmediate(() => client.end());
            },
            destroy: () => {
              if (socket) socket.destroy();
              else client.end();
            },
          });
          mine.add(cli);
          node.clis.add(cli);
          stream.setEncoding('utf8');
          stream.on('data', (data: string) => cli.input(data));
          stream.on('close', () => cli.close());
          cli.start();
        });
        session.on('exec', (accept, _reject, info) =>
          this.exec(node, client, accept(), username, info.command),
        );
      });
    });
  }

  private exec(
    node: LabNode,
    client: Connection,
    stream: ServerChannel,
    username: string,
    command: string,
  ): void {
    const { device } = node;
    device.commandLog.push(command.trim());
    if (device.faults.hang) return;
    const shell = this.privilegedShell(device, username);
    const r = shell.execute(command);
    const finish = (): void => {
      const nl = device.platform === 'linux' ? '\n' : '\r\n';
      if (r.output) stream.write((nl === '\n' ? r.output : device.crlf(r.output)) + nl);
      stream.exit(r.kind === 'error' ? (device.platform === 'linux' ? 127 : 1) : 0);
      stream.end();
    };
    const latency = device.faults.commandLatencyMs ?? 0;
    if (latency > 0) {
      // When the client goes away first, ssh2 emits no 'close' on the server channel: a pending
      // timer would keep the process (and a test run) alive for the whole latency.
      const cancel = (): void => {
        clearTimeout(t);
        client.off('close', cancel);
      };
      const t = setTimeout(() => {
        cancel();
        finish();
      }, latency);
      stream.once('close', cancel);
      stream.once('finish', cancel);
      client.once('close', cancel);
    } else finish();
  }

  private privilegedShell(device: SimDevice, username: string): Shell {
    const shell = createShell(device, username);
    shell.pagingOff = true;
    if (shell instanceof CiscoShell) shell.privileged = true;
    if (shell instanceof VrpShell) shell.level = 3;
    return shell;
  }

  private node(name: string): LabNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no lab device named "${name}"`);
    return node;
  }

  devices(): LabDeviceInfo[] {
    return [...this.nodes.values()].map((n) => ({ ...n.device.info }));
  }

  device(name: string): LabDeviceInfo {
    return { ...this.node(name).device.info };
  }

  /** Replaces the device's faults; they apply to new sessions and to commands issued afterwards. */
  setFaults(name: string, faults: LabFaults): void {
    this.node(name).device.faults = { ...faults };
  }

  clearFaults(name: string): void {
    this.node(name).device.faults = {};
  }

  faults(name: string): LabFaults {
    return { ...this.node(name).device.faults };
  }

  /** Currently open TCP/SSH connections, for one device or all. */
  openSessions(name?: string): number {
    if (name !== undefined) return this.node(name).sockets.size;
    let n = 0;
    for (const node of this.nodes.values()) n += node.sockets.size;
    return n;
  }

  /** Successful authentications so far. */
  totalLogins(name?: string): number {
    if (name !== undefined) return this.node(name).device.logins;
    let n = 0;
    for (const node of this.nodes.values()) n += node.device.logins;
    return n;
  }

  commandLog(name: string): string[] {
    return [...this.node(name).device.commandLog];
  }

  /** `http://host:port` of the RESTCONF-style API, or null when the lab was started without `http`. */
  get httpUrl(): string | null {
    return this.restconf?.url ?? null;
  }

  /** HTTP requests addressed to the device, in order, as `METHOD /path` (401s, 404s and hung ones too). */
  httpLog(name: string): string[] {
    return [...this.node(name).device.httpLog];
  }

  /** The running config exactly as the device prints it with paging off (no echo/prompt), '\n'-joined. */
  runningConfig(name: string): string {
    return this.node(name).device.runningConfig();
  }

  /** What the device prints for a command (privileged, paging off), without echo and prompt, '\n'-joined. */
  expectedOutput(name: string, command: string): string {
    const device = this.node(name).device;
    return this.privilegedShell(device, device.info.username).execute(command).output;
  }

  /** Internal device state (tests, control API). */
  simDevice(name: string): SimDevice {
    return this.node(name).device;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const restconf = this.restconf;
    this.restconf = null;
    await restconf?.close();
    await Promise.all(
      [...this.nodes.values()].map(
        (node) =>
          new Promise<void>((resolve) => {
            for (const cli of node.clis) cli.close();
            node.clis.clear();
            for (const s of node.sockets) s.destroy();
            if (!node.listener.listening) {
              resolve();
              return;
            }
            node.listener.close(() => resolve());
          }),
      ),
    );
  }
}
