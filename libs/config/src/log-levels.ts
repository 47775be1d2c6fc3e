import type { LogLevel } from '@nestjs/common';
import type { AppConfig } from './config';

/** The Nest log levels that LOG_LEVEL lets through. */
export function nestLogLevels(level: AppConfig['logLevel']): LogLevel[] {
  const order: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];
  const upTo = { error: 0, warn: 1, info: 2, debug: 4 }[level];
  return order.slice(0, upTo + 1);
}
