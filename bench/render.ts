/**
 * npm run bench:render -- --devices N [--workers W] [--no-jinja2]
 *
 * Renders bench/templates/access-switch.liquid (host name, domain, NTP, SNMP, 8 VLANs, 48
 * interfaces, a 100-line ACL; ~14 KiB of IOS config) for N devices, each with its own variables
 * (global > site > device layers bound with bindVariables), through libs/templating's renderConfig:
 * first on one core (this thread), then on W cores (worker_threads, default one per CPU). Then the
 * same with Python Jinja2 (bench/render_jinja2.py: one process, then W processes), checks that both
 * engines render identical text for sample devices, and prints the ratios.
 *
 * Variables are built before the clock starts; each side warms up on up to 500 devices first.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { bindVariables } from '../libs/templating/src/variables';
import type { Variables } from '../libs/templating/src/variables';
import { renderConfig } from '../libs/templating/src/render';

const TEMPLATE = path.join(__dirname, 'templates', 'access-switch.liquid');
const JINJA2 = path.join(__dirname, 'render_jinja2.py');

/** Mirrors global_variables in bench/render_jinja2.py. */
function globalVariables(): Variables {
  const ports = [22, 53, 123, 161, 443, 8443];
  const protocols = ['tcp', 'udp', 'tcp', 'icmp'];
  const entries: Variables[] = [];
  for (let k = 0; k < 99; k++) {
    const protocol = protocols[k % 4];
    entries.push({
      action: k % 10 === 9 ? 'deny' : 'permit',
      protocol,
      source: `10.${k}.${(k * 16) % 256}.0/20`,
      destination: `192.168.${k}.0/24`,
      port: protocol === 'icmp' ? null : ports[k % 6],
    });
  }
  entries.push({ action: 'deny', protocol: 'ip', source: '0.0.0.0/0', destination: '0.0.0.0/0', port: null });
  return {
    domain_name: 'corp.example.net',
    ntp_servers: ['192.0.2.1', '192.0.2.2'],
    snmp: { community: 'n0c-ro' },
    acl: { name: 'MGMT-IN', entries },
  };
}

/** Mirrors device_variables in bench/render_jinja2.py. */
function deviceVariables(i: number, global: Variables): Variables {
  const site = Math.floor(i / 40);
  const hostname = `acc-s${site}-sw${i % 40}`;
  const vlans = Array.from({ length: 8 }, (_, k) => ({
    id: 100 + (site % 50) * 10 + k,
    name: `s${site}-v${k}`,
  }));
  const interfaces = Array.from({ length: 48 }, (_, k) => {
    const n = k + 1;
    const name = `GigabitEthernet1/0/${n}`;
    return n > 46
      ? {
          name,
          description: `uplink ${n - 46} to dist-s${site}`,
          mode: 'trunk',
          native_vlan: 999,
          allowed_vlans: vlans.map((v) => v.id),
          enabled: true,
        }
      : {
          name,
          description: `desk ${hostname}-${n}`,
          mode: 'access',
          vlan: vlans[(i + k) % 8].id,
          enabled: (i + k) % 11 !== 0,
        };
  });
  return bindVariables({
    global,
    site: { snmp: { location: `site ${site}` }, vlans },
    device: { hostname, mgmt: { vlan: 999, address: `10.${100 + (i >> 8)}.${i & 255}.10/24` }, interfaces },
  });
}

function buildDevices(first: number, last: number): Variables[] {
  const global = globalVariables();
  const devices: Variables[] = [];
  for (let i = first; i < last; i++) devices.push(deviceVariables(i, global));
  return devices;
}

function renderAll(source: string, devices: Variables[]): number {
  let bytes = 0;
  for (const variables of devices) bytes += renderConfig({ source, variables, platform: 'cisco_ios' }).length;
  return bytes;
}

interface WorkerInput {
  first: number;
  last: number;
}

// Worker: build its devices' variables, warm up, say ready, render on "go", report bytes.
if (!isMainThread) {
  const { first, last } = workerData as WorkerInput;
  const source = readFileSync(TEMPLATE, 'utf8');
  const devices = buildDevices(first, last);
  renderAll(source, devices.slice(0, 500));
  parentPort!.once('message', () => parentPort!.postMessage({ bytes: renderAll(source, devices) }));
  parentPort!.postMessage({ ready: true });
}

