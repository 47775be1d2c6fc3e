import {
  Args,
  Context,
  Field,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
} from '@nestjs/graphql';
import { ArrayMaxSize, IsArray, IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';
import { AccountsRepository } from '../../core/accounts/accounts.repository';
import { MfaService } from '../../core/accounts/mfa';
import { SELF } from '../../core/accounts/permissions';
import { rolesOf } from '../../core/accounts/principal';
import { principalOf, requestMeta, Requires, type AuthContext } from '../common/auth.guard';

@ObjectType('MfaStatus')
export class MfaStatusModel {
  @Field({ description: 'An authenticator app (TOTP) is on: sign-in asks for a code after the password.' })
  enabled!: boolean;
  @Field(() => Date, { nullable: true }) enabledAt!: Date | null;
  @Field({ description: 'beginTotpEnrollment was called and no code has confirmed it yet.' })
  pendingEnrollment!: boolean;
  @Field(() => Int, { description: 'Unused recovery codes.' }) recoveryCodesLeft!: number;
  @Field({ description: 'The MFA policy requires a second factor of you.' }) required!: boolean;
}

@ObjectType('TotpEnrollment')
export class TotpEnrollmentModel {
  @Field({
    description:
      'The otpauth:// URI for an authenticator app (shown this once: it carries the key); confirm with confirmTotpEnrollment.',
  })
  otpauthUri!: string;
  @Field({ description: 'The same URI as a QR code (an SVG document).' }) qrSvg!: string;
}

@ObjectType('MfaPolicy')
export class MfaPolicyModel {
  @Field({ description: 'A second factor is required (of everyone, or of the holders of roles).' })
  required!: boolean;
  @Field(() => [String], { description: 'Empty: everyone; else the holders of any of these roles.' })
  roles!: string[];
  @Field(() => Date, { nullable: true }) updatedAt!: Date | null;
}

@InputType()
export class MfaPolicyInput {
  @Field() @IsBoolean() required!: boolean;
  @Field(() => [String], { nullable: true, description: 'Only for these roles (default: everyone).' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(40, { each: true })
  roles?: string[] | null;
}

/** One's own second factor (TOTP, recovery codes) and the administrators' MFA policy. */
@Resolver()
export class MfaResolver {
  constructor(
    private readonly accounts: AccountsRepository,
    private readonly mfa: MfaService,
  ) {}

  private async self(ctx: AuthContext) {
    return this.accounts.getUser(principalOf(ctx).userId);
  }

  @Requires(SELF)
  @Query(() => MfaStatusModel, { description: 'Your second factor.' })
  async myMfa(@Context() ctx: AuthContext): Promise<MfaStatusModel> {
    return this.mfa.status(principalOf(ctx).userId);
  }

  @Requires(SELF)
  @Mutation(() => TotpEnrollmentModel, {
    description:
      'Starts (or restarts) turning on TOTP: a new secret, pending until confirmTotpEnrollment. Refused while TOTP is on.',
  })
  async beginTotpEnrollment(@Context() ctx: AuthContext): Promise<TotpEnrollmentModel> {
    return this.mfa.beginEnrollment(await this.self(ctx));
  }

  @Requires(SELF)
  @Mutation(() => [String], {
    description:
      'Turns TOTP on with a current code of the new authenticator; answers ten one-time recovery codes, shown this once. Your other sessions end.',
  })
  async confirmTotpEnrollment(
    @Context() ctx: AuthContext,
    @Args('code', { type: () => String }) code: string,
  ): Promise<string[]> {
    return this.mfa.confirmEnrollment(
      await this.self(ctx),
      code,
      requestMeta(ctx),
      principalOf(ctx).sessionId,
    );
  }

  @Requires(SELF)
  @Mutation(() => Boolean, {
    description:
      'Turns TOTP off (and its recovery codes), proven with your password or a code (TOTP or recovery); false when it was not on. A wrong proof counts toward the lockout. Your other sessions end.',
  })
  async disableTotp(
    @Context() ctx: AuthContext,
    @Args('password', { type: () => String, nullable: true }) password?: string | null,
    @Args('code', { type: () => String, nullable: true }) code?: string | null,
  ): Promise<boolean> {
    return this.mfa.disable(
      await this.self(ctx),
      { password, code },
      requestMeta(ctx),
      principalOf(ctx).sessionId,
    );
  }

  @Requires(SELF)
  @Mutation(() => [String], {
    description:
      'Ten new recovery codes (the others stop working), with a current code of your authenticator; shown this once.',
  })
  async regenerateRecoveryCodes(
    @Context() ctx: AuthContext,
    @Args('code', { type: () => String }) code: string,
  ): Promise<string[]> {
    return this.mfa.regenerateRecoveryCodes(await this.self(ctx), code, requestMeta(ctx));
  }

  @Requires('accounts:read')
  @Query(() => MfaPolicyModel, { description: 'Who must sign in with a second factor.' })
  mfaPolicy(): Promise<MfaPolicyModel> {
    return this.mfa.policy();
  }

  @Requires('accounts:write')
  @Mutation(() => MfaPolicyModel, {
    description:
      'Requires a second factor of everyone (roles empty) or of the holders of some roles; those without one enroll at their next sign-in.',
  })
  setMfaPolicy(@Context() ctx: AuthContext, @Args('input') input: MfaPolicyInput): Promise<MfaPolicyModel> {
    const principal = principalOf(ctx);
    return this.mfa.setPolicy(
      input,
      { id: principal.userId, name: principal.username, roles: rolesOf(principal) },
      requestMeta(ctx),
    );
  }

  @Requires('accounts:write')
  @Mutation(() => Boolean, {
    description:
      "Turns off a user's TOTP and recovery codes (a lost authenticator); true when it was on, and then their sessions end. Under the policy, they enroll again at their next sign-in.",
  })
  resetUserMfa(@Context() ctx: AuthContext, @Args('id', { type: () => ID }) id: string): Promise<boolean> {
    const principal = principalOf(ctx);
    return this.mfa.reset(
      id,
      { id: principal.userId, name: principal.username, roles: rolesOf(principal) },
      requestMeta(ctx),
      principal.sessionId,
    );
  }
}
