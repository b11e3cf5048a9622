// One Janus Admin API request over WebSocket (janus-admin-protocol), for tests/package/install-test.sh:
//   node admin-request.js <ws url> '<JSON request>'   prints the answer (JSON) on stdout.
'use strict';
const { JanusClient } = require('../integration/lib/janus-client');

(async () => {
  const admin = await JanusClient.connect(process.argv[2], 'janus-admin-protocol');
  try {
    console.log(JSON.stringify(await admin.request(JSON.parse(process.argv[3]))));
  } finally {
    admin.close();
  }
})().catch((e) => { console.error(String(e)); process.exit(1); });
