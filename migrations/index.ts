// Every migration, in order. Explicit classes (no globs), so the same list works from TypeScript and compiled JS.
import { CreateInventory1764000000000 } from './1764000000000-CreateInventory';
import { CreateRuns1764000000001 } from './1764000000001-CreateRuns';
import { CreateConfigSnapshots1764000000002 } from './1764000000002-CreateConfigSnapshots';
import { AddParsedOutputs1764000000003 } from './1764000000003-AddParsedOutputs';
import { AddChanges1764000000004 } from './1764000000004-AddChanges';
import { CreateConfigTemplates1764000000005 } from './1764000000005-CreateConfigTemplates';
import { AddIntendedConfig1764000000006 } from './1764000000006-AddIntendedConfig';
import { CreateTasks1764000000007 } from './1764000000007-CreateTasks';
import { CreateSchedules1764000000008 } from './1764000000008-CreateSchedules';
import { CreateDeviceSafety1764000000009 } from './1764000000009-CreateDeviceSafety';
import { CreateNodes1764000000010 } from './1764000000010-CreateNodes';
import { CreateDeviceChecks1764000000011 } from './1764000000011-CreateDeviceChecks';
import { CreateAccounts1764000000012 } from './1764000000012-CreateAccounts';
import { CreateProfiles1764000000013 } from './1764000000013-CreateProfiles';
import { OidcLogin1764000000015 } from './1764000000015-OidcLogin';
import { LdapIdentities1764000000016 } from './1764000000016-LdapIdentities';
import { Mfa1764000000017 } from './1764000000017-Mfa';
import { AccountLinks1764000000018 } from './1764000000018-AccountLinks';
import { InvitedUsers1764000000019 } from './1764000000019-InvitedUsers';
import { CreateArtifacts1764000000020 } from './1764000000020-CreateArtifacts';
import { CreateAlerts1764000000021 } from './1764000000021-CreateAlerts';

export const MIGRATIONS = [
  CreateInventory1764000000000,
  CreateRuns1764000000001,
  CreateConfigSnapshots1764000000002,
  AddParsedOutputs1764000000003,
  AddChanges1764000000004,
  CreateConfigTemplates1764000000005,
  AddIntendedConfig1764000000006,
  CreateTasks1764000000007,
  CreateSchedules1764000000008,
  CreateDeviceSafety1764000000009,
  CreateNodes1764000000010,
  CreateDeviceChecks1764000000011,
  CreateAccounts1764000000012,
  CreateProfiles1764000000013,
  OidcLogin1764000000015,
  LdapIdentities1764000000016,
  Mfa1764000000017,
  AccountLinks1764000000018,
  InvitedUsers1764000000019,
  CreateArtifacts1764000000020,
  CreateAlerts1764000000021,
];
