// A real SMTP server (npm smtp-server) on loopback that keeps every message it receives.
'use strict';
const { SMTPServer } = require('smtp-server');

async function startSmtp() {
  const messages = [];
  const waiters = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', () => {
        const msg = {
          from: session.envelope.mailFrom && session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        };
        messages.push(msg);
        waiters.splice(0).forEach((w) => w());
        callback();
      });
    },
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.server.address().port,
    messages,
    /** Resolves with the first message to `address` (waits up to timeoutMs). */
    async waitFor(address, timeoutMs = 10000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = messages.find((x) => x.to.includes(address));
        if (m) return m;
        if (Date.now() > deadline) throw new Error(`no mail for ${address} after ${timeoutMs} ms`);
        await new Promise((r) => { waiters.push(r); setTimeout(r, 200); });
      }
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Decodes the parts of a MIME message we send (quoted-printable or base64, UTF-8). */
function mimeParts(raw) {
  const boundary = (raw.match(/boundary="?([^";\r\n]+)"?/i) || [])[1];
  const chunks = boundary ? raw.split('--' + boundary).slice(1, -1) : [raw.split(/\r?\n\r?\n/).slice(1).join('\n\n')];
  return chunks.map((chunk) => {
    const sep = chunk.search(/\r?\n\r?\n/);
    const head = chunk.slice(0, sep), body = chunk.slice(sep).replace(/^\r?\n\r?\n/, '');
    const type = ((head.match(/content-type:\s*([^;\r\n]+)/i) || [])[1] || 'text/plain').toLowerCase();
    const enc = ((head.match(/content-transfer-encoding:\s*(\S+)/i) || [])[1] || '7bit').toLowerCase();
    let text;
    if (enc === 'base64') text = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    else if (enc === 'quoted-printable') {
      const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
      text = Buffer.from(bytes, 'latin1').toString('utf8');
    } else text = body;
    return { type, text };
  });
}

/** Header value (first occurrence, unfolded). */
function header(raw, name) {
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  const m = head.match(new RegExp('^' + name + ':\\s*(.*)$', 'im'));
  return m ? m[1] : null;
}

module.exports = { startSmtp, mimeParts, header };
