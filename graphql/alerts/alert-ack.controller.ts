import { Controller, Get, Header, HttpCode, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { IncomingMessage } from 'node:http';
import { DataSource } from 'typeorm';
import { appendAudit } from '../../core/accounts/audit';
import type { ServerResponse } from 'node:http';
import { ACK_PATH, verifyAck } from '../../core/alerts/ack-links';
import type { AppConfig } from '../../libs/config/src/config';
import { APP_CONFIG } from '../../libs/config/src/config.module';
import { Public } from '../common/auth.guard';
import { AlertsService } from './alerts.service';

const escape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const page = (title: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
  `<title>${escape(title)}</title></head><body style="font-family:sans-serif;max-width:40em;margin:3em auto">` +
  `<h1>${escape(title)}</h1>${body}</body></html>`;

type AckQuery = { alert?: string; exp?: string; sig?: string };

/**
 * The signed acknowledge link of a message (core/alerts/ack-links.ts). GET shows a page with a
 * button and changes nothing (chat apps and mail scanners open links to preview them); the
 * button POSTs the same signed values, which acknowledges the alert (`acknowledgedVia: link`).
 * Public: the signature is the proof; a bad or expired link is a 403 that says only that.
 */
@Controller(ACK_PATH.split('/').filter(Boolean).join('/'))
export class AlertAckController {
  constructor(
    private readonly alerts: AlertsService,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Public()
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  show(@Query() q: AckQuery, @Res({ passthrough: true }) res: ServerResponse): string {
    if (!verifyAck(this.config.credentialsKey, q, new Date())) {
      res.statusCode = 403;
      return page(
        'Link not valid',
        '<p>This acknowledge link is not valid or has expired (links last 7 days).</p>',
      );
    }
    const action = `${ACK_PATH}?${new URLSearchParams({ alert: q.alert!, exp: q.exp!, sig: q.sig! }).toString()}`;
    return page(
      'Acknowledge alert / 确认告警',
      `<p>Alert ${escape(q.alert!)}</p><form method="post" action="${escape(action)}">` +
        `<button type="submit" style="font-size:1.2em">Acknowledge / 确认</button></form>`,
    );
  }

  @Public()
  @Post()
  @HttpCode(200)
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async acknowledge(
    @Query() q: AckQuery,
    @Req() req: IncomingMessage,
    @Res({ passthrough: true }) res: ServerResponse,
  ): Promise<string> {
    if (!verifyAck(this.config.credentialsKey, q, new Date())) {
      res.statusCode = 403;
      return page('Link not valid', '<p>This acknowledge link is not valid or has expired.</p>');
    }
    const alert = await this.alerts.acknowledge(q.alert, null, 'link').catch(() => null);
    // Nobody signed in: the audit log keeps who the request came from.
    await appendAudit(this.dataSource, {
      actorId: null,
      actorName: null,
      roles: [],
      address: req.socket.remoteAddress ?? null,
      userAgent: req.headers['user-agent'] ?? null,
      kind: 'mutation',
      operation: 'acknowledgeAlert (signed link)',
      arguments: { id: q.alert },
      outcome: alert ? 'OK' : 'ERROR',
      errorCode: alert ? null : 'CONFLICT',
      durationMs: null,
    });
    if (!alert) {
      res.statusCode = 409;
      return page('Not acknowledged', '<p>The alert is resolved or no longer exists.</p>');
    }
    return page(
      'Acknowledged / 已确认',
      `<p>${escape(alert.ruleName)}: ${escape(alert.status)}${alert.acknowledgedAt ? ` (${alert.acknowledgedAt.toISOString()})` : ''}</p>`,
    );
  }
}
