import type { Platform } from '../../../libs/common/src/platforms';
import { BlockConfig, JunosConfig } from './config';
import { eosInitialConfig, iosInitialConfig, renderEosConfig, renderIosConfig } from './outputs/cisco';
import { junosInitialConfig, renderJunosConfig } from './outputs/junos';
import { linuxOsRelease } from './outputs/linux';
import type { ConfigMeta } from './outputs/meta';
import { aoscxInitialConfig, renderAoscxConfig } from './outputs/aoscx';
import { asaInitialConfig, renderAsaConfig } from './outputs/asa';
import { nxosInitialConfig, renderNxosConfig } from './outputs/nxos';
import { os10InitialConfig, renderOs10Config } from './outputs/os10';
import { renderRgosConfig, rgosInitialConfig } from './outputs/rgos';
import { renderXrConfig, xrInitialConfig } from './outputs/xr';
import type { XrCommit } from './outputs/xr';
import {
  comwareInitialConfig,
  huaweiInitialConfig,
  renderComwareConfig,
  renderHuaweiConfig,
} from './outputs/vrp';
import { generateProfile } from './profile';
import type { DeviceProfile } from './profile';
import type { LabDeviceInfo, LabFaults } from './types';

/** The command each platform prints its configuration with (after paging is off). */
export const CONFIG_COMMAND: Record<Platform, string> = {
  cisco_ios: 'show running-config',
  arista_eos: 'show running-config',
  huawei: 'display current-configuration',
  hp_comware: 'display current-configuration',
  juniper_junos: 'show configuration',
  linux: 'cat /etc/os-release',
  cisco_nxos: 'show running-config',
  cisco_xr: 'show running-config',
  cisco_asa: 'show running-config',
  aruba_aoscx: 'show running-config',
  dell_os10: 'show running-configuration',
  ruijie_os: 'show running-config',
};

/** IOS XR commit ids start here, as on the routers. */
const FIRST_COMMIT_ID = 1000000001;

/** Per-device state shared by all its sessions: profile, stateful config, faults, counters, output cache. */
export class SimDevice {
  faults: LabFaults = {};
  logins = 0;
  readonly sessions = new Set<{ destroy(): void }>();
  readonly commandLog: string[] = [];
  /** Every HTTP request addressed to this device (`GET /restconf/data/...`), whatever its outcome. */
  readonly httpLog: string[] = [];
  private profileValue: DeviceProfile | undefined;
  private blockValue: BlockConfig | undefined;
  private junosValue: JunosConfig | undefined;
  private metaValue: ConfigMeta | undefined;
  /** Rendered outputs, cleared on every configuration change. */
  private readonly cache = new Map<string, string>();
  private version = 0;
  linuxHostname: string | undefined;

  constructor(
    readonly info: LabDeviceInfo,
    private readonly seed?: number,
  ) {}

  get platform(): Platform {
    return this.info.platform;
  }

  get profile(): DeviceProfile {
    return (this.profileValue ??= generateProfile(
      this.info.name,
      this.info.platform,
      this.info.hostname,
      this.seed,
    ));
  }

  get meta(): ConfigMeta {
    return (this.metaValue ??= {
      lastChange: this.profile.lastChange,
      lastChangeBy: this.info.username,
      savedAt: this.profile.lastChange,
      clockPeriod: this.profile.clockPeriod,
    });
  }

  /** Block config (IOS, EOS, VRP, Comware). */
  get config(): BlockConfig {
    if (!this.blockValue) {
      const p = this.profile;
      switch (this.platform) {
        case 'cisco_ios':
          this.blockValue = iosInitialConfig(p);
          break;
        case 'arista_eos':
          this.blockValue = eosInitialConfig(p);
          break;
        case 'huawei':
          this.blockValue = huaweiInitialConfig(p);
          break;
        case 'hp_comware':
          this.blockValue = comwareInitialConfig(p);
          break;
        case 'cisco_nxos':
          this.blockValue = nxosInitialConfig(p);
          break;
        case 'cisco_xr':
          this.blockValue = xrInitialConfig(p);
          break;
        case 'cisco_asa':
          this.blockValue = asaInitialConfig(p);
          break;
        case 'aruba_aoscx':
          this.blockValue = aoscxInitialConfig(p);
          break;
        case 'dell_os10':
          this.blockValue = os10InitialConfig(p);
          break;
        case 'ruijie_os':
          this.blockValue = rgosInitialConfig(p);
          break;
        default:
          this.blockValue = new BlockConfig([], []);
      }
    }
    return this.blockValue;
  }

  /** Committed Junos config. */
  get junos(): JunosConfig {
    return (this.junosValue ??= junosInitialConfig(this.profile));
  }

  commitJunos(candidate: JunosConfig, user: string): void {
    this.junosValue = candidate.clone();
    this.changed(user);
  }

  /** IOS XR: the commits made in the lab, oldest first, each with the configuration it replaced. */
  readonly commits: Array<XrCommit & { before: BlockConfig }> = [];
  /** IOS XR `commit confirmed`: the configuration to return to unless confirmed in time. */
  private confirm: { timer: NodeJS.Timeout; before: BlockConfig } | null = null;

