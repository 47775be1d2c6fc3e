import { registerDecorator, type ValidationOptions } from 'class-validator';
import { HOST_RULE, isHost } from '../../../core/devices/device-import';

/** Hostname (RFC 1123) or IPv4/IPv6 address; the same rule the import applies. */
export function IsDeviceHost(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isDeviceHost',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `$property ${HOST_RULE}`, ...options },
      validator: { validate: (value: unknown) => isHost(value) },
    });
}
