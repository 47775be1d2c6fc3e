/**
 * A user's profile: what it holds, its defaults and its limits, and the one check every way in
 * (an update, an import, a restore) goes through. Pure: core/accounts/profiles.ts stores it.
 * Every problem is reported at the field's path (`timeZone`, `savedViews[2].name`), all at once.
 */
import type { FieldError } from '../../libs/common/src/errors';
import { inputValueProblem, joinField } from '../../libs/common/src/json';
import { checkName } from '../../libs/common/src/names';

export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

export const DEFAULT_LANGUAGE: Language = 'zh-CN';
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/** Where a notification may be sent, and the contact field each one needs. */
export const NOTIFICATION_CHANNELS = ['email', 'sms', 'dingTalk', 'weCom', 'feishu'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];
export const CHANNEL_CONTACT: Record<NotificationChannel, keyof ProfileContact> = {
  email: 'email',
  sms: 'mobile',
  dingTalk: 'dingTalkId',
  weCom: 'weComId',
  feishu: 'feishuId',
};

/** What a user may be told about. */
export const NOTIFICATION_EVENTS = [
  'runFailed',
  'runSucceeded',
  'approvalRequested',
  'approvalDecided',
  'scheduleFailed',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export type ChannelSwitches = Record<NotificationChannel, boolean>;
/**
 * A daily span of wall-clock time ("HH:MM", 24-hour) in the profile's time zone during which
 * alert e-mails to the user wait (core/alerts/quiet-hours.ts); `end` before `start` spans midnight.
 */
export interface QuietHours {
  start: string;
  end: string;
}

/** Per event, per channel a switch; and the user's quiet hours (null: none). */
export type NotificationPreferences = Record<NotificationEvent, ChannelSwitches> & {
  quietHours: QuietHours | null;
};

export interface ProfileContact {
  email: string | null;
  mobile: string | null;
  dingTalkId: string | null;
  weComId: string | null;
  feishuId: string | null;
}

/** A saved filter or view: a name, the page it is for (optional), and a JSON object. */
export interface SavedItem {
  name: string;
  page: string | null;
  value: Record<string, unknown>;
}

/** What a profile holds (the `data` of a stored version, and the `profile` of an export). */
export interface ProfileData {
  displayName: string;
  contact: ProfileContact;
  language: Language;
  timeZone: string;
  defaultSite: string | null;
  savedFilters: SavedItem[];
  savedViews: SavedItem[];
  notifications: NotificationPreferences;
}

export const PROFILE_LIMITS = {
  displayName: 100,
  email: 254,
  imId: 128,
  page: 64,
  savedName: 80,
  /** Saved filters, and saved views, each. */
  savedItems: 50,
  /** One saved item's value, as JSON (bytes of UTF-8). */
  savedValueBytes: 16 * 1024,
  /** The whole profile, as JSON. */
  profileBytes: 256 * 1024,
  /** An import's text. */
  importBytes: 512 * 1024,
} as const;

const CONTACT_KEYS = ['email', 'mobile', 'dingTalkId', 'weComId', 'feishuId'] as const;
const PROFILE_KEYS = [
  'displayName',
  'contact',
  'language',
  'timeZone',
  'defaultSite',
  'savedFilters',
  'savedViews',
  'notifications',
] as const;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@.]+$/;
const MOBILE = /^\+?[0-9]{5,20}$/;
const IM_ID = /^[\w.@:+-]+$/;
const PAGE = /^[a-z][a-zA-Z0-9._-]*$/;
const TIME_ZONE = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

const noNotifications = (): NotificationPreferences => ({
  ...(Object.fromEntries(
    NOTIFICATION_EVENTS.map((e) => [e, Object.fromEntries(NOTIFICATION_CHANNELS.map((c) => [c, false]))]),
  ) as Record<NotificationEvent, ChannelSwitches>),
  quietHours: null,
});

/** "HH:MM", 00:00 to 23:59. */
const CLOCK = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

