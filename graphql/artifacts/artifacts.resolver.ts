import { Args, Context, ID, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Requires } from '../common/auth.guard';
import { UsernameLoader } from '../accounts/username.loader';
import { ArtifactsService } from './artifacts.service';
import { ArtifactsArgs } from './dto/artifacts.args';
import { ArtifactConnection, ArtifactModel } from './models/artifact.model';

@Resolver(() => ArtifactModel)
export class ArtifactsResolver {
  constructor(
    private readonly service: ArtifactsService,
    private readonly usernames: UsernameLoader,
  ) {}

  @Requires('artifacts:read')
  @Query(() => ArtifactConnection, { description: 'Artifacts in the store, newest first.' })
  artifacts(@Args() args: ArtifactsArgs): Promise<ArtifactConnection> {
    return this.service.list(args);
  }

  @Requires('artifacts:read')
  @Query(() => ArtifactModel, {
    nullable: true,
    description: 'One artifact by id (null when there is none).',
  })
  artifact(@Args('id', { type: () => ID }) id: string): Promise<ArtifactModel | null> {
    return this.service.get(id);
  }

  @Requires('artifacts:read')
  @Query(() => ArtifactModel, {
    description: 'One artifact by name and version (NOT_FOUND when there is none).',
  })
  artifactVersion(@Args('name') name: string, @Args('version') version: string): Promise<ArtifactModel> {
    return this.service.byRef(name, version);
  }

  @Requires('artifacts:write')
  @Mutation(() => ArtifactModel, {
    description: 'Delete an artifact; its content goes too when no other artifact has the same SHA-256.',
  })
  deleteArtifact(@Args('id', { type: () => ID }) id: string): Promise<ArtifactModel> {
    return this.service.delete(id);
  }

  @ResolveField(() => String, { nullable: true, description: 'Who uploaded it (username).' })
  createdBy(@Parent() a: ArtifactModel, @Context() ctx: object): Promise<string | null> | null {
    return a.createdById ? this.usernames.load(ctx, a.createdById) : null;
  }
}
