export { SshError, SSH_ERROR_KINDS, isRetryableKind, isSshError, toSshError } from './errors';
export type { SshErrorKind, SshPhase } from './errors';
export { getProfile, hasPrivilegedMode, escapeRegExp } from './profiles';
export type { PlatformProfile, PrivilegedModeProfile, PromptMode } from './profiles';
export {
  basePromptOf,
  cleanOutput,
  detectCommandError,
  endsWithAnyPrompt,
  endsWithPager,
  endsWithPrompt,
  findBasePrompt,
  lastLine,
  normalizeTerminalOutput,
  platformsMatchingPrompt,
  promptRegex,
  removePagerPrompts,
  renderLine,
  stripAnsi,
  stripCommandEcho,
  stripTrailingPrompt,
} from './clean';
export type { CleanOptions } from './clean';
export { SshSession, TAIL_KEEP } from './session';
export type {
  CommandResult,
  ConfigureOptions,
  ConfigureResult,
  RunOptions,
  SshSessionOptions,
  SshTarget,
} from './session';
export { EXEC_MAX_OUTPUT_BYTES, sshExec } from './exec';
export type { ExecOptions, ExecResult } from './exec';
export { SshFiles, partPathOf, shellQuote, uploadFile } from './sftp';
export type { RemoteStat, SshFilesOptions, UploadResult, UploadSpec } from './sftp';
