import { ArgsType } from '@nestjs/graphql';
import { PageArgs } from '../../common/pagination';

/** `credentials(first, after)`: sorted by name; `first` is bounded by PageArgs. */
@ArgsType()
export class CredentialsArgs extends PageArgs {}