  /**
   * IOS XR `commit` (block config with a candidate): the candidate becomes the running config and a
   * rollback point is recorded. With `confirmSeconds` the commit is undone unless a plain `commit`
   * follows in time; a plain commit while one is pending confirms it. Returns the commit id.
   */
  commitBlock(candidate: BlockConfig, user: string, confirmSeconds?: number): number {
    const before = this.config.clone();
    if (this.confirm && confirmSeconds === undefined) {
      clearTimeout(this.confirm.timer);
      this.confirm = null;
    }
    this.blockValue = candidate.clone();
    const id = this.recordCommit(user, before, confirmSeconds === undefined ? 'CLI' : 'Confirmed');
    if (confirmSeconds !== undefined) {
      const target = this.confirm?.before ?? before;
      if (this.confirm) clearTimeout(this.confirm.timer);
      const timer = setTimeout(() => {
        this.confirm = null;
        const current = this.config.clone();
        this.blockValue = target.clone();
        this.recordCommit('system', current, 'Rollback');
      }, confirmSeconds * 1000);
      timer.unref();
      this.confirm = { timer, before: target };
    }
    return id;
  }

  /** A plain `commit` after `commit confirmed`, without new changes: keeps what was committed. */
  confirmCommit(): void {
    if (!this.confirm) return;
    clearTimeout(this.confirm.timer);
    this.confirm = null;
  }

  /** True while a `commit confirmed` waits for its confirmation. */
  get commitPending(): boolean {
    return this.confirm !== null;
  }

  /** IOS XR `rollback configuration last N`: back to the configuration before the last N commits. */
  rollbackBlock(count: number, user: string): boolean {
    if (count < 1 || count > this.commits.length) return false;
    const target = this.commits[this.commits.length - count]!.before;
    const current = this.config.clone();
    this.blockValue = target.clone();
    this.recordCommit(user, current, 'Rollback');
    return true;
  }

  private recordCommit(user: string, before: BlockConfig, comment: string): number {
    const id = FIRST_COMMIT_ID + this.commits.length;
    this.commits.push({ id, user, at: new Date(), comment, before });
    this.changed(user);
    return id;
  }

  /** The device clock as outputs print it: the profile epoch, one second further per change. */
  clock(): Date {
    const p = this.profile;
    return new Date(p.bootTime.getTime() + p.uptimeMinutes * 60_000 + this.version * 1000);
  }

  /** Current hostname as the prompt shows it (follows `hostname`/`sysname`/`host-name` changes). */
  get hostname(): string {
    return this.cached('#hostname', () => {
      switch (this.platform) {
        case 'juniper_junos':
          return this.junos.get('system host-name') ?? this.info.hostname;
        case 'linux':
          return this.linuxHostname ?? this.info.hostname;
        case 'huawei':
        case 'hp_comware':
          return this.config.getGlobal('sysname')?.slice('sysname '.length) ?? this.info.hostname;
        default:
          return this.config.getGlobal('hostname')?.slice('hostname '.length) ?? this.info.hostname;
      }
    });
  }

  /** Call after every configuration change: invalidates cached outputs, updates volatile lines. */
  changed(user: string): void {
    this.version++;
    this.cache.clear();
    this.crlfCache.clear();
    const now = new Date();
    this.metaValue = {
      lastChange: now,
      lastChangeBy: user,
      savedAt: this.meta.savedAt,
      clockPeriod: this.profile.clockPeriod + (this.version % 97) * 3,
    };
  }

  private readonly crlfCache = new Map<string, string>();

  /** '\n' → '\r\n', remembered for the few large outputs sessions print again and again. */
  crlf(text: string): string {
    if (text.length < 4096) return text.replace(/\n/g, '\r\n');
    let value = this.crlfCache.get(text);
    if (value === undefined) {
      value = text.replace(/\n/g, '\r\n');
      if (this.crlfCache.size >= 4) this.crlfCache.delete(this.crlfCache.keys().next().value!);
      this.crlfCache.set(text, value);
    }
    return value;
  }

  cached(key: string, make: () => string): string {
    let value = this.cache.get(key);
    if (value === undefined) {
      value = make();
      this.cache.set(key, value);
    }
    return value;
  }

  runningConfig(): string {
    const padBytes = this.faults.largeOutputBytes ?? 0;
    return this.cached(`#config:${padBytes}`, () => {
      switch (this.platform) {
        case 'cisco_ios':
          return renderIosConfig(this.config, this.meta, padBytes);
        case 'arista_eos':
          return renderEosConfig(this.config, this.meta, this.profile, this.hostname, padBytes);
        case 'huawei':
          return renderHuaweiConfig(this.config, this.meta, this.profile, padBytes);
        case 'hp_comware':
          return renderComwareConfig(this.config, this.profile, padBytes);
        case 'juniper_junos':
          return renderJunosConfig(this.junos, this.meta, padBytes);
        case 'linux':
          return linuxOsRelease(this.profile, padBytes);
        case 'cisco_nxos':
          return renderNxosConfig(this.config, this.meta, padBytes);
        case 'cisco_xr':
          return renderXrConfig(this.config, this.meta, this.profile, this.clock(), padBytes);
        case 'cisco_asa':
          return renderAsaConfig(this.config, this.meta, this.profile, padBytes);
        case 'aruba_aoscx':
          return renderAoscxConfig(this.config, this.profile, padBytes);
        case 'dell_os10':
          return renderOs10Config(this.config, this.meta, this.profile, padBytes);
        case 'ruijie_os':
          return renderRgosConfig(this.config, padBytes);
      }
    });
  }
}
