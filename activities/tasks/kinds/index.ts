import type { StepKind } from '../../../libs/tasks/src';
import type { StepKindHandler } from '../step-kind';
import { deviceCheck } from './device-check';
import { deployRelease } from './deploy-release';
import { deviceStep } from './device-steps';
import { fanout } from './fanout';
import { fileDownload, fileUpload } from './file-transfer';
import { httpRequest } from './http';
import { sshCommands } from './ssh-commands';
import { subtask } from './subtask';
import { approval, sleep } from './timers';

/** Every step kind's handler: how it is prepared, and how its output is built. */
export const STEP_KIND_HANDLERS: Record<StepKind, StepKindHandler> = {
  'ssh.commands': sshCommands,
  'ssh.configure': deviceStep,
  script: deviceStep,
  'http.request': httpRequest,
  approval,
  sleep,
  subtask,
  fanout,
  'device.check': deviceCheck,
  'file.upload': fileUpload,
  'file.download': fileDownload,
  'deploy.release': deployRelease,
};
