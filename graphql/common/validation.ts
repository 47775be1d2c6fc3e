import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { SwitchboardError, type FieldError } from '../../libs/common/src/errors';

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = /^\d+$/.test(error.property)
      ? `${prefix}[${error.property}]`
      : prefix
        ? `${prefix}.${error.property}`
        : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.replace(/^\S+ /, ''),
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** Input validation: every problem is a BAD_USER_INPUT naming its field (path inside the input). */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidUnknownValues: false,
    exceptionFactory: (errors) => SwitchboardError.invalidFields(flatten(errors)),
  });
}
