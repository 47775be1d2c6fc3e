import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { registerDecorator } from 'class-validator';
import { checkName, trimName, type NameCheck, type NameOptions } from '../../libs/common/src/names';

export interface IsNameOptions extends NameOptions {
  /** A list of names (tags): each is trimmed and checked; an error names the first bad one. */
  each?: boolean;
  /** `""` is taken as given: for this field it means "none" or "clear". */
  allowEmpty?: boolean;
}

/**
 * A name field of an input (libs/common/src/names.ts): trimmed before it reaches the service, and
 * a BAD_USER_INPUT naming the field when blank, too long, with control characters or not matching
 * the kind's pattern. Add `@IsOptional()` for optional fields.
 */
export function IsName(options: IsNameOptions = {}): PropertyDecorator {
  const one = (value: unknown): NameCheck =>
    options.allowEmpty && value === '' ? { ok: true, value } : checkName(value, options);
  const check = (value: unknown): NameCheck => {
    if (!options.each) return one(value);
    if (!Array.isArray(value)) return { ok: false, message: 'must be a list' };
    for (const [i, item] of value.entries()) {
      const result = one(item);
      if (!result.ok) return { ok: false, message: `item ${i} ${result.message}` };
    }
    return { ok: true, value: '' };
  };
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      options.each && Array.isArray(value) ? value.map(trimName) : trimName(value),
    ),
    (target: object, propertyName: string | symbol) =>
      registerDecorator({
        name: 'isName',
        target: target.constructor,
        propertyName: String(propertyName),
        validator: {
          validate: (value: unknown) => check(value).ok,
          defaultMessage: (args) => {
            const result = check(args?.value);
            return `$property ${result.ok ? 'is not a valid name' : result.message}`;
          },
        },
      }),
  );
}
