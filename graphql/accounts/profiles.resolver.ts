import { Args, Context, ID, Int, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SELF } from '../../core/accounts/permissions';
import {
  exportProfileText,
  importProfile,
  listProfileVersions,
  loadProfile,
  restoreProfile,
  stillSignedIn,
  updateProfile,
  type StoredProfile,
} from '../../core/accounts/profiles';
import type { Principal } from '../../core/accounts/principal';
import { principalOf, Requires, type AuthContext } from '../common/auth.guard';
import { UpdateProfileInput } from './dto/profile.inputs';
import {
  ProfileModel,
  ProfileVersionModel,
  toProfileModel,
  toProfileVersionModel,
} from './models/profile.models';
import { ProfileNotifications } from './profile-notifications';

const EXPECTED_VERSION = {
  type: () => Int,
  nullable: true,
  description: 'The version this change was made from: CONFLICT when the profile has changed since.',
} as const;

/** A subscription re-reads the profile at least this often, in case a notification was missed. */
const RECHECK_MS = 30_000;

/** One's own profile: read, change, undo, export and import it, and follow it from every session. */
@Resolver()
export class ProfilesResolver {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly notifications: ProfileNotifications,
  ) {}

  @Requires(SELF)
  @Query(() => ProfileModel, { description: 'Your profile (the defaults until you first save it).' })
  async myProfile(@Context() ctx: AuthContext): Promise<ProfileModel> {
    return toProfileModel(await loadProfile(this.db, principalOf(ctx).userId));
  }

  @Requires('accounts:read')
  @Query(() => ProfileModel, { description: "A user's profile; NOT_FOUND when there is no such user." })
  async userProfile(@Args('userId', { type: () => ID }) userId: string): Promise<ProfileModel> {
    return toProfileModel(await loadProfile(this.db, userId));
  }

  @Requires(SELF)
  @Mutation(() => ProfileModel, {
    description:
      'Change your profile: a new version, pushed to your other sessions (profileUpdated). Every invalid field is named.',
  })
  async updateMyProfile(
    @Context() ctx: AuthContext,
    @Args('input') input: UpdateProfileInput,
    @Args('expectedVersion', EXPECTED_VERSION) expectedVersion?: number | null,
  ): Promise<ProfileModel> {
    const me = principalOf(ctx);
    // The input as the client gave it (absent fields dropped, nulls kept), for profile-rules.ts.
    const patch = JSON.parse(JSON.stringify(input ?? {})) as Record<string, unknown>;
    return toProfileModel(await updateProfile(this.db, me.userId, me.userId, patch, expectedVersion));
  }

  @Requires(SELF)
  @Query(() => [ProfileVersionModel], { description: 'Versions of your profile, newest first.' })
  async myProfileVersions(
    @Context() ctx: AuthContext,
    @Args('first', { type: () => Int, defaultValue: 20, description: 'At most 100.' }) first: number,
    @Args('before', { type: () => Int, nullable: true, description: 'Only versions older than this one.' })
    before?: number | null,
  ): Promise<ProfileVersionModel[]> {
    const rows = await listProfileVersions(this.db, principalOf(ctx).userId, first, before);
    return rows.map(toProfileVersionModel);
  }

  @Requires(SELF)
  @Mutation(() => ProfileModel, {
    description:
      'A new version of your profile equal to an earlier one; NOT_FOUND when there is no such version.',
  })
  async restoreMyProfile(
    @Context() ctx: AuthContext,
    @Args('version', { type: () => Int }) version: number,
    @Args('expectedVersion', EXPECTED_VERSION) expectedVersion?: number | null,
  ): Promise<ProfileModel> {
    const me = principalOf(ctx);
    return toProfileModel(await restoreProfile(this.db, me.userId, me.userId, version, expectedVersion));
  }

  @Requires(SELF)
  @Query(() => String, { description: 'Your profile as JSON, for importMyProfile (here or elsewhere).' })
  exportMyProfile(@Context() ctx: AuthContext): Promise<string> {
    const me = principalOf(ctx);
    return exportProfileText(this.db, me.userId, me.username);
  }

  @Requires(SELF)
  @Mutation(() => ProfileModel, {
    description:
      'Replace your profile with an export (fields it lacks take their defaults), checked like an update: a new version.',
  })
  async importMyProfile(
    @Context() ctx: AuthContext,
    @Args('json', { description: 'The text exportMyProfile returned.' }) json: string,
    @Args('expectedVersion', EXPECTED_VERSION) expectedVersion?: number | null,
  ): Promise<ProfileModel> {
    const me = principalOf(ctx);
    return toProfileModel(await importProfile(this.db, me.userId, me.userId, json, expectedVersion));
  }

  @Requires(SELF)
  @Subscription(() => ProfileModel, {
    description:
      'Your profile now, then each new version as soon as any session of yours saves it (on any API process). Ends when the session or token is revoked.',
    resolve: (value: ProfileModel) => value,
  })
  profileUpdated(@Context() ctx: AuthContext): AsyncIterableIterator<ProfileModel> {
    return this.follow(principalOf(ctx));
  }

  /** An iterator whose `return` (the client unsubscribed) stops it at once, even while it waits. */
  private follow(me: Principal): AsyncIterableIterator<ProfileModel> {
    let current: StoredProfile | null = null;
    let dirty = false;
    let done = false;
    let wake: (() => void) | undefined;
    const unsubscribe = this.notifications.subscribe(me.userId, () => {
      dirty = true;
      wake?.();
    });
    const finish = (): IteratorReturnResult<undefined> => {
      done = true;
      unsubscribe();
      wake?.();
      return { done: true, value: undefined };
    };
    const next = async (): Promise<IteratorResult<ProfileModel>> => {
      while (!done) {
        if (current && !dirty) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, RECHECK_MS);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
        }
        if (done) break;
        dirty = false;
        if (!(await stillSignedIn(this.db, me))) return finish();
        const latest = await loadProfile(this.db, me.userId);
        if (!current || latest.version !== current.version) {
          current = latest;
          return { done: false, value: toProfileModel(latest) };
        }
      }
      return { done: true, value: undefined };
    };
    return {
      next,
      return: () => Promise.resolve(finish()),
      throw: (error: unknown) => {
        finish();
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}
