import { ErrorCode, SwitchboardError } from '../../common/src/errors';
import { NETWORK_FILTERS } from './filters';
import { renderConfig, TemplateError, validateTemplate } from './render';

function renderError(source: string, variables: Record<string, unknown> = {}): TemplateError {
  try {
    renderConfig({ source, variables, name: 'test' });
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error('expected a TemplateError');
}

describe('renderConfig', () => {
  it('renders loops, conditions and filters to a known config', () => {
    const source = [
      'hostname {{ hostname }}',
      '{%- for iface in interfaces %}',
      'interface {{ iface.name }}',
      '{%- if iface.description %}',
      ' description {{ iface.description }}',
      '{%- endif %}',
      ' switchport access vlan {{ iface.vlan }}',
      '{%- endfor %}',
      'ip route 0.0.0.0 0.0.0.0 {{ gateway | ip_address }}',
      '',
    ].join('\n');
    const text = renderConfig({
      source,
      variables: {
        hostname: 'sw1',
        interfaces: [
          { name: 'Gi1/0/1', description: 'desk', vlan: 10 },
          { name: 'Gi1/0/2', vlan: 20 },
        ],
        gateway: '10.0.0.1/24',
      },
    });
    expect(text).toBe(
      [
        'hostname sw1',
        'interface Gi1/0/1',
        ' description desk',
        ' switchport access vlan 10',
        'interface Gi1/0/2',
        ' switchport access vlan 20',
        'ip route 0.0.0.0 0.0.0.0 10.0.0.1',
        '',
      ].join('\n'),
    );
  });

  it('exposes the platform, which wins over a variable of that name', () => {
    const source = '{% case platform %}{% when "huawei" %}undo shutdown{% else %}no shutdown{% endcase %}';
    expect(renderConfig({ source, variables: {}, platform: 'huawei' })).toBe('undo shutdown');
    expect(renderConfig({ source, variables: { platform: 'huawei' }, platform: 'cisco_ios' })).toBe(
      'no shutdown',
    );
  });

  it('uses the cached parse but fresh variables on every call', () => {
    const source = 'hostname {{ h }}';
    expect(renderConfig({ source, variables: { h: 'a' } })).toBe('hostname a');
    expect(renderConfig({ source, variables: { h: 'b' } })).toBe('hostname b');
  });

  it('lets optional values be tested with if, and defaulted', () => {
    expect(
      renderConfig({ source: '{% if x.y %}set{% endif %}|{{ z | default: "none" }}', variables: {} }),
    ).toBe('|none');
  });

  it('reports an undefined variable with its name, line and column', () => {
    const error = renderError('hostname {{ hostname }}\n  ntp server {{ ntp_server }}\n', {
      hostname: 'sw1',
    });
    expect(error.issue).toEqual({
      kind: 'undefined-variable',
      variable: 'ntp_server',
      message: 'undefined variable: ntp_server',
      line: 2,
      column: 17,
    });
    expect(error).toBeInstanceOf(SwitchboardError);
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.message).toBe('template test: line 2, column 17: undefined variable: ntp_server');
  });

  it('names nested and indexed undefined variables as paths', () => {
    const loop = renderError('x\n{% for i in ifs %}\n vlan {{ i.vlan }}{% endfor %}', {
      ifs: [{ name: 'a' }],
    });
    expect(loop.issue).toMatchObject({ variable: 'i.vlan', line: 3, column: 10 });
    const indexed = renderError('{{ interfaces[0].vlan }}', { interfaces: [{}] });
    expect(indexed.issue).toMatchObject({ variable: 'interfaces[0].vlan', line: 1, column: 4 });
  });

  it('reads own properties only', () => {
    expect(renderError('{{ o.constructor }}', { o: {} }).issue).toMatchObject({
      kind: 'undefined-variable',
      variable: 'o.constructor',
    });
  });

  it('reports a failing filter as a render error at the filter', () => {
    const error = renderError('a\nb {{ mask | netmask }}', { mask: 33 });
    expect(error.issue).toEqual({
      kind: 'render',
      message: 'netmask: 33 is not a prefix length (0-32)',
      line: 2,
      column: 3,
    });
  });

  it('reports syntax errors through the same error', () => {
    expect(renderError('a\n{% if x %}\nb').issue).toMatchObject({ kind: 'syntax', line: 2, column: 1 });
  });

  it('counts lines the same for CRLF sources', () => {
    expect(renderError('a\r\nb\r\n  {{ c }}').issue).toMatchObject({ line: 3, column: 6 });
  });
});

