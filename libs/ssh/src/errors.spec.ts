import { SshError, SSH_ERROR_KINDS, toSshError } from './errors';

const withProps = (message: string, props: Record<string, unknown>) =>
  Object.assign(new Error(message), props);
const WHERE = 'admin@10.0.0.1:22';

describe('SshError', () => {
  it('carries kind and retryable', () => {
    const err = new SshError('AUTH_FAILED', 'nope');
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(SshError);
    expect(err.name).toBe('SshError');
    expect(err.kind).toBe('AUTH_FAILED');
    expect(err.retryable).toBe(false);
  });

  it('retryable per kind', () => {
    const retryable = SSH_ERROR_KINDS.filter((k) => new SshError(k, 'x').retryable);
    expect(retryable.sort()).toEqual(
      [
        'COMMAND_TIMEOUT',
        'CONNECTION_LOST',
        'CONNECT_FAILED',
        'CONNECT_TIMEOUT',
        'PROMPT_TIMEOUT',
        'PROTOCOL',
      ].sort(),
    );
  });
});

describe('toSshError maps ssh2 errors', () => {
  const cases: Array<[string, Error, 'connect' | 'session', SshError['kind']]> = [
    [
      'auth',
      withProps('All configured authentication methods failed', { level: 'client-authentication' }),
      'connect',
      'AUTH_FAILED',
    ],
    [
      'refused',
      withProps('connect ECONNREFUSED 10.0.0.1:22', { level: 'client-socket', code: 'ECONNREFUSED' }),
      'connect',
      'CONNECT_FAILED',
    ],
    [
      'dns',
      withProps('getaddrinfo ENOTFOUND r1.example', { level: 'client-socket', code: 'ENOTFOUND' }),
      'connect',
      'CONNECT_FAILED',
    ],
    [
      'dns level',
      withProps("Error while looking up IPv4 address for 'x'", { level: 'client-dns' }),
      'connect',
      'CONNECT_FAILED',
    ],
    [
      'unreachable',
      withProps('connect EHOSTUNREACH', { level: 'client-socket', code: 'EHOSTUNREACH' }),
      'connect',
      'CONNECT_FAILED',
    ],
    [
      'ready timeout',
      withProps('Timed out while waiting for handshake', { level: 'client-timeout' }),
      'connect',
      'CONNECT_TIMEOUT',
    ],
    [
      'tcp timeout',
      withProps('connect ETIMEDOUT', { level: 'client-socket', code: 'ETIMEDOUT' }),
      'connect',
      'CONNECT_TIMEOUT',
    ],
    ['keepalive', withProps('Keepalive timeout', { level: 'client-timeout' }), 'session', 'CONNECTION_LOST'],
    [
      'reset before prompt',
      withProps('read ECONNRESET', { level: 'client-socket', code: 'ECONNRESET' }),
      'connect',
      'CONNECTION_LOST',
    ],
    [
      'reset mid-session',
      withProps('read ECONNRESET', { level: 'client-socket', code: 'ECONNRESET' }),
      'session',
      'CONNECTION_LOST',
    ],
    [
      'lost before handshake',
      withProps('Connection lost before handshake', { level: 'protocol' }),
      'connect',
      'CONNECTION_LOST',
    ],
    [
      'negotiation',
      withProps('Handshake failed: no matching key exchange algorithm', { level: 'handshake' }),
      'connect',
      'PROTOCOL',
    ],
    ['bad packet', withProps('Bad packet length', { level: 'protocol' }), 'session', 'PROTOCOL'],
    ['unknown, connecting', new Error('weird'), 'connect', 'CONNECT_FAILED'],
    ['unknown, in session', new Error('weird'), 'session', 'CONNECTION_LOST'],
  ];
  it.each(cases)('%s', (_name, err, phase, kind) => {
    const mapped = toSshError(err, phase, WHERE);
    expect(mapped.kind).toBe(kind);
    expect(mapped.message).toContain(WHERE);
    expect(mapped.cause).toBe(err);
  });

  it('passes SshError through and handles non-errors', () => {
    const e = new SshError('CANCELLED', 'x');
    expect(toSshError(e, 'session', WHERE)).toBe(e);
    expect(toSshError('boom', 'session', WHERE).kind).toBe('CONNECTION_LOST');
  });
});
