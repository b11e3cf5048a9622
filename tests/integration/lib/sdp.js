// A minimal SDP offer that the Janus core accepts (PCMU audio only) but that no browser needs
// to make: who may join is decided before the offer is answered, so refused joins can be
// tested without WebRTC; an accepted one stops at 421 (no Opus/VP8).
'use strict';
const FINGERPRINT = Array.from({ length: 32 }, (_, i) => (i * 7 % 256).toString(16).padStart(2, '0').toUpperCase()).join(':');
const DUMMY_OFFER = { type: 'offer', sdp: [
  'v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 0', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=sendrecv', 'a=rtcp-mux',
  'a=ice-ufrag:tpaasufrag', 'a=ice-pwd:tpaaspasswordpasswordpass', `a=fingerprint:sha-256 ${FINGERPRINT}`,
  'a=setup:actpass', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n') };
// The same with Opus: the VMR plugin accepts it and joins the MCU (ICE never completes: no browser).
const OPUS_OFFER = { type: 'offer', sdp: DUMMY_OFFER.sdp.replace('SAVPF 0', 'SAVPF 111').replace('a=rtpmap:0 PCMU/8000', 'a=rtpmap:111 opus/48000/2') };
module.exports = { DUMMY_OFFER, OPUS_OFFER };
