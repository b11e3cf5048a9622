// Content sharing signalling over the plain Janus API (what a mobile app sends; no WebRTC
// needed): present, stop_presenting and receive_content refuse what does not fit with clear
// errors (420, 433, 434, 414), the content m-line is answered by its direction and marked
// a=content:slides, and an offer that drops the content stream ends a presentation.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startService } = require('./lib/service');
const { JanusClient } = require('./lib/janus-client');
const { OPUS_OFFER } = require('./lib/sdp');

let svc;
before(async () => {
  svc = await startService({ name: 'content-signalling' });
});
after(async () => {
  if (svc) await svc.stop();
});

// An Opus + VP8 offer; `content` adds a second VP8 video m-line with that direction.
function offer({ content } = {}) {
  let sdp = OPUS_OFFER.sdp.replace('a=group:BUNDLE 0', content ? 'a=group:BUNDLE 0 1 2' : 'a=group:BUNDLE 0 1');
  const video = (mid, dir) => [`m=video 9 UDP/TLS/RTP/SAVPF 96`, 'c=IN IP4 0.0.0.0', `a=mid:${mid}`, `a=${dir}`, 'a=rtcp-mux',
    'a=rtpmap:96 VP8/90000', 'a=rtcp-fb:96 nack pli', ''].join('\r\n');
  sdp += video(1, 'sendrecv');
  if (content) sdp += video(2, content);
  return { type: 'offer', sdp };
}

function expectError(r, code) {
  assert.ok(r.data, `a plugin answer: ${JSON.stringify(r.raw)}`);
  assert.equal(r.data.error_code, code, JSON.stringify(r.data));
  assert.ok(typeof r.data.error === 'string' && r.data.error.length > 0);
}

test('present, stop and receive_content refuse what does not fit, with clear errors', async () => {
  const client = await JanusClient.connect(svc.wsUrl);
  try {
    await client.createSession();
    const h = await client.attach('janus.plugin.vmr');
    expectError(await client.message(h, { request: 'present' }), 420);           // not in a room
    const joined = await client.message(h, { request: 'join', room: 'demo', display: 'Dave', client: 'app' }, offer());
    assert.equal(joined.data.vmr, 'joined', JSON.stringify(joined.data));
    assert.ok('content' in joined.data, 'the joined answer says who presents');
    expectError(await client.message(h, { request: 'present' }), 433);           // no second video m-line
    expectError(await client.message(h, { request: 'receive_content' }), 433);
    expectError(await client.message(h, { request: 'stop_presenting' }), 434);   // not presenting
    expectError(await client.message(h, { request: 'present', screen: 1 }), 414); // unknown field
    expectError(await client.message(h, { request: 'receive_content', enabled: 'yes' }), 414);
    // a recvonly content m-line: can receive, cannot present
    const recv = await client.message(h, { request: 'receive_content' }, offer({ content: 'recvonly' }));
    assert.equal(recv.data.result, 'ok', JSON.stringify(recv.data));
    assert.equal(recv.data.receiving_content, true);
    assert.match(recv.jsep.sdp, /a=content:slides/);
    assert.match(recv.jsep.sdp.split('m=video')[2], /a=sendonly/, 'we send on the content m-line');
    expectError(await client.message(h, { request: 'present' }), 433);
    // sendonly: presents; twice is refused; stop; stop again is refused
    const pres = await client.message(h, { request: 'present' }, offer({ content: 'sendonly' }));
    assert.equal(pres.data.presenting, true, JSON.stringify(pres.data));
    assert.match(pres.jsep.sdp.split('m=video')[2], /a=recvonly/);
    expectError(await client.message(h, { request: 'present' }), 434);
    const stop = await client.message(h, { request: 'stop_presenting' });
    assert.equal(stop.data.presenting, false, JSON.stringify(stop.data));
    expectError(await client.message(h, { request: 'stop_presenting' }), 434);
    // an offer that drops the content stream while presenting stops the presentation
    assert.equal((await client.message(h, { request: 'present' })).data.presenting, true);
    const conf = await client.message(h, { request: 'configure' }, offer());
    assert.equal(conf.data.result, 'ok');
    await svc.expectLog(/stopped presenting: its new offer has no content stream/);
    expectError(await client.message(h, { request: 'stop_presenting' }), 434);
    // garbage SDP with present: an error (the Janus core's or ours), nothing presents
    const bad = await client.message(h, { request: 'present' }, { type: 'offer', sdp: 'v=0\r\nm=video banana\r\n' });
    assert.ok(bad.janus === 'error' || (bad.data && bad.data.error_code), JSON.stringify(bad.raw));
    assert.equal((await client.message(h, { request: 'leave' })).data.result, 'left');
  } finally {
    client.close();
  }
  assert.ok(svc.isRunning(), 'janus still runs');
});
