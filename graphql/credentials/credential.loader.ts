import { Injectable } from '@nestjs/common';
import type { CredentialEntity } from '../../core/devices/credential.entity';
import { CredentialsRepository } from '../../core/devices/credentials.repository';
import { RequestLoader } from '../common/request-loader';

/**
 * Batches `Device.credential` look-ups: every credential asked for while one request resolves a
 * page of devices is read with one query.
 */
@Injectable()
export class CredentialLoader extends RequestLoader<CredentialEntity> {
  constructor(credentials: CredentialsRepository) {
    super(async (ids) => new Map((await credentials.findByIds(ids)).map((c) => [c.id, c])));
  }
}
