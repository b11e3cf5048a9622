// A private coturn (Debian's turnserver) for the TURN tests: TURN REST credentials
// (use-auth-secret + static-auth-secret), on the namespace's veth address only, UDP/TCP and TLS
// with a self-signed certificate made here; relays only to that address (the service's).
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const { OUT } = require('./service');

const IP = '10.99.0.1';

function waitTcp(host, port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = net.connect(port, host);
      s.once('connect', () => { s.destroy(); resolve(); });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`coturn not listening on ${host}:${port}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/** Starts coturn; resolves with { ip, port, tlsPort, secret, urls, log(), stop() }. */
async function startCoturn({ port = 3478, tlsPort = 5349 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tpaas-coturn-'));
  const secret = crypto.randomBytes(24).toString('hex');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${IP}`,
    '-addext', `subjectAltName=IP:${IP}`, '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')],
  { stdio: 'ignore' });
  const logFile = path.join(OUT, 'coturn.log');
  fs.mkdirSync(OUT, { recursive: true });
  fs.rmSync(logFile, { force: true });
  const conf = [
    `listening-ip=${IP}`, `relay-ip=${IP}`, `listening-port=${port}`, `tls-listening-port=${tlsPort}`,
    'min-port=49152', 'max-port=49252', 'realm=tpaas.test', 'use-auth-secret', `static-auth-secret=${secret}`,
    'fingerprint', `cert=${path.join(dir, 'cert.pem')}`, `pkey=${path.join(dir, 'key.pem')}`,
    'no-tlsv1', 'no-tlsv1_1', 'no-dtls', 'no-cli', 'no-multicast-peers', 'no-software-attribute',
    // the relay may only reach the service's address
    'denied-peer-ip=0.0.0.0-255.255.255.255', `allowed-peer-ip=${IP}`,
    `userdb=${path.join(dir, 'turndb')}`, `pidfile=${path.join(dir, 'turnserver.pid')}`,
    `log-file=${logFile}`, 'simple-log', 'verbose', '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'turnserver.conf'), conf);
  const child = spawn('/usr/bin/turnserver', ['-c', path.join(dir, 'turnserver.conf')], { stdio: 'ignore' });
  await waitTcp(IP, port, 10000);
  await waitTcp(IP, tlsPort, 10000);
  return {
    ip: IP, port, tlsPort, secret,
    urls: [`turn:${IP}:${port}?transport=udp`, `turn:${IP}:${port}?transport=tcp`, `turns:${IP}:${tlsPort}?transport=tcp`],
    log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { startCoturn, TURN_IP: IP };
