import { Field, Int, ObjectType } from '@nestjs/graphql';
import { Device } from './device.model';

@ObjectType()
export class ImportRowError {
  @Field(() => Int, {
    description: '1-based data row: the first row after the CSV header, or the first JSON element.',
  })
  row!: number;

  @Field(() => String, { nullable: true, description: 'The name given in the row, when there is one.' })
  name!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The column (CSV) or key (JSON); null for the whole row.',
  })
  field!: string | null;

  @Field()
  message!: string;
}

@ObjectType()
export class ImportDevicesResult {
  @Field(() => Int)
  created!: number;

  @Field(() => Int)
  updated!: number;

  @Field(() => Int, { description: 'Rows not written; each has at least one entry in errors.' })
  failed!: number;

  @Field(() => [ImportRowError])
  errors!: ImportRowError[];

  @Field(() => [Device], { description: 'The devices created or updated, in row order.' })
  devices!: Device[];
}