/** Quiet hours from untrusted JSON: null clears them; start and end "HH:MM", not equal. */
function quietHours(value: unknown, out: Problems): QuietHours | null {
  const field = 'notifications.quietHours';
  if (value === null) return null;
  if (!isObject(value)) {
    out.push({ field, message: 'must be an object { start, end } of times such as "22:00", or null' });
    return null;
  }
  unknownKeys(value, ['start', 'end'], field, out);
  const times: string[] = [];
  for (const key of ['start', 'end'] as const) {
    const time = value[key];
    if (typeof time === 'string' && CLOCK.test(time.trim())) times.push(time.trim());
    else out.push({ field: `${field}.${key}`, message: 'must be a time of day "HH:MM" (00:00 to 23:59)' });
  }
  if (times.length !== 2) return null;
  if (times[0] === times[1]) {
    out.push({ field: `${field}.end`, message: 'must differ from start (quiet hours of no length)' });
    return null;
  }
  return { start: times[0], end: times[1] };
}

/** What the account itself knows, used for a profile's defaults. */
export interface ProfileOwner {
  username: string;
  displayName: string;
  email: string | null;
}

/** The profile of a user who never saved one. */
export function defaultProfile(owner: ProfileOwner): ProfileData {
  const email = owner.email && EMAIL.test(owner.email) ? owner.email : null;
  return {
    displayName: (owner.displayName.trim() || owner.username).slice(0, PROFILE_LIMITS.displayName),
    contact: { email, mobile: null, dingTalkId: null, weComId: null, feishuId: null },
    language: DEFAULT_LANGUAGE,
    timeZone: DEFAULT_TIME_ZONE,
    defaultSite: null,
    savedFilters: [],
    savedViews: [],
    notifications: noNotifications(),
  };
}

/** Whether `zone` is an IANA time zone this runtime knows (`Asia/Shanghai`, `UTC`); no offsets. */
export function isTimeZone(zone: string): boolean {
  if (zone.length > 64 || !TIME_ZONE.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const utf8Bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

type Problems = FieldError[];

function unknownKeys(value: Record<string, unknown>, known: readonly string[], path: string, out: Problems) {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      out.push({
        field: joinField(path, key),
        message: `is not a field here (expected one of ${known.join(', ')})`,
      });
    }
  }
}

function text(value: unknown, field: string, max: number, out: Problems): string | null {
  const result = checkName(value, { max });
  if (!result.ok) {
    out.push({ field, message: result.message });
    return null;
  }
  return result.value;
}

/** An optional contact field: null or "" clears it. */
function contactField(
  key: (typeof CONTACT_KEYS)[number],
  value: unknown,
  field: string,
  out: Problems,
): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string') {
    out.push({ field, message: 'must be a string or null' });
    return null;
  }
  const trimmed = value.trim();
  const fail = (message: string) => {
    out.push({ field, message });
    return null;
  };
  if (trimmed === '') return null;
  if (key === 'email') {
    if (trimmed.length > PROFILE_LIMITS.email)
      return fail(`must be at most ${PROFILE_LIMITS.email} characters`);
    if (!EMAIL.test(trimmed)) return fail('must be an email address such as li.lei@example.com');
    return trimmed;
  }
  if (key === 'mobile') {
    const digits = trimmed.replace(/[\s-]/g, '');
    if (!MOBILE.test(digits)) {
      return fail('must be a phone number: 5 to 20 digits, optionally after + (e.g. +8613800138000)');
    }
    return digits;
  }
  if (trimmed.length > PROFILE_LIMITS.imId) return fail(`must be at most ${PROFILE_LIMITS.imId} characters`);
  if (!IM_ID.test(trimmed)) {
    return fail('must be an id of letters, digits and . _ @ : + - (no spaces)');
  }
  return trimmed;
}

