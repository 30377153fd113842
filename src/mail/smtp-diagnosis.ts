// What an operator reads when the mail server cannot be used: the setting, what was tried, and the likely cause.

/** What a transport reports of a failure (nodemailer's shape). */
export interface SmtpFailureFacts {
  /** The transport's code: ESOCKET, ECONNECTION, ETIMEDOUT, EDNS, ETLS, EAUTH, … */
  code?: string | undefined;
  message: string;
  responseCode?: number | undefined;
  /** The SMTP command that failed: CONN, AUTH PLAIN, MAIL FROM, … */
  command?: string | undefined;
  response?: string | undefined;
}

/** Where gazette tried to send. */
export interface SmtpTarget {
  /** SMTP_URL with its password replaced (see redactSmtpUrl). */
  url: string;
  host: string;
  port: number;
  /** smtps://: TLS from the first byte. */
  secure: boolean;
}

/**
 * One line for a failure to reach or use the mail server, naming SMTP_URL (never its password), what was
 * tried, and the cause it most likely has, e.g. `SMTP_URL smtps://mail.example.org:2525: the server answered in
 * plain text where TLS was expected: … use smtp:// for this port`. The transport's own words follow in brackets.
 */
export function explainSmtpFailure(failure: SmtpFailureFacts, target: SmtpTarget): string {
  const where = `${target.host}:${target.port}`;
  const detail = failure.message.split('\n')[0]!.trim();
  const say = (what: string): string => `SMTP_URL ${target.url}: ${what} (${detail})`;
  const text = `${failure.message} ${failure.response ?? ''}`;
  if (/ECONNREFUSED/.test(text))
    return say(
      `nothing accepts connections at ${where}: is the mail server running, and is the port right? ` +
        '(25 for relaying, 587 for submission with STARTTLS, 465 for smtps://)',
    );
  if (/ENOTFOUND|EAI_AGAIN|EAI_NONAME/.test(text) || failure.code === 'EDNS')
    return say(`the host name ${target.host} does not resolve: check the host in SMTP_URL, and this machine's DNS`);
  if (/wrong version number|packet length too long|ssl3_get_record|unknown protocol|http request/i.test(text))
    return target.secure
      ? say(
          `the server at ${where} answered in plain text where TLS was expected: smtps:// is TLS from the first ` +
            `byte (usually port 465); for a server that starts in plain text (25, 587) use smtp://, and gazette ` +
            'upgrades with STARTTLS when the server offers it',
        )
      : say(`the TLS handshake with ${where} failed: the server may want another TLS version or port`);
  if (/certificate|self[- ]signed|altnames|CERT_/i.test(text))
    return say(
      `the TLS certificate of ${where} is not trusted: it is expired, self-signed, or for another name than ` +
        `${target.host}; use the host name the certificate is for`,
    );
  if (/greeting never received/i.test(text))
    return target.secure
      ? say(`${where} accepted the connection but never greeted: it may not be a mail server`)
      : say(
          `${where} accepted the connection but never greeted: a port that expects TLS from the first byte ` +
            '(465) needs smtps://',
        );
  if (failure.code === 'ETIMEDOUT' || /timed? ?out/i.test(text))
    return say(
      `no answer from ${where} in time: a firewall may drop the port (many networks block 25), or the host is wrong`,
    );
  if (failure.code === 'EAUTH' || (failure.command?.startsWith('AUTH') ?? false) || failure.responseCode === 535)
    return say(
      'the server refused the user name and password in SMTP_URL: check them (a password holding @, : or / must ' +
        'be percent-encoded in the URL)',
    );
  if (failure.responseCode === 530 || /authentication required/i.test(text))
    return say('the server wants a login before it takes mail: put user:password@ in SMTP_URL');
  if (/ECONNRESET|Connection closed|socket hang up|EPIPE/i.test(text))
    return say(`${where} closed the connection: it may limit connections from this address, or want TLS (smtps://)`);
  if (failure.command === 'MAIL FROM')
    return say('the server refused the sender address: is digest.from an address this server may send for?');
  return say(`the mail server at ${where} could not be used`);
}

/** The URL as an operator may see it in a message or a log: the password replaced by `***`. */
export function redactSmtpUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
  }
}