async function onAllCores(devices: number, workers: number): Promise<{ seconds: number; bytes: number }> {
  const chunk = Math.ceil(devices / workers);
  const threads = Array.from({ length: workers }, (_, w) => {
    const input: WorkerInput = { first: w * chunk, last: Math.min(devices, (w + 1) * chunk) };
    // The worker runs this file as TypeScript, like the main thread under ts-node.
    return new Worker(
      `require('ts-node').register({ transpileOnly: true }); require(${JSON.stringify(__filename)});`,
      { eval: true, workerData: input },
    );
  });
  await Promise.all(
    threads.map(
      (t) => new Promise<void>((resolve, reject) => t.once('message', () => resolve()).once('error', reject)),
    ),
  );
  const start = process.hrtime.bigint();
  const results = await Promise.all(
    threads.map(
      (t) =>
        new Promise<number>((resolve, reject) => {
          t.once('message', (m: { bytes: number }) => resolve(m.bytes)).once('error', reject);
          t.postMessage('go');
        }),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await Promise.all(threads.map((t) => t.terminate()));
  return { seconds, bytes: results.reduce((a, b) => a + b, 0) };
}

interface Jinja2Result {
  jinja2: string;
  python: string;
  single: { configs: number; seconds: number; cpu: number; bytes: number };
  multi: { workers: number; configs: number; seconds: number; cpu: number; bytes: number };
  samples: Record<string, string>;
}

function firstDifference(a: string, b: string): string {
  const al = a.split('\n');
  const bl = b.split('\n');
  for (let i = 0; i < Math.max(al.length, bl.length); i++) {
    if (al[i] !== bl[i])
      return `line ${i + 1}: liquid ${JSON.stringify(al[i])} vs jinja2 ${JSON.stringify(bl[i])}`;
  }
  return 'no difference';
}

const cpuSeconds = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1e6;
const rate = (configs: number, seconds: number) => configs / seconds;
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      devices: { type: 'string', default: '1000' },
      workers: { type: 'string', default: String(os.availableParallelism()) },
      'no-jinja2': { type: 'boolean', default: false },
    },
  });
  const devices = Number(values.devices);
  const workers = Number(values.workers);
  if (!Number.isInteger(devices) || devices < 1) throw new Error('--devices must be a positive integer');
  if (!Number.isInteger(workers) || workers < 1) throw new Error('--workers must be a positive integer');
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `machine: ${os.cpus().length} CPU (${cpu}), ${fmt(os.totalmem() / 2 ** 30, 1)} GiB, Node ${process.version}`,
  );
  console.log(
    `devices: ${devices}, workers: ${workers}, template: ${path.relative(process.cwd(), TEMPLATE)}`,
  );

  const source = readFileSync(TEMPLATE, 'utf8');
  const all = buildDevices(0, devices);
  renderAll(source, all.slice(0, 500));
  const load = os.loadavg();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const bytes = renderAll(source, all);
  const oneCore = Number(process.hrtime.bigint() - t0) / 1e9;
  const oneCoreCpu = cpuSeconds(process.cpuUsage(cpu0));
  const samples = [0, 1, devices - 1].filter((i, k, a) => a.indexOf(i) === k);
  const liquidSamples = Object.fromEntries(
    samples.map((i) => [String(i), renderConfig({ source, variables: all[i], platform: 'cisco_ios' })]),
  );
  all.length = 0;

  const cpu1 = process.cpuUsage();
  const allCores = await onAllCores(devices, workers);
  const allCoresCpu = cpuSeconds(process.cpuUsage(cpu1));
  if (allCores.bytes !== bytes)
    throw new Error(`workers rendered ${allCores.bytes} bytes, main thread ${bytes}`);

  const row = (name: string, wall: number, cpu: number) => [
    name,
    fmt(wall, 2),
    fmt(rate(devices, wall)),
    fmt(cpu, 2),
    fmt(rate(devices, cpu)),
  ];
  const rows: string[][] = [
    row('liquidjs, 1 core (main thread)', oneCore, oneCoreCpu),
    row(`liquidjs, ${workers} cores (worker_threads)`, allCores.seconds, allCoresCpu),
  ];
  const print = () => {
    console.log(
      `config size: ${fmt(bytes / devices / 1024, 1)} KiB average, ${fmt(bytes / 2 ** 20, 1)} MiB in all`,
    );
    console.log(['engine', 'wall s', 'configs/s', 'CPU s', 'configs/CPU-s'].join(' | '));
    for (const row of rows) console.log(row.join(' | '));
  };

  if (values['no-jinja2']) {
    print();
    console.log(`load average (1 min) before: ${fmt(load[0], 2)}, after: ${fmt(os.loadavg()[0], 2)}`);
    return;
  }
  const probe = spawnSync('python3', ['-c', 'import jinja2'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    print();
    console.log('Jinja2 comparison skipped: python3 cannot import jinja2. Install it with');
    console.log('  apt-get install -y python3-jinja2   (or: python3 -m pip install jinja2)');
    return;
  }
  const out = execFileSync(
    'python3',
    [JINJA2, '--devices', String(devices), '--workers', String(workers), '--samples', samples.join(',')],
    { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 },
  );
  const jinja = JSON.parse(out) as Jinja2Result;
  rows.push(
    row(`Jinja2 ${jinja.jinja2} (Python ${jinja.python}), 1 process`, jinja.single.seconds, jinja.single.cpu),
    row(`Jinja2, ${jinja.multi.workers} processes (multiprocessing)`, jinja.multi.seconds, jinja.multi.cpu),
  );
  print();
  console.log(
    `ratio liquidjs / Jinja2 (configs/s): 1 core ${fmt(jinja.single.seconds / oneCore, 2)}×, ` +
      `${workers} cores ${fmt(jinja.multi.seconds / allCores.seconds, 2)}×`,
  );
  console.log(
    `scaling 1 → ${workers} cores: liquidjs ${fmt(oneCore / allCores.seconds, 2)}×, ` +
      `Jinja2 ${fmt(jinja.single.seconds / jinja.multi.seconds, 2)}×`,
  );
  let identical = jinja.single.bytes === bytes && jinja.multi.bytes === bytes;
  for (const i of samples.map(String)) {
    const same = liquidSamples[i] === jinja.samples[i];
    identical &&= same;
    console.log(
      `device ${i}: ${same ? 'identical output' : `DIFFERENT — ${firstDifference(liquidSamples[i], jinja.samples[i])}`}`,
    );
  }
  console.log(
    `total bytes: liquidjs ${bytes}, Jinja2 ${jinja.single.bytes} (1 process) / ${jinja.multi.bytes}`,
  );
  console.log(
    `load average (1 min) before: ${fmt(load[0], 2)}, after: ${fmt(os.loadavg()[0], 2)} ` +
      '(other work on the machine shows as wall > CPU time)',
  );
  if (!identical) process.exitCode = 1;
}

if (isMainThread) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
