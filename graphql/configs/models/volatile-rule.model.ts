import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType('VolatileRule', {
  description: 'A line pattern ignored when configs are hashed, diffed and verified.',
})
export class VolatileRuleModel {
  @Field({ description: 'RegExp source, tested against each line.' }) pattern!: string;
  @Field() flags!: string;
  @Field({ description: 'builtin or VOLATILE_RULES_FILE.' }) source!: string;
}
