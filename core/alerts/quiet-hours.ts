import { DateTime } from 'luxon';
import type { QuietHours } from '../accounts/profile-rules';

const minutesOf = (clock: string): number => {
  const [h, m] = clock.split(':').map(Number);
  return h * 60 + m;
};

/**
 * How long an alert e-mail to a user must wait at `now` for their quiet hours to end: 0 outside
 * them (or without any). `quiet` is wall-clock time in `timeZone` (the profile's), start included,
 * end excluded; an end before the start spans midnight ("22:00"–"07:00"). The end is the next
 * time the clocks of that zone show it, so daylight-saving changes are counted (an end that does
 * not exist that day, inside the spring gap, is the first minute after the gap).
 */
export function quietHoursWaitMs(quiet: QuietHours | null | undefined, timeZone: string, now: Date): number {
  if (!quiet) return 0;
  const local = DateTime.fromJSDate(now, { zone: timeZone });
  if (!local.isValid) return 0;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  const minute = local.hour * 60 + local.minute;
  const inside = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (!inside) return 0;
  const [hour, min] = quiet.end.split(':').map(Number);
  let until = local.set({ hour, minute: min, second: 0, millisecond: 0 });
  if (until <= local) until = local.plus({ days: 1 }).set({ hour, minute: min, second: 0, millisecond: 0 });
  return Math.max(0, until.toMillis() - now.getTime());
}
