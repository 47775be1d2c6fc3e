/**
 * Pure rules of the artifact store: names, versions, checksums and references. A version becomes a
 * directory on hosts (`<base>/releases/<version>`), so it can never hold a slash or a space.
 */

export const ARTIFACT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const ARTIFACT_VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;
export const SHA256_HEX = /^[0-9a-f]{64}$/;

/** How a step names an artifact: `name@version`, or `sha256:<64 hex>` for its content. */
export type ArtifactRef = { name: string; version: string } | { sha256: string };

/** Why `name` is not an artifact name, or null. */
export function artifactNameProblem(name: string): string | null {
  return ARTIFACT_NAME.test(name)
    ? null
    : 'must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit';
}

/** Why `version` is not an artifact version, or null (`.` and `..` are refused: they are directories). */
export function artifactVersionProblem(version: string): string | null {
  if (!ARTIFACT_VERSION.test(version))
    return 'must be 1-128 letters, digits, ".", "_", "+" or "-", starting with a letter or digit';
  return null;
}

/** A SHA-256 as given by a client (hex, any case, or `sha256:` prefixed): lower-case hex, or null. */
export function normaliseSha256(text: string): string | null {
  const hex = text
    .trim()
    .replace(/^sha256:/i, '')
    .toLowerCase();
  return SHA256_HEX.test(hex) ? hex : null;
}

/** `name@version` or `sha256:<hex>`; null when it is neither. */
export function parseArtifactRef(text: string): ArtifactRef | null {
  const value = text.trim();
  if (/^sha256:/i.test(value)) {
    const sha256 = normaliseSha256(value);
    return sha256 ? { sha256 } : null;
  }
  const at = value.lastIndexOf('@');
  if (at <= 0) return null;
  const name = value.slice(0, at);
  const version = value.slice(at + 1);
  if (artifactNameProblem(name) || artifactVersionProblem(version)) return null;
  return { name, version };
}

export const ARTIFACT_REF_HINT = 'must be name@version or sha256:<64 hex digits>';

/** A reference as text (for messages and run events). */
export function formatArtifactRef(ref: ArtifactRef): string {
  return 'sha256' in ref ? `sha256:${ref.sha256}` : `${ref.name}@${ref.version}`;
}
