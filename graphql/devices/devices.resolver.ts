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
import { principalOf, Requires, type AuthContext } from '../common/auth.guard';
import { scopeOfRequest } from '../../core/accounts/device-scope';

@Resolver(() => Device)
export class DevicesResolver {
  constructor(
    private readonly service: DevicesRepository,
    private readonly credentialLoader: CredentialLoader,
  ) {}

  @Requires('devices:read')
  @Query(() => Device, { description: 'NOT_FOUND when there is no device with this id.' })
  async device(@Context() ctx: AuthContext, @Args('id', { type: () => ID }) id: string): Promise<Device> {
    return toDeviceModel(await this.service.getById(id, scopeOfRequest(principalOf(ctx), 'devices:read')));
  }

  @Requires('devices:read')
  @Query(() => DeviceConnection, { description: 'Devices sorted by name.' })
  async devices(@Context() ctx: AuthContext, @Args() args: DevicesArgs): Promise<DeviceConnection> {
    const page = await this.service.list(args, scopeOfRequest(principalOf(ctx), 'devices:read'));
    return { ...page, edges: page.edges.map((e) => ({ cursor: e.cursor, node: toDeviceModel(e.node) })) };
  }

  @Requires('devices:read')
  @Query(() => [DeviceCheck], {
    description:
      "A device's reachability checks (device.check), newest first. NOT_FOUND when there is no such device.",
  })
  async deviceChecks(@Context() ctx: AuthContext, @Args() args: DeviceChecksArgs): Promise<DeviceCheck[]> {
    const rows = await this.service.checks(args, scopeOfRequest(principalOf(ctx), 'devices:read'));
    return rows.map((r) =>
      Object.assign(new DeviceCheck(), { ...r, status: r.status as ReachabilityStatus }),
    );
  }

  @Requires('devices:write')
  @Mutation(() => Device)
  async createDevice(@Context() ctx: AuthContext, @Args('input') input: CreateDeviceInput): Promise<Device> {
    return toDeviceModel(await this.service.create(input, principalOf(ctx)));
  }

  @Requires('devices:write')
  @Mutation(() => Device)
  async updateDevice(
    @Context() ctx: AuthContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: UpdateDeviceInput,
  ): Promise<Device> {
    return toDeviceModel(await this.service.update(id, input, principalOf(ctx)));
  }

  @Requires('devices:write')
  @Mutation(() => Boolean, { description: 'NOT_FOUND when there is no device with this id.' })
  deleteDevice(@Context() ctx: AuthContext, @Args('id', { type: () => ID }) id: string): Promise<boolean> {
    return this.service.delete(id, principalOf(ctx));
  }

  @Requires('devices:write')
  @Mutation(() => Int, { description: 'Deletes the devices that exist among ids; returns how many.' })
  deleteDevices(@Context() ctx: AuthContext, @Args() args: DeleteDevicesArgs): Promise<number> {
    return this.service.deleteMany(args.ids, principalOf(ctx));
  }

  @Requires('devices:write')
  @Mutation(() => ImportDevicesResult)
  async importDevices(
    @Context() ctx: AuthContext,
    @Args('input') input: ImportDevicesInput,
  ): Promise<ImportDevicesResult> {
    const outcome = await this.service.import(input, principalOf(ctx));
    return { ...outcome, devices: outcome.devices.map(toDeviceModel) };
  }

  @ResolveField('credential', () => Credential, { nullable: true })
  async credential(@Parent() device: Device, @Context() context: unknown): Promise<Credential | null> {
    const credential = await this.credentialLoader.load(context, device.credentialId);
    return credential && toCredentialModel(credential);
  }
}
