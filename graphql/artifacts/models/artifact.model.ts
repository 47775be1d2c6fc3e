import { Field, Float, ID, ObjectType } from '@nestjs/graphql';
import { Connection } from '../../common/pagination';

@ObjectType('Artifact', {
  description:
    'A file in the artifact store (a release package, a device image, a file fetched from a host), named name@version and addressed by its SHA-256. Its content is uploaded and downloaded over HTTP (PUT / GET /artifacts/<name>/<version>), never through GraphQL.',
})
export class ArtifactModel {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() version!: string;
  @Field({ description: 'SHA-256 of the content, lower-case hex.' }) sha256!: string;
  @Field(() => Float, { description: 'Size in bytes.' }) sizeBytes!: number;
  @Field() contentType!: string;
  @Field({ description: 'upload (HTTP) or download (fetched from a host by a file.download step).' })
  source!: string;
  /** User id; the resolver answers with the username. */
  createdById!: string | null;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true, description: 'End of its retention; null: kept until deleted.' })
  expiresAt!: Date | null;
  @Field({
    description: 'Where its content is downloaded: GET this path on the API with the same credentials.',
  })
  downloadPath!: string;
}

@ObjectType()
export class ArtifactConnection extends Connection(ArtifactModel, 'Artifact') {}
