/**
 * Volatile lines: text a device prints in its configuration that changes without anyone changing
 * the configuration (timestamps, byte counts, clock drift corrections, build banners). A backup and
 * every comparison ignores them, so two configurations that differ only there hash the same.
 *
 * Pure module (node:crypto only for the hash): no I/O, safe for activities and the API. Not for
 * workflow code (node:crypto is not in the sandbox).
 */
import { createHash } from 'node:crypto';
import type { Platform } from '../../common/src/platforms';

/** A user rule: `pattern` is a RegExp source tested against each line (after `\r` and trailing blanks are gone). */
export interface VolatileRule {
  /** Only for this platform; every platform when absent. */
  platform?: string;
  pattern: string;
  /** Regex flags (default none). */
  flags?: string;
}

const BUILD_DATES = [/^\s*Compiled \w{3} \d{2}-\w{3}-\d{2} \d{2}:\d{2} by /];

/** Default rules per platform. Anchored; a line matching any of them is dropped. */
export const DEFAULT_VOLATILE_RULES: Readonly<Record<Platform, readonly RegExp[]>> = {
  cisco_ios: [
    /^Building configuration\.\.\.$/,
    /^Current configuration : \d+ bytes$/,
    /^Using \d+ out of \d+ bytes$/,
    /^! Last configuration change at /,
    /^! NVRAM config last updated at /,
    /^! No configuration change since last restart$/,
    /^! Time: /,
    /^ntp clock-period \d+$/,
    /^\S+ uptime is /,
    ...BUILD_DATES,
  ],
  arista_eos: [
    /^! Command: show running-config/,
    /^! Time: /,
    /^! Startup-config last modified at /,
    /^! device: \S+ \(.*\)$/,
    /^! boot system /,
    /^ntp clock-period \d+$/,
    ...BUILD_DATES,
  ],
  huawei: [
    /^!Software Version /,
    /^!Last configuration was (updated|saved) at /,
    /^!Time: /,
    /^#\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/,
    ...BUILD_DATES,
  ],
  hp_comware: [
    // The release line Comware prints first is a build banner, not something one configures.
    /^\s*version \d+\.\d+\.\d+, (Release|ESS|Feature) \S+/,
    /^!Last configuration was (updated|saved) at /,
    /^#\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/,
    ...BUILD_DATES,
  ],
  juniper_junos: [/^## Last commit: /, /^## Last changed: /, /^## Image name: /],
  linux: [],
  cisco_nxos: [
    /^!Command: show running-config/,
    /^!Running configuration last done at: /,
    /^!Time: /,
    /^!No configuration change since last restart$/,
  ],
  // AOS-CX prints no timestamps or counters in its configuration.
  aruba_aoscx: [],
  dell_os10: [/^! Last configuration change at /],
  // RGOS prints IOS's header; the byte count changes with every change (the content diff shows it).
  ruijie_os: [/^Building configuration\.\.\.$/, /^Current configuration ?: \d+ bytes$/],
  cisco_asa: [/^: Saved$/, /^: Written by \S+ at /, /^Cryptochecksum:[0-9a-f]+$/],
  cisco_xr: [
    // Every XR show command starts with the router's clock: `Mon Nov 23 10:21:33.123 UTC`.
    /^\w{3} \w{3} [ \d]\d \d{2}:\d{2}:\d{2}\.\d{3} \S+$/,
    /^Building configuration\.\.\.$/,
    /^!! Last configuration change at /,
  ],
};

let configured: readonly VolatileRule[] = [];

/**
 * The site's own rules (VOLATILE_RULES_FILE), used by every call that passes no `extraRules`. Set
 * once at process start, before any config is compared, so the API and the worker agree. Throws
 * naming the first bad rule.
 */
export function configureVolatileRules(rules: readonly VolatileRule[]): void {
  rules.forEach((rule, i) => {
    if (typeof rule?.pattern !== 'string' || rule.pattern === '') {
      throw new Error(`volatile rule ${i}: pattern must be a non-empty string`);
    }
    if (rule.platform !== undefined && !(rule.platform in DEFAULT_VOLATILE_RULES)) {
      throw new Error(
        `volatile rule ${i}: unknown platform "${rule.platform}" (${Object.keys(DEFAULT_VOLATILE_RULES).join(', ')})`,
      );
    }
    try {
      new RegExp(rule.pattern, rule.flags);
    } catch (error) {
      throw new Error(`volatile rule ${i}: ${(error as Error).message}`);
    }
  });
  configured = rules.map((r) => ({ ...r }));
}

/** The rules configureVolatileRules set (empty by default). */
export function configuredVolatileRules(): readonly VolatileRule[] {
  return configured;
}

function extraRegexes(platform: Platform, rules: readonly VolatileRule[] | undefined): RegExp[] {
  if (!rules) return [];
  return rules
    .filter((r) => r.platform === undefined || r.platform === platform)
    .map((r) => new RegExp(r.pattern, r.flags));
}

/** Every rule that applies to the platform (defaults first). Throws on an invalid user regex. */
export function volatileRules(platform: Platform, extraRules?: readonly VolatileRule[]): RegExp[] {
  return [...DEFAULT_VOLATILE_RULES[platform], ...extraRegexes(platform, extraRules ?? configured)];
}

/** True when the line is volatile for the platform. */
export function isVolatileLine(line: string, rules: readonly RegExp[]): boolean {
  return rules.some((r) => r.test(line));
}

/**
 * Canonical text of a configuration: `\r\n`/`\r` → `\n`, trailing whitespace trimmed on every
 * line, volatile lines dropped, leading and trailing blank lines dropped. Non-empty results end
 * with exactly one `\n`. Idempotent.
 */
export function normaliseConfig(
  platform: Platform,
  text: string,
  extraRules?: readonly VolatileRule[],
): string {
  const rules = volatileRules(platform, extraRules);
  const lines = text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .filter((l) => !isVolatileLine(l, rules));
  let start = 0;
  while (start < lines.length && lines[start] === '') start++;
  let end = lines.length;
  while (end > start && lines[end - 1] === '') end--;
  return end > start ? lines.slice(start, end).join('\n') + '\n' : '';
}

/** sha256 (hex) of the normalised configuration. */
export function contentHash(platform: Platform, text: string, extraRules?: readonly VolatileRule[]): string {
  return createHash('sha256')
    .update(normaliseConfig(platform, text, extraRules), 'utf8')
    .digest('hex');
}
