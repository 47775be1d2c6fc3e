import {
  artifactNameProblem,
  artifactVersionProblem,
  formatArtifactRef,
  normaliseSha256,
  parseArtifactRef,
} from './artifact-refs';

const HEX = 'ab'.repeat(32);

describe('artifact rules', () => {
  it('accepts names and versions that are safe as file names, refuses the others', () => {
    expect(artifactNameProblem('web-app_1.tar.gz')).toBeNull();
    expect(artifactVersionProblem('1.2.3+build.7')).toBeNull();
    for (const bad of ['', '../etc', 'a/b', 'a b', '.hidden', '-x', 'x'.repeat(129)]) {
      expect(artifactNameProblem(bad)).not.toBeNull();
      expect(artifactVersionProblem(bad)).not.toBeNull();
    }
  });

  it('reads checksums in any case, with or without the sha256: prefix', () => {
    expect(normaliseSha256(HEX.toUpperCase())).toBe(HEX);
    expect(normaliseSha256(`sha256:${HEX}`)).toBe(HEX);
    expect(normaliseSha256('abc')).toBeNull();
  });

  it('parses name@version and sha256: references', () => {
    expect(parseArtifactRef('web@1.0.0')).toEqual({ name: 'web', version: '1.0.0' });
    expect(parseArtifactRef(`sha256:${HEX}`)).toEqual({ sha256: HEX });
    expect(parseArtifactRef('web')).toBeNull();
    expect(parseArtifactRef('@1.0')).toBeNull();
    expect(parseArtifactRef('web@../x')).toBeNull();
    expect(parseArtifactRef('sha256:zz')).toBeNull();
    expect(formatArtifactRef({ name: 'web', version: '2' })).toBe('web@2');
  });
});
