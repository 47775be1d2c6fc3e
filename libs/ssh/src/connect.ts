import type { Client, ConnectConfig } from 'ssh2';
import type { SshTarget } from './session';

/** Older network devices still only speak these; appended after ssh2's modern defaults. */
const LEGACY_ALGORITHMS: ConnectConfig['algorithms'] = {
  kex: {
    append: [
      'diffie-hellman-group-exchange-sha1',
      'diffie-hellman-group14-sha1',
      'diffie-hellman-group1-sha1',
    ],
    prepend: [],
    remove: [],
  },
  cipher: { append: ['aes128-cbc', 'aes192-cbc', 'aes256-cbc', '3des-cbc'], prepend: [], remove: [] },
  serverHostKey: { append: ['ssh-dss'], prepend: [], remove: [] },
  hmac: { append: ['hmac-md5'], prepend: [], remove: [] },
};

/**
 * How every SSH connection of Switchboard is made (interactive sessions and exec alike): legacy
 * algorithms appended, keepalives, keyboard-interactive answered with the password (at most
 * twice), host keys not verified (like netmiko's default AutoAddPolicy).
 */
export function connectConfig(client: Client, target: SshTarget, connectTimeoutMs: number): ConnectConfig {
  let kbdAttempts = 0;
  client.on('keyboard-interactive', (_name, _instructions, _lang, prompts, answer) => {
    kbdAttempts++;
    if (kbdAttempts > 2 || target.password === undefined) return answer([]);
    answer(prompts.map(() => target.password ?? ''));
  });
  const config: ConnectConfig = {
    host: target.host,
    port: target.port,
    username: target.username,
    readyTimeout: connectTimeoutMs,
    keepaliveInterval: 15_000,
    keepaliveCountMax: 3,
    tryKeyboard: target.password !== undefined,
    algorithms: LEGACY_ALGORITHMS,
    hostVerifier: () => true,
  };
  if (target.password !== undefined) config.password = target.password;
  if (target.privateKey !== undefined) config.privateKey = target.privateKey;
  if (target.passphrase !== undefined) config.passphrase = target.passphrase;
  return config;
}
