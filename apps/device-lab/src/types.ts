import type { Platform } from '../../../libs/common/src/platforms';

export interface LabDeviceSpec {
  name: string;
  platform: Platform;
  port?: number;
  username?: string;
  password?: string;
  enableSecret?: string;
  hostname?: string;
  seed?: number;
}

export interface LabFaults {
  /** Reject every login (auth failure as the real server does). */
  wrongPassword?: boolean;
  /**
   * Delay between accepting a TCP connection and the SSH identification line (so everything SSH,
   * and a reachability check's latency, waits that long; the TCP handshake itself completes at once).
   */
  connectLatencyMs?: number;
  /** Delay before the login banner/first prompt appears in the shell. */
  bannerDelayMs?: number;
  /** Delay before each command's output. */
  commandLatencyMs?: number;
  /** The next output longer than ~2 KB is cut halfway and the TCP connection destroyed. */
  dropMidOutput?: boolean;
  /** After the first command that is not a mode/paging command, never print output or prompt again. */
  hang?: boolean;
  /** Running config padded (extra interface/ACL blocks) to at least this many bytes. */
  largeOutputBytes?: number;
  /**
   * A MOTD after the banner whose lines look like prompts of several vendors (`core-sw1#`,
   * `<HW-CORE>`, `admin@edge>`) and carry `#`/`>` characters, as real banners do.
   */
  promptLikeMotd?: boolean;
  /** `Press any key to continue` before the banner and prompt; one key continues (ProCurve, some NAS). */
  pressAnyKey?: boolean;
  /** Nothing at all until a RETURN arrives (console servers, some VRP builds). */
  silentUntilReturn?: boolean;
  /** The password has expired: the shell asks for a new one and closes the session after two tries. */
  passwordChange?: boolean;
}

export interface LabDeviceInfo {
  name: string;
  platform: Platform;
  host: string;
  port: number;
  username: string;
  password: string;
  enableSecret: string;
  hostname: string;
  /** Base URL of the device's RESTCONF-style API (`http://host:port/devices/<name>`), when the lab serves HTTP. */
  httpUrl?: string;
}

export const DEFAULT_USERNAME = 'admin';
export const DEFAULT_PASSWORD = 'admin123';
export const DEFAULT_ENABLE_SECRET = 'enable123';
