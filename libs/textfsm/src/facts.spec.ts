import {
  maskToPrefix,
  normaliseFacts,
  normaliseInterfaces,
  parseAndNormalise,
  parseSpeedMbps,
  parseUptime,
  toCidr,
} from './facts';
import { TemplateIndex } from './index';

const MIN = 60;
const HOUR = 3600;
const DAY = 86400;

describe('unit normalisation', () => {
  it.each([
    ['1 year, 2 weeks, 3 days, 4 hours, 5 minutes', 365 * DAY + 14 * DAY + 3 * DAY + 4 * HOUR + 5 * MIN],
    ['5 weeks, 1 hour, 43 minutes', 35 * DAY + HOUR + 43 * MIN],
    ['50 weeks, 3 days, 11 hours, 56 minutes', 353 * DAY + 11 * HOUR + 56 * MIN],
    ['70 weeks,6 days,6 hours,57 minutes', 496 * DAY + 6 * HOUR + 57 * MIN],
    ['37 weeks, 5 days, 12 hours and 4 minutes', 264 * DAY + 12 * HOUR + 4 * MIN],
    ['28w1d 16:46', 197 * DAY + 16 * HOUR + 46 * MIN],
    ['2d 03:04:05', 2 * DAY + 3 * HOUR + 4 * MIN + 5],
    ['up 3 days, 4:05', 3 * DAY + 4 * HOUR + 5 * MIN],
    ['462 days,  1:04', 462 * DAY + HOUR + 4 * MIN],
    ['up 5 min', 5 * MIN],
    ['1 day, 1 hour, 1 minute, 1 second', DAY + HOUR + MIN + 1],
    ['12:03:45:12', 12 * DAY + 3 * HOUR + 45 * MIN + 12],
  ])('uptime %j', (text, seconds) => {
    expect(parseUptime(text)).toBe(seconds);
  });

  it('uptime: unrecognised text is null', () => {
    expect(parseUptime('forever')).toBeNull();
    expect(parseUptime('')).toBeNull();
  });

  it.each([
    ['1000Mb/s', 1000],
    ['10Gb/s', 10000],
    ['1Gbps', 1000],
    ['10G', 10000],
    ['1G(a)', 1000],
    ['a-1G', 1000],
    ['a-1000', 1000],
    ['1000mbps', 1000],
    ['1000Mbps', 1000],
    ['1000', 1000],
    ['100000Kbit', 100],
    ['auto', null],
    ['Auto-speed', null],
    ['Unknown', null],
  ])('speed %j', (text, mbps) => {
    expect(parseSpeedMbps(text)).toBe(mbps);
  });

  it('masks and CIDR', () => {
    expect(maskToPrefix('255.255.255.0')).toBe(24);
    expect(maskToPrefix('255.255.255.252')).toBe(30);
    expect(maskToPrefix('255.255.255.255')).toBe(32);
    expect(maskToPrefix('0.0.0.0')).toBe(0);
    expect(maskToPrefix('255.0.255.0')).toBeNull();
    expect(maskToPrefix('/24')).toBe(24);
    expect(toCidr('10.0.0.1', '255.255.255.0')).toBe('10.0.0.1/24');
    expect(toCidr('10.0.0.1/30', '255.255.255.0')).toBe('10.0.0.1/30');
    expect(toCidr('10.0.0.1')).toBe('10.0.0.1');
  });
});

describe('normalisers', () => {
  it('facts: first non-empty value across the rows of several commands', () => {
    const facts = normaliseFacts('juniper_junos', [
      { HOSTNAME: 'r1', MODEL: 'mx204', JUNOS_VERSION: '22.2R3' },
      { UPTIME: '1w2d 03:04' },
      { ITEM: 'Chassis', SERIAL: 'JN123' },
      { ITEM: 'FPC 0', SERIAL: 'XX999' },
    ]);
    expect(facts).toEqual({
      hostname: 'r1',
      vendor: 'Juniper',
      model: 'mx204',
      osVersion: '22.2R3',
      serial: 'JN123',
      uptimeSeconds: 9 * DAY + 3 * HOUR + 4 * MIN,
    });
    expect(normaliseFacts('cisco_ios', [{ HARDWARE: ['C9300-48P'], SERIAL: [] }])).toMatchObject({
      model: 'C9300-48P',
      serial: null,
      hostname: null,
      uptimeSeconds: null,
    });
  });

  it('interfaces: dotted masks become prefixes, admin-down is recognised per vendor', () => {
    expect(
      normaliseInterfaces('cisco_ios', [
        {
          INTERFACE: 'Gi0/1',
          LINK_STATUS: 'administratively down',
          PROTOCOL_STATUS: 'down',
          IP_ADDRESS: '10.1.1.1',
          PREFIX_LENGTH: '255.255.255.0',
          MTU: '1500',
          SPEED: 'a-1000',
          DESCRIPTION: '',
        },
      ]),
    ).toEqual([
      {
        name: 'Gi0/1',
        adminStatus: 'down',
        operStatus: 'down',
        addresses: ['10.1.1.1/24'],
        mtu: 1500,
        speedMbps: 1000,
        description: null,
      },
    ]);
    expect(
      normaliseInterfaces('huawei', [{ INTERFACE: 'GE0/0/1', PHY: '*down', PROTOCOL: 'down' }])[0],
    ).toMatchObject({
      adminStatus: 'down',
      operStatus: 'down',
    });
    expect(
      normaliseInterfaces('hp_comware', [{ INTERFACE: 'GE1/0/1', LINK: 'ADM', PROTOCOL: 'DOWN' }])[0]!
        .adminStatus,
    ).toBe('down');
    expect(
      normaliseInterfaces('linux', [{ INTERFACE: 'lo', STATE: 'UNKNOWN', IP_ADDRESS: ['127.0.0.1/8'] }])[0],
    ).toMatchObject({
      adminStatus: 'up',
      operStatus: 'unknown',
      addresses: ['127.0.0.1/8'],
    });
  });

  it('parseAndNormalise reports a broken template as TEMPLATE_ERROR', () => {
    const index = TemplateIndex.fromText(
      'Template, Platform, Command\nbroken.textfsm, x, show broken\n',
      '/t',
      () => 'Value A (x)\n\nStart\n  ^x -> Nowhere\n',
    );
    expect(parseAndNormalise(index, { platform: 'x', command: 'show broken', text: 'x' })).toMatchObject({
      status: 'anomaly',
      reason: 'TEMPLATE_ERROR',
      message: expect.stringMatching(/Nowhere/),
    });
  });
});
