import { ErrorCode, SwitchboardError } from '../../common/src/errors';
import { assertVariables, bindVariables, checkVariables, explainBinding, pointerToPath } from './variables';

const schema = {
  type: 'object',
  required: ['hostname', 'interfaces'],
  additionalProperties: false,
  properties: {
    hostname: { type: 'string', minLength: 1 },
    mgmt_ip: { type: 'string', format: 'ipv4' },
    interfaces: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string' },
          vlan: { type: 'integer', minimum: 1, maximum: 4094 },
          mode: { enum: ['access', 'trunk'] },
        },
      },
    },
  },
};

describe('checkVariables', () => {
  it('accepts valid variables', () => {
    expect(checkVariables(schema, { hostname: 'sw1', interfaces: [{ name: 'Gi1', vlan: 10 }] })).toEqual({
      ok: true,
    });
  });

  it('names the path of every bad variable', () => {
    const result = checkVariables(schema, {
      hostname: 'sw1',
      mgmt_ip: '10.0.0.300',
      extra: true,
      interfaces: [
        { name: 'a' },
        { name: 'b' },
        { name: 'c' },
        { name: 'd', vlan: 5000, mode: 'hybrid' },
        {},
      ],
    });
    expect(result).toEqual({
      ok: false,
      errors: expect.arrayContaining([
        { field: 'mgmt_ip', message: 'must match format "ipv4"' },
        { field: 'extra', message: 'is not allowed' },
        { field: 'interfaces[3].vlan', message: 'must be <= 4094' },
        { field: 'interfaces[3].mode', message: 'must be one of "access", "trunk"' },
        { field: 'interfaces[4].name', message: 'is required' },
      ]),
    });
    expect(result.ok || result.errors).toHaveLength(5);
  });

  it('names missing top-level variables', () => {
    expect(checkVariables(schema, {})).toEqual({
      ok: false,
      errors: [
        { field: 'hostname', message: 'is required' },
        { field: 'interfaces', message: 'is required' },
      ],
    });
  });

  it('throws BAD_USER_INPUT listing every field from assertVariables', () => {
    const thrown = (() => {
      try {
        assertVariables(schema, { hostname: '', interfaces: [] });
      } catch (error) {
        return error as SwitchboardError;
      }
    })();
    expect(thrown).toBeInstanceOf(SwitchboardError);
    expect(thrown?.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(thrown?.fields).toEqual([{ field: 'hostname', message: 'must NOT have fewer than 1 characters' }]);
  });

  it('rejects an invalid schema as bad input', () => {
    expect(() => checkVariables({ type: 'nonsense' }, {})).toThrow(SwitchboardError);
  });

  it('spells unusual keys unambiguously', () => {
    expect(pointerToPath('/interfaces/3/vlan')).toBe('interfaces[3].vlan');
    expect(pointerToPath('/a~1b/c-d/0')).toBe('["a/b"]["c-d"][0]');
  });
});

describe('bindVariables', () => {
  const layers = {
    facts: { hostname: 'from-facts', model: 'C9300', ntp: ['facts-ntp'], snmp: { location: 'facts' } },
    global: {
      hostname: 'from-global',
      ntp: ['g1', 'g2'],
      snmp: { community: 'public', location: 'global' },
      dns: 'g',
    },
    site: { hostname: 'from-site', snmp: { location: 'Site A' }, site_code: 'A' },
    device: { hostname: 'from-device', snmp: { contact: 'noc' }, vlan: 10 },
    runInputs: { vlan: 20 },
  };

  it('applies run inputs > device > site > global > facts', () => {
    expect(bindVariables(layers)).toEqual({
      hostname: 'from-device',
      model: 'C9300',
      ntp: ['g1', 'g2'],
      snmp: { community: 'public', location: 'Site A', contact: 'noc' },
      dns: 'g',
      site_code: 'A',
      vlan: 20,
    });
  });

  it.each([
    ['runInputs', 'device'],
    ['device', 'site'],
    ['site', 'global'],
    ['global', 'facts'],
  ] as const)('%s beats %s', (higher, lower) => {
    expect(bindVariables({ [lower]: { x: lower }, [higher]: { x: higher } })).toEqual({ x: higher });
    expect(bindVariables({ [higher]: { x: higher }, [lower]: { x: lower } })).toEqual({ x: higher });
  });

  it('replaces arrays instead of concatenating, and lets a scalar replace an object', () => {
    expect(
      bindVariables({ global: { ntp: ['a', 'b'], snmp: { c: 1 } }, device: { ntp: ['c'], snmp: 'off' } }),
    ).toEqual({
      ntp: ['c'],
      snmp: 'off',
    });
  });

  it('treats undefined as unset and null as a value', () => {
    expect(bindVariables({ site: { a: 1, b: 2 }, device: { a: undefined, b: null } })).toEqual({
      a: 1,
      b: null,
    });
  });

  it('leaves the layers untouched and ignores prototype keys', () => {
    const site = { snmp: { location: 'A' } };
    const device = JSON.parse('{"snmp": {"contact": "noc"}, "__proto__": {"polluted": true}}') as Record<
      string,
      unknown
    >;
    const bound = bindVariables({ site, device });
    expect(site).toEqual({ snmp: { location: 'A' } });
    expect(bound).toEqual({ snmp: { location: 'A', contact: 'noc' } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    (bound.snmp as Record<string, unknown>).location = 'changed';
    expect(site.snmp.location).toBe('A');
  });
});

describe('explainBinding', () => {
  it('says which layer each top-level key came from', () => {
    expect(
      explainBinding({
        facts: { hostname: 'f', model: 'C9300' },
        global: { snmp: { community: 'public' }, ntp: ['g'] },
        site: { snmp: { location: 'A' }, ntp: ['s'] },
        device: { hostname: 'd' },
        runInputs: { vlan: 20 },
      }),
    ).toEqual([
      { key: 'hostname', layer: 'device', layers: ['device', 'facts'], merged: false },
      { key: 'model', layer: 'facts', layers: ['facts'], merged: false },
      { key: 'ntp', layer: 'site', layers: ['site', 'global'], merged: false },
      { key: 'snmp', layer: 'site', layers: ['site', 'global'], merged: true },
      { key: 'vlan', layer: 'runInputs', layers: ['runInputs'], merged: false },
    ]);
  });
});
