import { CronExpressionParser } from 'cron-parser';

/**
 * A maintenance window: recurring (a cron expression for when it opens, in its time zone, and how
 * long it stays open) or one-off (from startAt to endAt).
 */
export interface MaintenanceWindow {
  name: string;
  cron: string | null;
  durationSeconds: number | null;
  timezone: string;
  startAt: Date | null;
  endAt: Date | null;
}

export interface WindowState {
  open: boolean;
  /** When closed: the next time it opens (null: never again). */
  opensAt: Date | null;
  /** When open: when it closes. */
  closesAt: Date | null;
}

/**
 * Whether one window is open at `now`, and when it next opens or closes. A window that cannot be
 * read (stored before its fields were checked: a bad cron or time zone) is closed for good and says
 * why in `error`: it holds back the changes it covers, and never breaks a list of windows.
 */
export function windowState(window: MaintenanceWindow, now: Date): WindowState & { error?: string } {
  try {
    return readWindowState(window, now);
  } catch (error) {
    return { open: false, opensAt: null, closesAt: null, error: (error as Error).message };
  }
}

function readWindowState(window: MaintenanceWindow, now: Date): WindowState {
  if (!window.cron) {
    const start = window.startAt!;
    const end = window.endAt!;
    if (now >= start && now < end) return { open: true, opensAt: null, closesAt: end };
    return { open: false, opensAt: now < start ? start : null, closesAt: null };
  }
  const durationMs = (window.durationSeconds ?? 0) * 1000;
  // The latest opening at or before now: open while it lasts.
  const back = CronExpressionParser.parse(window.cron, {
    currentDate: new Date(now.getTime() + 1),
    tz: window.timezone,
  });
  const last = back.prev().toDate();
  if (now.getTime() < last.getTime() + durationMs) {
    return { open: true, opensAt: null, closesAt: new Date(last.getTime() + durationMs) };
  }
  const next = CronExpressionParser.parse(window.cron, { currentDate: now, tz: window.timezone })
    .next()
    .toDate();
  return { open: false, opensAt: next, closesAt: null };
}

/**
 * Devices and the windows that apply to each (a device with none is unrestricted). Open when every
 * restricted device is inside one of its windows; otherwise the earliest time one of the closed
 * devices opens (to check again then), or null when a closed device has no window that opens again.
 */
export function devicesWindowState(
  windowsByDevice: Map<string, MaintenanceWindow[]>,
  now: Date,
): { open: boolean; opensAt: Date | null; closed: string[] } {
  const closed: string[] = [];
  let opensAt: Date | null = null;
  let never = false;
  for (const [device, windows] of windowsByDevice) {
    if (windows.length === 0) continue;
    const states = windows.map((w) => windowState(w, now));
    if (states.some((s) => s.open)) continue;
    closed.push(device);
    const next = states
      .map((s) => s.opensAt)
      .filter((d): d is Date => d !== null)
      .sort((a, b) => a.getTime() - b.getTime())[0];
    if (!next) never = true;
    else if (!opensAt || next < opensAt) opensAt = next;
  }
  if (closed.length === 0) return { open: true, opensAt: null, closed };
  return { open: false, opensAt: never ? null : opensAt, closed };
}

/** A cron expression and time zone as they will be read, or an error message naming the problem. */
export function checkWindowSpec(spec: { cron?: string | null; timezone?: string | null }): string | null {
  if (spec.timezone !== undefined && spec.timezone !== null) {
    if (spec.timezone.trim() === '')
      return 'timezone: must be an IANA time zone such as Asia/Shanghai or UTC';
    try {
      new Intl.DateTimeFormat('en', { timeZone: spec.timezone });
    } catch {
      return `timezone: unknown time zone "${spec.timezone}"`;
    }
  }
  if (spec.cron) {
    try {
      CronExpressionParser.parse(spec.cron, { tz: spec.timezone ?? 'UTC' });
    } catch (error) {
      return `cron: ${(error as Error).message}`;
    }
  }
  return null;
}