function savedItems(value: unknown, field: string, out: Problems): SavedItem[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) {
    out.push({ field, message: 'must be a list' });
    return [];
  }
  if (value.length > PROFILE_LIMITS.savedItems) {
    out.push({ field, message: `must have at most ${PROFILE_LIMITS.savedItems} items` });
    return [];
  }
  const items: SavedItem[] = [];
  const seen = new Map<string, number>();
  value.forEach((raw: unknown, i) => {
    const at = `${field}[${i}]`;
    if (!isObject(raw)) {
      out.push({ field: at, message: 'must be an object with a name and a value' });
      return;
    }
    unknownKeys(raw, ['name', 'page', 'value'], at, out);
    const name = text(raw.name, `${at}.name`, PROFILE_LIMITS.savedName, out);
    if (name !== null) {
      const earlier = seen.get(name.toLowerCase());
      if (earlier !== undefined)
        out.push({ field: `${at}.name`, message: `repeats the name of ${field}[${earlier}]` });
      else seen.set(name.toLowerCase(), i);
    }
    let page: string | null = null;
    if (raw.page !== null && raw.page !== undefined && raw.page !== '') {
      page = text(raw.page, `${at}.page`, PROFILE_LIMITS.page, out);
      if (page !== null && !PAGE.test(page)) {
        out.push({ field: `${at}.page`, message: 'must be a page name such as devices or runs' });
        page = null;
      }
    }
    const v = raw.value;
    if (!isObject(v)) {
      out.push({ field: `${at}.value`, message: 'must be a JSON object' });
    } else {
      const problem = inputValueProblem(v, `${at}.value`);
      if (problem) out.push(problem);
      else if (utf8Bytes(v) > PROFILE_LIMITS.savedValueBytes) {
        out.push({
          field: `${at}.value`,
          message: `must be at most ${PROFILE_LIMITS.savedValueBytes} bytes as JSON`,
        });
      }
    }
    if (name !== null && isObject(v)) items.push({ name, page, value: v });
  });
  return items;
}

function notifications(
  value: unknown,
  base: NotificationPreferences,
  out: Problems,
): NotificationPreferences {
  // Profiles saved before quiet hours existed have none.
  const result: NotificationPreferences = { ...structuredClone(base), quietHours: base.quietHours ?? null };
  if (value === null || value === undefined) return result;
  if (!isObject(value)) {
    out.push({ field: 'notifications', message: 'must be an object of events' });
    return result;
  }
  unknownKeys(value, [...NOTIFICATION_EVENTS, 'quietHours'], 'notifications', out);
  if (value.quietHours !== undefined) result.quietHours = quietHours(value.quietHours, out);
  for (const event of NOTIFICATION_EVENTS) {
    const switches = value[event];
    if (switches === null || switches === undefined) continue;
    const at = `notifications.${event}`;
    if (!isObject(switches)) {
      out.push({ field: at, message: 'must be an object of channels' });
      continue;
    }
    unknownKeys(switches, NOTIFICATION_CHANNELS, at, out);
    for (const channel of NOTIFICATION_CHANNELS) {
      const on = switches[channel];
      if (on === null || on === undefined) continue;
      if (typeof on !== 'boolean') out.push({ field: `${at}.${channel}`, message: 'must be true or false' });
      else result[event][channel] = on;
    }
  }
  return result;
}

/**
 * A whole profile from untrusted JSON (an import, a stored version): every field missing is taken
 * from `base`; every problem is named. The profile is returned only when there is none.
 */
