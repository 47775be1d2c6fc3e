import { ALERT_ENTITIES } from './alerts/alert.entities';
import {
  ApiTokenEntity,
  AuditEntryEntity,
  RoleBindingEntity,
  RoleEntity,
  SessionEntity,
  UserEntity,
  UserIdentityEntity,
} from './accounts/account.entities';
import { ProfileEntity, ProfileVersionEntity } from './accounts/profile.entities';
import { ArtifactEntity } from './artifacts/artifact.entity';
import { ConfigBlobEntity } from './configs/config-blob.entity';
import { ConfigSnapshotEntity } from './configs/config-snapshot.entity';
import { CredentialEntity } from './devices/credential.entity';
import { DeviceCheckEntity } from './devices/device-check.entity';
import { DeviceEntity } from './devices/device.entity';
import { NodeEntity, NodeEventEntity } from './routing/node.entity';
import { CommandOutputEntity } from './runs/command-output.entity';
import { RunDeviceEntity } from './runs/run-device.entity';
import { RunEventEntity } from './runs/run-event.entity';
import { RunStepEntity, RunStepItemEntity } from './runs/run-step.entity';
import { RunEntity } from './runs/run.entity';
import { DeviceLockEntity, DeviceLockWaiterEntity, MaintenanceWindowEntity } from './safety/safety.entities';
import { ScheduleEntity } from './schedules/schedule.entity';
import { TaskEntity, TaskVersionEntity } from './tasks/task.entity';
import { ConfigTemplateVersionEntity } from './templates/config-template-version.entity';
import { ConfigTemplateEntity } from './templates/config-template.entity';
import { VariableSetEntity } from './templates/variable-set.entity';

/** Every table, by the core module that owns it (the only code that writes it). */
export const ENTITIES_BY_MODULE = {
  accounts: [
    UserEntity,
    UserIdentityEntity,
    SessionEntity,
    ApiTokenEntity,
    RoleEntity,
    RoleBindingEntity,
    AuditEntryEntity,
    ProfileEntity,
    ProfileVersionEntity,
  ],
  alerts: ALERT_ENTITIES,
  devices: [CredentialEntity, DeviceEntity, DeviceCheckEntity],
  runs: [RunEntity, RunDeviceEntity, CommandOutputEntity, RunEventEntity, RunStepEntity, RunStepItemEntity],
  configs: [ConfigSnapshotEntity, ConfigBlobEntity],
  templates: [ConfigTemplateEntity, ConfigTemplateVersionEntity, VariableSetEntity],
  tasks: [TaskEntity, TaskVersionEntity],
  schedules: [ScheduleEntity],
  safety: [DeviceLockEntity, DeviceLockWaiterEntity, MaintenanceWindowEntity],
  routing: [NodeEntity, NodeEventEntity],
  artifacts: [ArtifactEntity],
};

export const ENTITIES = Object.values(ENTITIES_BY_MODULE).flat();
