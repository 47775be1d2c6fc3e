import {
  applyUpdate,
  checkProfile,
  defaultProfile,
  exportProfile,
  importProfile,
  isTimeZone,
  PROFILE_LIMITS,
  type ProfileData,
} from './profile-rules';

const base = (): ProfileData => defaultProfile({ username: 'li', displayName: 'Li Lei', email: null });
const fieldsOf = (result: ReturnType<typeof checkProfile>) => result.errors.map((e) => e.field);

describe('profile rules', () => {
  it('defaults to zh-CN and Asia/Shanghai, with the account name and email', () => {
    const p = defaultProfile({ username: 'li', displayName: '', email: 'li@example.com' });
    expect(p.language).toBe('zh-CN');
    expect(p.timeZone).toBe('Asia/Shanghai');
    expect(p.displayName).toBe('li');
    expect(p.contact.email).toBe('li@example.com');
    expect(p.savedViews).toEqual([]);
    const { quietHours, ...events } = p.notifications;
    expect(quietHours).toBeNull();
    expect(Object.values(events).every((c) => Object.values(c).every((on) => on === false))).toBe(true);
    expect(checkProfile(p, p).errors).toEqual([]);
  });

  it('keeps quiet hours, and names each wrong part of them', () => {
    const set = applyUpdate(base(), { notifications: { quietHours: { start: '22:00', end: '07:00' } } });
    expect(set.profile!.notifications.quietHours).toEqual({ start: '22:00', end: '07:00' });
    // Another update keeps them; null clears them.
    const kept = applyUpdate(set.profile!, { notifications: { runFailed: { email: false } } });
    expect(kept.profile!.notifications.quietHours).toEqual({ start: '22:00', end: '07:00' });
    expect(
      applyUpdate(set.profile!, { notifications: { quietHours: null } }).profile!.notifications.quietHours,
    ).toBeNull();
    // A profile stored before quiet hours existed has none.
    const old = base() as unknown as { notifications: Record<string, unknown> };
    delete old.notifications.quietHours;
    expect(applyUpdate(old as unknown as ProfileData, {}).profile!.notifications.quietHours).toBeNull();

    expect(
      fieldsOf(applyUpdate(base(), { notifications: { quietHours: { start: '24:00', end: '7:00' } } })),
    ).toEqual(['notifications.quietHours.start', 'notifications.quietHours.end']);
    expect(
      fieldsOf(applyUpdate(base(), { notifications: { quietHours: { start: '22:00', end: '22:00' } } })),
    ).toEqual(['notifications.quietHours.end']);
    expect(fieldsOf(applyUpdate(base(), { notifications: { quietHours: '22-07' } }))).toEqual([
      'notifications.quietHours',
    ]);
    expect(
      fieldsOf(
        applyUpdate(base(), { notifications: { quietHours: { start: '22:00', end: '07:00', days: 5 } } }),
      ),
    ).toEqual(['notifications.quietHours.days']);
  });

  it('knows IANA time zones, and refuses offsets and made-up names', () => {
    expect(isTimeZone('Asia/Shanghai')).toBe(true);
    expect(isTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('+08:00')).toBe(false);
    expect(isTimeZone('')).toBe(false);
    expect(isTimeZone('Asia/Shanghai\n')).toBe(false);
  });

  it('applies an update field by field, keeping what is not given', () => {
    const result = applyUpdate(base(), {
      language: 'en',
      timeZone: 'Europe/Berlin',
      contact: { mobile: '+86 138-0013-8000', dingTalkId: 'ding_42' },
      notifications: { runFailed: { sms: true } },
    });
    expect(result.errors).toEqual([]);
    expect(result.profile).toMatchObject({
      displayName: 'Li Lei',
      language: 'en',
      timeZone: 'Europe/Berlin',
      contact: { email: null, mobile: '+8613800138000', dingTalkId: 'ding_42' },
    });
    expect(result.profile!.notifications.runFailed).toEqual({
      email: false,
      sms: true,
      dingTalk: false,
      weCom: false,
      feishu: false,
    });
  });

  it('null resets language and time zone, clears contacts and lists, keeps the display name', () => {
    const changed = applyUpdate(base(), {
      language: 'en',
      timeZone: 'UTC',
      contact: { email: 'li@example.com' },
      savedViews: [{ name: 'a', value: {} }],
    }).profile!;
    const reset = applyUpdate(changed, {
      displayName: null,
      language: null,
      timeZone: null,
      contact: { email: '' },
      savedViews: null,
    }).profile!;
    expect(reset).toMatchObject({ displayName: 'Li Lei', language: 'zh-CN', timeZone: 'Asia/Shanghai' });
    expect(reset.contact.email).toBeNull();
    expect(reset.savedViews).toEqual([]);
  });

  it('names every invalid field at once', () => {
    const result = applyUpdate(base(), {
      displayName: '   ',
      language: 'fr',
      timeZone: 'Asia/Atlantis',
      contact: { email: 'not-an-email', mobile: '12ab', feishuId: 'has space', qq: '1' },
      defaultSite: 'a\u0007b',
      savedViews: [
        { name: 'mine', value: { a: 1 } },
        { name: 'MINE', value: { a: 2 } },
        { name: '', value: [] },
        { name: 'ok', page: 'Not A Page', value: { a: 1 }, extra: true },
      ],
      savedFilters: 'x',
      notifications: { runFailed: { email: 'yes', pager: true }, somethingElse: {} },
      colour: 'blue',
    });
    expect(result.profile).toBeNull();
    expect(fieldsOf(result).sort()).toEqual(
      [
        'colour',
        'contact.qq',
        'displayName',
        'language',
        'timeZone',
        'contact.email',
        'contact.mobile',
        'contact.feishuId',
        'defaultSite',
        'savedViews[1].name',
        'savedViews[2].name',
        'savedViews[2].value',
        'savedViews[3].extra',
        'savedViews[3].page',
        'savedFilters',
        'notifications.somethingElse',
        'notifications.runFailed.pager',
        'notifications.runFailed.email',
      ].sort(),
    );
  });

  it('a channel that is on needs its contact', () => {
    const result = applyUpdate(base(), {
      notifications: { approvalRequested: { dingTalk: true, email: true } },
    });
    expect(fieldsOf(result).sort()).toEqual([
      'notifications.approvalRequested.dingTalk',
      'notifications.approvalRequested.email',
    ]);
    expect(result.errors[0].message).toMatch(/needs contact\./);
    const ok = applyUpdate(base(), {
      contact: { dingTalkId: 'ding1' },
      notifications: { approvalRequested: { dingTalk: true } },
    });
    expect(ok.errors).toEqual([]);
    // Clearing the contact while its channel is on is refused too.
    expect(fieldsOf(applyUpdate(ok.profile!, { contact: { dingTalkId: null } }))).toEqual([
      'notifications.approvalRequested.dingTalk',
    ]);
  });

  it('bounds saved items: count, size of each, and the whole profile', () => {
    const many = Array.from({ length: PROFILE_LIMITS.savedItems + 1 }, (_, i) => ({
      name: `v${i}`,
      value: {},
    }));
    expect(fieldsOf(applyUpdate(base(), { savedViews: many }))).toEqual(['savedViews']);
    const big = { blob: 'x'.repeat(PROFILE_LIMITS.savedValueBytes) };
    expect(fieldsOf(applyUpdate(base(), { savedFilters: [{ name: 'big', value: big }] }))).toEqual([
      'savedFilters[0].value',
    ]);
    const nearly = { blob: 'x'.repeat(PROFILE_LIMITS.savedValueBytes - 100) };
    const items = Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, value: nearly }));
    expect(fieldsOf(applyUpdate(base(), { savedFilters: items }))).toEqual(['profile']);
  });

  it('refuses strings PostgreSQL cannot store inside saved values, naming the path', () => {
    const result = applyUpdate(base(), { savedViews: [{ name: 'a', value: { q: 'a\u0000b' } }] });
    expect(fieldsOf(result)).toEqual(['savedViews[0].value.q']);
  });

  it('an export imports back to the same profile; fields it lacks take their defaults', () => {
    const profile = applyUpdate(base(), {
      language: 'en',
      contact: { weComId: 'wc-1' },
      notifications: { scheduleFailed: { weCom: true } },
      savedViews: [{ name: 'core', page: 'devices', value: { site: 'lab-a', tags: ['core'] } }],
    }).profile!;
    const text = exportProfile(profile, { username: 'li', version: 3, at: new Date(0) });
    expect(importProfile(JSON.parse(text), base()).profile).toEqual(profile);

    const partial = importProfile(
      { format: 'switchboard-profile', formatVersion: 1, profile: { timeZone: 'UTC' } },
      base(),
    );
    expect(partial.profile).toEqual({ ...base(), timeZone: 'UTC' });
    expect(importProfile({ profile: {} }, base()).errors[0].field).toBe('json.format');
    expect(importProfile([], base()).errors[0].field).toBe('json');
    expect(
      importProfile({ format: 'switchboard-profile', formatVersion: 1, profile: { language: 'de' } }, base())
        .errors[0].field,
    ).toBe('language');
  });
});
