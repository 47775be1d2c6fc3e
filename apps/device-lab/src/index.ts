export { DeviceLab, numberedSpecs, platformSequence } from './lab';
export type { DeviceLabOptions } from './lab';
export { CONFIG_COMMAND } from './device';
export type { LabDeviceInfo, LabDeviceSpec, LabFaults } from './types';
export { DEFAULT_ENABLE_SECRET, DEFAULT_PASSWORD, DEFAULT_USERNAME } from './types';
