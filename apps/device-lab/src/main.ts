/**
 * Standalone device lab: `npx ts-node --transpile-only apps/device-lab/src/main.ts --devices 50 --mix cisco_ios=3,huawei=2
 * --base-port 22000 --http-port 8080 --inventory /tmp/inventory.json`. Ctrl+C stops it cleanly.
 */
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import { PLATFORMS } from '../../../libs/common/src/platforms';
import { parseLabArgs, USAGE } from './cli-args';
import { startControlApi } from './control-api';
import { DeviceLab } from './lab';

async function main(): Promise<void> {
  let opts;
  try {
    opts = parseLabArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`device-lab: ${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (opts === 'help') {
    console.log(USAGE);
    return;
  }
  const started = Date.now();
  const lab = await DeviceLab.start({
    devices: opts.devices,
    mix: opts.mix,
    host: opts.host,
    basePort: opts.basePort,
    http: opts.httpPort === null ? undefined : { port: opts.httpPort },
  });
  let control: http.Server | undefined;
  try {
    if (opts.controlPort) control = await startControlApi(lab, opts.controlPort, opts.host);
    const devices = lab.devices();
    const inventory = path.resolve(opts.inventory);
    fs.mkdirSync(path.dirname(inventory), { recursive: true });
    fs.writeFileSync(inventory, JSON.stringify(devices, null, 2) + '\n');

    console.log(
      `device lab: ${devices.length} devices on ${opts.host} (started in ${Date.now() - started} ms)\n`,
    );
    console.log(`${'platform'.padEnd(15)}${'devices'.padStart(8)}  ports`);
    for (const platform of PLATFORMS) {
      const mine = devices.filter((d) => d.platform === platform);
      if (!mine.length) continue;
      const ports = mine.map((d) => d.port);
      const range =
        ports.length > 4 ? `${ports.slice(0, 3).join(', ')}, ... ${ports.at(-1)}` : ports.join(', ');
      console.log(`${platform.padEnd(15)}${String(mine.length).padStart(8)}  ${range}`);
    }
    const first = devices[0];
    if (first)
      console.log(
        `\nexample: ssh -p ${first.port} ${first.username}@${first.host}   (password ${first.password}, enable ${first.enableSecret})`,
      );
    console.log(`inventory written to ${inventory}`);
    console.log(
      control ? `control API: http://${opts.host}:${opts.controlPort}/devices` : 'control API disabled',
    );
    console.log(
      first?.httpUrl
        ? `RESTCONF API: ${first.httpUrl}/restconf/data/ietf-system:system-state (basic auth ${first.username}/${first.password})`
        : 'RESTCONF API disabled (--http-port)',
    );
  } catch (err) {
    await lab.stop();
    throw err;
  }

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the device lab`);
    void Promise.all([
      lab.stop(),
      new Promise<void>((resolve) => (control ? control.close(() => resolve()) : resolve())),
    ]).then(() => process.exit(0));
    control?.closeAllConnections();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`device-lab: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
