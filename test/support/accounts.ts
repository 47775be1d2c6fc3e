import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { GraphQLResponse } from '../../scripts/graphql-client';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON from the API, checked by each test
export type Answer = { status: number; body: any; text: string; setCookie: string[] };

/**
 * A browser: keeps the cookies the API sets (and drops the ones it expires), remembers the CSRF
 * token of the last sign-in answer and sends it as x-csrf-token with what it posts.
 */
export class Browser {
  cookies = new Map<string, string>();
  csrf: string | null = null;

  /** `onAnswer` sees the text of every answer (to look for secrets in them). */
  constructor(
    private readonly url: string,
    private readonly onAnswer?: (text: string) => void,
  ) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(setCookie: string[]): void {
    for (const line of setCookie) {
      const [pair, ...attributes] = line.split(';');
      const [name, value] = pair.split('=');
      const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || !value) this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value.trim());
    }
  }

  /** POSTs JSON; `withCsrf: false` leaves the CSRF header out (to see a mutation refused). */
  async post(path: string, body: unknown, withCsrf = true): Promise<Answer> {
    const response = await fetch(`${this.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: this.cookieHeader(),
        ...(withCsrf && this.csrf ? { 'x-csrf-token': this.csrf } : {}),
      },
      body: JSON.stringify(body),
    });
    const setCookie = response.headers.getSetCookie();
    this.keep(setCookie);
    const text = await response.text();
    this.onAnswer?.(text);
    const answer: Answer = { status: response.status, body: text ? JSON.parse(text) : null, text, setCookie };
    if (answer.status === 200 && typeof answer.body?.csrfToken === 'string')
      this.csrf = answer.body.csrfToken;
    return answer;
  }

  login(username: string, password: string): Promise<Answer> {
    return this.post('/auth/login', { username, password }, false);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  async gql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    withCsrf = true,
  ): Promise<GraphQLResponse<T>> {
    return (await this.post('/graphql', { query, variables }, withCsrf)).body as GraphQLResponse<T>;
  }
}

/** A real SMTP server (`smtp-server`) on loopback that keeps every message it receives. */
export class MailCatcher {
  /** Every message received and not yet taken, raw (headers and body). */
  readonly mails: string[] = [];

  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData: (stream, _session, callback) => {
      let data = '';
      stream.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
      stream.on('end', () => {
        this.mails.push(data);
        callback();
      });
    },
  });

  private constructor() {}

  static async start(): Promise<MailCatcher> {
    const catcher = new MailCatcher();
    await new Promise<void>((resolve) => catcher.server.listen(0, '127.0.0.1', resolve));
    return catcher;
  }

  /** SMTP_URL for the API. */
  get url(): string {
    return `smtp://127.0.0.1:${(this.server.server.address() as AddressInfo).port}`;
  }

  /** Takes the next message to `to` (waiting up to 5 s), its quoted-printable soft breaks and =3D undone. */
  async next(to: string): Promise<string> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const index = this.mails.findIndex((m) => m.includes(to));
      if (index >= 0)
        return this.mails
          .splice(index, 1)[0]
          .replace(/=\r?\n/g, '')
          .replace(/=3D/g, '=');
      if (Date.now() > deadline) throw new Error(`no mail to ${to}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The token of the next link to `path` mailed to `to`. */
  async linkToken(to: string, path: string, prefix: string): Promise<string> {
    const text = await this.next(to);
    const match = new RegExp(`${path.replace(/[/]/g, '\\/')}\\?token=(${prefix}[A-Za-z0-9_-]+)`).exec(text);
    if (!match) throw new Error(`the mail to ${to} has no ${path} link`);
    return match[1];
  }

  close(): Promise<void> {
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
