import { parseLabArgs } from './cli-args';
import type { LabCliOptions } from './cli-args';

const parse = (...argv: string[]): LabCliOptions => {
  const opts = parseLabArgs(argv);
  if (opts === 'help') throw new Error('unexpected help');
  return opts;
};

describe('parseLabArgs --http-port', () => {
  it('is off unless given; 0 asks for an ephemeral port', () => {
    expect(parse().httpPort).toBeNull();
    expect(parse('--http-port', '0').httpPort).toBe(0);
    expect(parse('--base-port', '22000', '--devices', '5', '--http-port', '8080')).toMatchObject({
      basePort: 22000,
      controlPort: 21999,
      httpPort: 8080,
    });
  });

  it('rejects bad values and ports already taken by devices or the control API', () => {
    expect(() => parse('--http-port', 'x')).toThrow(/--http-port must be an integer/);
    expect(() => parse('--http-port', '70000')).toThrow(/between 0 and 65535/);
    expect(() => parse('--base-port', '22000', '--devices', '5', '--http-port', '22004')).toThrow(
      /collides with the device ports 22000-22004/,
    );
    expect(() => parse('--base-port', '22000', '--http-port', '21999')).toThrow(/also the --control-port/);
  });
});
