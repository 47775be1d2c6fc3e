export {
  classifyConnectError,
  DEFAULT_PROBE_MAX_BYTES,
  probeSsh,
  type ProbeErrorKind,
  type ProbeOptions,
  type ProbeResult,
  type ReachStatus,
} from './probe';
