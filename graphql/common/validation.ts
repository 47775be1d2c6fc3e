import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { SwitchboardError, type FieldError } from '../../libs/common/src/errors';
import { assertInputValue } from '../../libs/common/src/json';
import { GraphQLError } from 'graphql';
import { listLimitProblem } from './list-limits';

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

/**
 * The field path errors of an argument start from: inside `input` (as class-validator's, `tags[2]`,
 * and the task validator's, `definition.steps[0].id`), else at the argument's name (`reason`);
 * `@Args()` classes have none (their fields are the arguments).
 */
function argumentRoot(metadata: ArgumentMetadata): string {
  return metadata.data === undefined || metadata.data === 'input' ? '' : metadata.data;
}

/**
 * The one input check every GraphQL argument goes through before the DTO rules: no string (nested
 * input objects, lists and JSON scalars included, object keys too) with a NUL character or an
 * unpaired surrogate, and nothing nested deeper than MAX_JSON_DEPTH (libs/common/src/json.ts);
 * then no list longer than its input class's @ArrayMaxSize (list-limits.ts), before the class is
 * built. Each is a BAD_USER_INPUT naming the field's path. Only arguments: Nest hands `@Args()`
 * values to pipes as type 'body' (GqlParamtype.ARGS is 3, RouteParamtypes.BODY); parents, the
 * context and the info pass through the same pipes as 'custom', untouched here.
 */
class InputPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    try {
      if (metadata.type === 'body') {
        assertInputValue(argumentRoot(metadata), value);
        const cls = metadata.metatype;
        const tooLong = typeof cls === 'function' ? listLimitProblem(value, cls) : null;
        if (tooLong) throw SwitchboardError.badInput(tooLong.field, tooLong.message);
      }
      return await super.transform(value, metadata);
    } catch (error) {
      // Field resolvers run without exception filters (Nest's fieldResolverEnhancers): a refused
      // argument leaves here as the GraphQLError the filter makes of it (graphql-exception.filter.ts),
      // so its code holds there too.
      if (error instanceof SwitchboardError) {
        throw new GraphQLError(error.message, {
          extensions: {
            code: error.code,
            ...(error.fields.length ? { field: error.fields[0].field, fields: error.fields } : {}),
          },
        });
      }
      throw error;
    }
  }
}

/** Input validation: every problem is a BAD_USER_INPUT naming its field (path inside the input). */
export function createValidationPipe(): ValidationPipe {
  return new InputPipe({
    transform: true,
    whitelist: true,
    forbidUnknownValues: false,
    exceptionFactory: (errors) => SwitchboardError.invalidFields(flatten(errors)),
  });
}
