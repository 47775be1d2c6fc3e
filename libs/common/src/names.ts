import { SURROGATE_RULE, stringProblem } from './json';

/**
 * One rule for a name a client gives — a device, site, credential, tag, schedule, config template,
 * maintenance window, variable-set key, or a selector's site: trimmed; not empty; no control
 * characters; valid Unicode; at most `max` characters. A kind of name may add its own pattern
 * (device names, schedule names), checked on the trimmed name. The trimmed name is what is stored
 * and what lookups compare with, so " a " and "a" are the same site everywhere.
 */

/** The default maximum length of a name, in UTF-16 code units (as class-validator counts). */
export const NAME_MAX = 128;

export interface NameOptions {
  /** Maximum length after trimming (default NAME_MAX). */
  max?: number;
  /** A pattern the trimmed name must also match. */
  pattern?: RegExp;
  /** What the pattern asks for, as the end of a sentence ("must be ..."). */
  rule?: string;
}

export type NameCheck = { ok: true; value: string } | { ok: false; message: string };

const CONTROL = /\p{Cc}/u;

/** The trimmed name, or why it is not one. */
export function checkName(value: unknown, options: NameOptions = {}): NameCheck {
  const max = options.max ?? NAME_MAX;
  if (typeof value !== 'string') return { ok: false, message: 'must be a string' };
  const name = value.trim();
  if (name === '') {
    return { ok: false, message: value === '' ? 'must not be empty' : 'must not be blank (only whitespace)' };
  }
  if (CONTROL.test(name)) return { ok: false, message: 'must not contain control characters' };
  if (stringProblem(name)) return { ok: false, message: SURROGATE_RULE };
  if (name.length > max) return { ok: false, message: `must be at most ${max} characters` };
  if (options.pattern && !options.pattern.test(name)) {
    return { ok: false, message: options.rule ?? 'contains characters that are not allowed' };
  }
  return { ok: true, value: name };
}

/**
 * A string trimmed, unless nothing would be left: a blank name stays as given, so that the check
 * still sees it was blank (and says so) rather than empty.
 */
export function trimName(value: unknown): unknown {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : value;
}
