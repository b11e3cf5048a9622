// Test media made at run time with ffmpeg (nothing binary is committed).
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { OUT } = require('./service');

/** A solid-colour y4m clip for chromium's fake camera; colour like "red" or "0x0000ff". */
function colourClip(name, colour, { width = 640, height = 480, seconds = 2 } = {}) {
  fs.mkdirSync(OUT, { recursive: true });
  // The colour and size are in the file's name: two tests that pick the same name for
  // different clips (a 'green' that is lime, a 'green' that is green) must not share one.
  const file = path.join(OUT, `${name}-${String(colour).replace(/[^A-Za-z0-9]/g, '')}-${width}x${height}-${seconds}s.y4m`);
  if (!fs.existsSync(file)) {
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=${colour}:s=${width}x${height}:r=15:d=${seconds}`,
      '-pix_fmt', 'yuv420p', '-threads', '1', '-bitexact', file]);
  }
  return file;
}

/** A WAV tone for chromium's fake microphone (loud enough to be a talker). */
function toneWav(name, freq, { seconds = 10 } = {}) {
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, `${name}-${freq}hz-${seconds}s.wav`);
  if (!fs.existsSync(file)) {
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=${freq}:sample_rate=48000:duration=${seconds}`,
      '-ac', '1', '-threads', '1', '-bitexact', file]);
  }
  return file;
}

/**
 * A WAV that an Opus encoder takes for speech, unlike a steady tone (its voice detector calls
 * a tone background after a while, and codes no in-band FEC for it): six harmonics of a pitch
 * gliding f0 ± 40 Hz at 0.7 Hz, loudness swinging at 3 Hz like syllables.
 */
function speechWav(name, f0, { seconds = 10 } = {}) {
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, `${name}-speech${f0}-${seconds}s.wav`);
  if (!fs.existsSync(file)) {
    // phase of f0 + 40 sin(2 pi 0.7 t): 2 pi (f0 t - 40 / (2 pi 0.7) cos(2 pi 0.7 t))
    const ph = `(2*PI*(${f0}*t-9.0946*cos(4.3982*t)))`;
    const harmonics = [1, 2, 3, 4, 5, 6].map((k) => `sin(${k}*${ph})/${k}`).join('+');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i',
      `aevalsrc=0.18*(0.55+0.45*sin(2*PI*3*t))*(${harmonics}):s=48000:d=${seconds}`,
      '-ac', '1', '-threads', '1', '-bitexact', file]);
  }
  return file;
}

/** A silent WAV (a participant that never talks). */
function silenceWav(name, { seconds = 10 } = {}) {
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, `${name}-${seconds}s.wav`);
  if (!fs.existsSync(file)) {
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `anullsrc=r=48000:cl=mono`, '-t', String(seconds),
      '-threads', '1', '-bitexact', file]);
  }
  return file;
}

/** The frames of an IVF file (VP8 made with ffmpeg), each a Buffer. */
function readIvf(file) {
  const b = fs.readFileSync(file);
  const frames = [];
  for (let off = b.readUInt16LE(6); off + 12 <= b.length;) {
    const n = b.readUInt32LE(off);
    frames.push(b.subarray(off + 12, off + 12 + n));
    off += 12 + n;
  }
  return frames;
}

module.exports = { colourClip, toneWav, speechWav, silenceWav, readIvf };