export function checkProfile(
  raw: unknown,
  base: ProfileData,
): { profile: ProfileData; errors: [] } | { profile: null; errors: FieldError[] } {
  const out: Problems = [];
  if (!isObject(raw)) return { profile: null, errors: [{ field: 'profile', message: 'must be an object' }] };
  unknownKeys(raw, PROFILE_KEYS, '', out);

  const has = (key: string) => raw[key] !== undefined;
  let displayName = base.displayName;
  if (has('displayName') && raw.displayName !== null)
    displayName = text(raw.displayName, 'displayName', PROFILE_LIMITS.displayName, out) ?? '';

  const contact: ProfileContact = { ...base.contact };
  if (has('contact')) {
    if (raw.contact === null) {
      for (const key of CONTACT_KEYS) contact[key] = null;
    } else if (!isObject(raw.contact)) {
      out.push({ field: 'contact', message: 'must be an object' });
    } else {
      unknownKeys(raw.contact, CONTACT_KEYS, 'contact', out);
      for (const key of CONTACT_KEYS) {
        if (raw.contact[key] !== undefined) {
          contact[key] = contactField(key, raw.contact[key], `contact.${key}`, out);
        }
      }
    }
  }

  let language = base.language;
  if (has('language')) {
    if (raw.language === null) language = DEFAULT_LANGUAGE;
    else if (typeof raw.language === 'string' && (LANGUAGES as readonly string[]).includes(raw.language)) {
      language = raw.language as Language;
    } else out.push({ field: 'language', message: `must be one of ${LANGUAGES.join(', ')}` });
  }

  let timeZone = base.timeZone;
  if (has('timeZone')) {
    if (raw.timeZone === null) timeZone = DEFAULT_TIME_ZONE;
    else if (typeof raw.timeZone === 'string' && isTimeZone(raw.timeZone.trim()))
      timeZone = raw.timeZone.trim();
    else {
      out.push({
        field: 'timeZone',
        message: 'must be an IANA time zone such as Asia/Shanghai, Europe/Berlin or UTC',
      });
    }
  }

  let defaultSite = base.defaultSite;
  if (has('defaultSite')) {
    defaultSite =
      raw.defaultSite === null || raw.defaultSite === ''
        ? null
        : text(raw.defaultSite, 'defaultSite', 128, out);
  }

  const savedFilters = has('savedFilters')
    ? savedItems(raw.savedFilters, 'savedFilters', out)
    : base.savedFilters;
  const savedViews = has('savedViews') ? savedItems(raw.savedViews, 'savedViews', out) : base.savedViews;
  const prefs = notifications(raw.notifications, base.notifications, out);

  // A channel that is on needs its contact, so that nothing is promised that cannot be sent.
  for (const event of NOTIFICATION_EVENTS) {
    for (const channel of NOTIFICATION_CHANNELS) {
      const needs = CHANNEL_CONTACT[channel];
      if (prefs[event][channel] && !contact[needs]) {
        out.push({
          field: `notifications.${event}.${channel}`,
          message: `needs contact.${needs} to be set`,
        });
      }
    }
  }

  if (out.length > 0) return { profile: null, errors: out };
  const profile: ProfileData = {
    displayName,
    contact,
    language,
    timeZone,
    defaultSite,
    savedFilters,
    savedViews,
    notifications: prefs,
  };
  if (utf8Bytes(profile) > PROFILE_LIMITS.profileBytes) {
    return {
      profile: null,
      errors: [{ field: 'profile', message: `must be at most ${PROFILE_LIMITS.profileBytes} bytes as JSON` }],
    };
  }
  return { profile, errors: [] };
}

/**
 * An update: the fields given replace the current ones (`contact` and `notifications` key by key,
 * the saved lists whole); null resets a field to its default (clears a contact, empties a list).
 */
export function applyUpdate(
  current: ProfileData,
  patch: Record<string, unknown>,
): ReturnType<typeof checkProfile> {
  return checkProfile(patch, current);
}

export const EXPORT_FORMAT = 'switchboard-profile';
export const EXPORT_FORMAT_VERSION = 1;

/** The text `exportMyProfile` returns (and `importMyProfile` takes back). */
export function exportProfile(
  profile: ProfileData,
  meta: { username: string; version: number; at: Date },
): string {
  return JSON.stringify(
    {
      format: EXPORT_FORMAT,
      formatVersion: EXPORT_FORMAT_VERSION,
      username: meta.username,
      version: meta.version,
      exportedAt: meta.at.toISOString(),
      profile,
    },
    null,
    2,
  );
}

/**
 * The profile inside an export, checked like an update but whole: fields the export lacks take
 * their defaults (`defaults`), not the current values. Errors name the field under `profile.`
 * only when they are about the envelope; a profile field's path is as in an update.
 */
export function importProfile(parsed: unknown, defaults: ProfileData): ReturnType<typeof checkProfile> {
  if (!isObject(parsed))
    return { profile: null, errors: [{ field: 'json', message: 'must be a JSON object' }] };
  if (parsed.format !== EXPORT_FORMAT) {
    return {
      profile: null,
      errors: [
        { field: 'json.format', message: `must be "${EXPORT_FORMAT}" (the text exportMyProfile returns)` },
      ],
    };
  }
  if (parsed.formatVersion !== EXPORT_FORMAT_VERSION) {
    return {
      profile: null,
      errors: [{ field: 'json.formatVersion', message: `must be ${EXPORT_FORMAT_VERSION}` }],
    };
  }
  if (!isObject(parsed.profile)) {
    return { profile: null, errors: [{ field: 'json.profile', message: 'must be an object' }] };
  }
  return checkProfile(parsed.profile, defaults);
}
