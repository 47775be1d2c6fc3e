import type { DeviceActivityTimeouts } from './runs';

/** A collection run: the commands to run on each device, and how. */
export interface CollectionInput extends DeviceActivityTimeouts {
  runId: string;
  deviceIds: string[];
  commands: string[];
  /** Replaces `commands` for the devices of a platform. */
  commandsByPlatform?: Record<string, string[]>;
  /** How many devices are collected at the same time. */
  concurrency: number;
  commandTimeoutMs: number;
  /** Devices whose work runs on a site task queue (the others use the workflow's queue). */
  queues?: Record<string, string>;
}

export interface CollectionResult {
  runId: string;
  status: 'COMPLETED' | 'COMPLETED_WITH_ERRORS' | 'CANCELLED';
  succeeded: number;
  failed: number;
  cancelled: number;
}

export interface CollectionProgress {
  total: number;
  running: number;
  succeeded: number;
  failed: number;
}

export interface CollectDeviceInput {
  runId: string;
  deviceId: string;
  commands: string[];
  commandsByPlatform?: Record<string, string[]>;
  commandTimeoutMs: number;
}

/** What passes through the workflow history for one device: a few numbers, never outputs. */
export interface CollectDeviceSummary {
  deviceId: string;
  deviceName: string;
  commands: number;
  commandErrors: number;
  bytes: number;
  durationMs: number;
  /** True when an earlier attempt had already stored this device's outputs. */
  reused: boolean;
}

/** Workflows proxy `RunActivities & CollectionActivities`. */
export interface CollectionActivities {
  /** Connect, run the commands, store outputs (and a backup's config snapshot), parse them. */
  collectDevice(input: CollectDeviceInput): Promise<CollectDeviceSummary>;
  /** Unfinished devices become CANCELLED; the run ends with a status from its devices' counts. */
  finishRun(input: { runId: string; cancelled: boolean; error?: string }): Promise<CollectionResult>;
}

export type CollectionWorkflow = (input: CollectionInput) => Promise<CollectionResult>;
