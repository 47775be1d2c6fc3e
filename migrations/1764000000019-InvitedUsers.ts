import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Invitations (core/accounts/account-links.ts): an invited account has the status INVITED until its
 * person accepts the e-mailed link and chooses a password; it cannot sign in before.
 */
export class InvitedUsers1764000000019 implements MigrationInterface {
  name = 'InvitedUsers1764000000019';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP CONSTRAINT users_status_check`);
    await q.query(
      `ALTER TABLE users ADD CONSTRAINT users_status_check CHECK (status IN ('ACTIVE', 'DISABLED', 'INVITED'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE users SET status = 'DISABLED' WHERE status = 'INVITED'`);
    await q.query(`ALTER TABLE users DROP CONSTRAINT users_status_check`);
    await q.query(
      `ALTER TABLE users ADD CONSTRAINT users_status_check CHECK (status IN ('ACTIVE', 'DISABLED'))`,
    );
  }
}
