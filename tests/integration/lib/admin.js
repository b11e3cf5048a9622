// Admin requests to janus.plugin.vmr through the Janus Admin API (janus-admin-protocol).
'use strict';
const { JanusClient } = require('./janus-client');

async function vmrAdmin(svc, request) {
  const admin = await JanusClient.connect(svc.adminWsUrl, 'janus-admin-protocol');
  try {
    const r = await admin.request({ janus: 'message_plugin', plugin: 'janus.plugin.vmr', admin_secret: svc.adminSecret, request });
    if (r.janus !== 'success') throw new Error('admin request failed: ' + JSON.stringify(r));
    return r.response;
  } finally {
    admin.close();
  }
}

/** A Janus API client with a session and a janus.plugin.vmr handle; `req(body)` returns the plugin's answer data. */
async function vmrClient(svc) {
  const c = await JanusClient.connect(svc.wsUrl);
  await c.createSession();
  const handle = await c.attach('janus.plugin.vmr');
  c.handle = handle;
  c.req = async (body, jsep) => (await c.message(handle, body, jsep)).data;
  /** Waits for an asynchronous plugin event matching pred(data). */
  c.event = async (pred, timeoutMs = 10000, what = 'plugin event') => {
    const m = await c.waitFor((x) => x.janus === 'event' && x.sender === handle && x.plugindata && pred(x.plugindata.data), timeoutMs, what);
    return m.plugindata.data;
  };
  return c;
}

module.exports = { vmrAdmin, vmrClient };
