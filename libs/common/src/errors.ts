/**
 * Errors with codes. Services throw SwitchboardError; one global filter maps the code to the
 * GraphQL `extensions.code`. Resolvers contain no try/catch.
 */
export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  FORBIDDEN = 'FORBIDDEN',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  RATE_LIMITED = 'RATE_LIMITED',
  INTERNAL = 'INTERNAL_SERVER_ERROR',
}

export interface FieldError {
  /** Path of the offending field inside the input, e.g. `commands` or `rows[3].platform`. */
  field: string;
  message: string;
}

export class SwitchboardError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
    this.name = 'SwitchboardError';
  }

  static badInput(field: string, message: string): SwitchboardError {
    return new SwitchboardError(ErrorCode.BAD_USER_INPUT, `${field}: ${message}`, [{ field, message }]);
  }

  static invalidFields(fields: FieldError[]): SwitchboardError {
    const message = fields.map((f) => `${f.field}: ${f.message}`).join('; ');
    return new SwitchboardError(ErrorCode.BAD_USER_INPUT, message, fields);
  }

  static notFound(what: string, id: string): SwitchboardError {
    return new SwitchboardError(ErrorCode.NOT_FOUND, `${what} ${id} not found`);
  }

  static conflict(message: string, field?: string): SwitchboardError {
    return new SwitchboardError(ErrorCode.CONFLICT, message, field ? [{ field, message }] : []);
  }
}
