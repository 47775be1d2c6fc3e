import { Args, Context, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CredentialLoader } from '../credentials/credential.loader';
import { Credential, toCredentialModel } from '../credentials/models/credential.model';
import { CreateDeviceInput } from './dto/create-device.input';
import { DeleteDevicesArgs } from './dto/delete-devices.args';
import { DeviceChecksArgs, DevicesArgs } from './dto/devices.args';
import { ImportDevicesInput } from './dto/import-devices.input';
import { UpdateDeviceInput } from './dto/update-device.input';
import { ImportDevicesResult } from './models/import-devices-result.model';
import { Device, DeviceConnection, toDeviceModel } from './models/device.model';
import { DeviceCheck, ReachabilityStatus } from './models/device-reachability.model';
import { DevicesRepository } from '../../core/devices/devices.repository';
import { Requires } from '../common/auth.guard';

@Resolver(() => Device)
export class DevicesResolver {
  constructor(
    private readonly service: DevicesRepository,
    private readonly credentialLoader: CredentialLoader,
  ) {}

  @Requires('devices:read')
  @Query(() => Device, { description: 'NOT_FOUND when there is no device with this id.' })
  async device(@Args('id', { type: () => ID }) id: string): Promise<Device> {
    return toDeviceModel(await this.service.getById(id));
  }

  @Requires('devices:read')
  @Query(() => DeviceConnection, { description: 'Devices sorted by name.' })
  async devices(@Args() args: DevicesArgs): Promise<DeviceConnection> {
    const page = await this.service.list(args);
    return { ...page, edges: page.edges.map((e) => ({ cursor: e.cursor, node: toDeviceModel(e.node) })) };
  }

  @Requires('devices:read')
  @Query(() => [DeviceCheck], {
    description:
      "A device's reachability checks (device.check), newest first. NOT_FOUND when there is no such device.",
  })
  async deviceChecks(@Args() args: DeviceChecksArgs): Promise<DeviceCheck[]> {
    const rows = await this.service.checks(args);
    return rows.map((r) =>
      Object.assign(new DeviceCheck(), { ...r, status: r.status as ReachabilityStatus }),
    );
  }

  @Requires('devices:write')
  @Mutation(() => Device)
  async createDevice(@Args('input') input: CreateDeviceInput): Promise<Device> {
    return toDeviceModel(await this.service.create(input));
  }

  @Requires('devices:write')
  @Mutation(() => Device)
  async updateDevice(
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: UpdateDeviceInput,
  ): Promise<Device> {
    return toDeviceModel(await this.service.update(id, input));
  }

  @Requires('devices:write')
  @Mutation(() => Boolean, { description: 'NOT_FOUND when there is no device with this id.' })
  deleteDevice(@Args('id', { type: () => ID }) id: string): Promise<boolean> {
    return this.service.delete(id);
  }

  @Requires('devices:write')
  @Mutation(() => Int, { description: 'Deletes the devices that exist among ids; returns how many.' })
  deleteDevices(@Args() args: DeleteDevicesArgs): Promise<number> {
    return this.service.deleteMany(args.ids);
  }

  @Requires('devices:write')
  @Mutation(() => ImportDevicesResult)
  async importDevices(@Args('input') input: ImportDevicesInput): Promise<ImportDevicesResult> {
    const outcome = await this.service.import(input);
    return { ...outcome, devices: outcome.devices.map(toDeviceModel) };
  }

  @ResolveField('credential', () => Credential, { nullable: true })
  async credential(@Parent() device: Device, @Context() context: unknown): Promise<Credential | null> {
    const credential = await this.credentialLoader.load(context, device.credentialId);
    return credential && toCredentialModel(credential);
  }
}