describe('validateTemplate', () => {
  it('accepts a good template without variables', () => {
    expect(validateTemplate('{% for i in list %}{{ i | upcase }}{% endfor %}')).toEqual({ ok: true });
  });

  it.each([
    ['an unclosed tag', 'hostname x\n  {% if a %}\nfoo', 2, 3, /tag {% if a %} not closed/],
    ['an unclosed output', 'a\nb {{ x\n', 2, 3, /output "{{ x.*" not closed/],
    ['an unknown tag', 'a\n\n   {% frobnicate %}', 3, 4, /tag "frobnicate" not found/],
    ['a stray end tag', 'x\n{% endfor %}', 2, 1, /tag "endfor" not found/],
  ])('reports %s with line and column', (_what, source, line, column, message) => {
    const result = validateTemplate(source);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ kind: 'syntax', line, column });
    expect(result.errors[0].message).toMatch(message);
    expect(result.errors[0].message).not.toMatch(/line:\d/); // liquidjs' suffix is stripped
  });

  it('reports an unknown filter', () => {
    expect(validateTemplate('ok\n {{ a | frob }}')).toEqual({
      ok: false,
      errors: [{ kind: 'undefined-filter', message: 'undefined filter: frob', line: 2, column: 2 }],
    });
  });
});

describe('network filters', () => {
  const f = NETWORK_FILTERS;
  it.each([
    [f.ip_address('10.1.2.3/24'), '10.1.2.3'],
    [f.ip_network('10.1.2.3/24'), '10.1.2.0/24'],
    [f.ip_network('10.1.2.3/0'), '0.0.0.0/0'],
    [f.ip_network('10.1.2.3/32'), '10.1.2.3/32'],
    [f.network_address('172.16.9.200/20'), '172.16.0.0'],
    [f.prefix_length('10.1.2.3/27'), 27],
    [f.prefix_length('255.255.254.0'), 23],
    [f.netmask(24), '255.255.255.0'],
    [f.netmask('/30'), '255.255.255.252'],
    [f.netmask(0), '0.0.0.0'],
    [f.netmask('32'), '255.255.255.255'],
    [f.cidr_to_mask('192.0.2.1/26'), '255.255.255.192'],
    [f.wildcard(24), '0.0.0.255'],
    [f.wildcard('255.255.240.0'), '0.0.15.255'],
    [f.wildcard('10.0.0.0/8'), '0.255.255.255'],
    [f.wildcard(32), '0.0.0.0'],
  ])('%s is %s', (actual, expected) => {
    expect(actual).toBe(expected);
  });

  it('rejects bad input', () => {
    expect(() => f.netmask(33)).toThrow('netmask: 33 is not a prefix length (0-32)');
    expect(() => f.ip_address('10.1.2/24')).toThrow('ip_address: "10.1.2" is not an IPv4 address');
    expect(() => f.ip_network('10.1.2.3')).toThrow(/not an IPv4 prefix/);
    expect(() => f.wildcard('255.0.255.0')).toThrow(/not a contiguous netmask/);
    expect(() => f.cidr_to_mask('256.0.0.1/8')).toThrow(/not an IPv4 address/);
    expect(() => f.ip_address('010.0.0.1/8')).toThrow(/not an IPv4 address/);
    expect(() => f.ip_address('1.2.3.4.5/8')).toThrow(/not an IPv4 address/);
  });
});
