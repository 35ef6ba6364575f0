#!/usr/bin/env node
// An SMSC built on the independent npm `smpp` package (tests/interop/package-lock.json pins
// it), for smsgw's SMPP interop test and benchmark: it checks bind_transceiver credentials,
// answers submit_sm with hex message ids and, for registered_delivery, sends a receipt as a
// deliver_sm (receipted_message_id and message_state TLVs, and the Appendix B text with the id
// in decimal). It listens on 127.0.0.1 only.
//
//   node smsc.js [--port N] [--system-id ID] [--password PW] [--quiet] [--progress MS]
//
// Prints {"port": N} once listening, then (unless --quiet) one JSON line per submit_sm, with
// --progress a {"progress": {...}} line every MS milliseconds, and on SIGTERM or SIGUSR1 a
// {"summary": ...} line. receipt_ms is, per receipt answered with status 0, the time from its
// submit_sm arriving to its deliver_sm_resp (the client commits the receipt before answering).
'use strict';
const smpp = require('smpp');

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const port = Number(opt('--port', '0'));
const systemId = opt('--system-id', 'smsgw');
const password = opt('--password', 'secret');
const quiet = args.includes('--quiet');
const progress = Number(opt('--progress', '0'));
const latencies = [];

let nextId = 0x10000;
const stats = { binds: 0, refused: 0, submits: 0, receipts: 0, receipts_acked: 0, unbinds: 0 };
let sessions = 0;

// The raw octets of short_message whatever the package decoded them into.
function rawShortMessage(pdu) {
  const sm = pdu.short_message;
  if (Buffer.isBuffer(sm)) return sm;
  if (sm && typeof sm === 'object') {
    const udh = sm.udh ? Buffer.concat(sm.udh.map((u) => Buffer.concat([Buffer.from([u.length]), u]))) : Buffer.alloc(0);
    const body = Buffer.isBuffer(sm.message) ? sm.message
      : smpp.encodings[pdu.data_coding === 8 ? 'UCS2' : 'ASCII'].encode(String(sm.message || ''));
    return Buffer.concat([udh, body]);
  }
  return Buffer.from(String(sm || ''), 'latin1');
}

function now() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return p(d.getUTCFullYear() % 100) + p(d.getUTCMonth() + 1) + p(d.getUTCDate()) + p(d.getUTCHours()) + p(d.getUTCMinutes());
}

const server = smpp.createServer({ debug: false }, (session) => {
  sessions += 1;
  let bound = false;
  session.on('error', () => {});
  session.on('close', () => {
    sessions -= 1;
  });
  session.on('bind_transceiver', (pdu) => {
    if (pdu.system_id !== systemId || pdu.password !== password) {
      stats.refused += 1;
      session.send(pdu.response({ command_status: pdu.system_id !== systemId ? smpp.ESME_RINVSYSID : smpp.ESME_RINVPASWD }));
      return;
    }
    bound = true;
    stats.binds += 1;
    session.send(pdu.response({ system_id: 'NPMSMSC' }));
  });
  session.on('submit_sm', (pdu) => {
    if (!bound) {
      session.send(pdu.response({ command_status: smpp.ESME_RINVBNDSTS }));
      return;
    }
    stats.submits += 1;
    const arrived = process.hrtime.bigint();
    const id = nextId++;
    const hex = id.toString(16).toUpperCase();
    session.send(pdu.response({ message_id: hex }));
    if (!quiet) {
      process.stdout.write(JSON.stringify({
        submit: {
          source_addr: pdu.source_addr, destination_addr: pdu.destination_addr, esm_class: pdu.esm_class,
          data_coding: pdu.data_coding, registered_delivery: pdu.registered_delivery,
          short_message: rawShortMessage(pdu).toString('hex'), message_id: hex,
        },
      }) + '\n');
    }
    if ((pdu.registered_delivery & 1) === 0) return;
    stats.receipts += 1;
    const date = now();
    session.deliver_sm({
      source_addr: pdu.destination_addr,
      destination_addr: pdu.source_addr,
      esm_class: 0x04,
      short_message: 'id:' + id + ' sub:001 dlvrd:001 submit date:' + date + ' done date:' + date + ' stat:DELIVRD err:000 text:',
      receipted_message_id: hex,
      message_state: 2,
    }, (resp) => {
      if (resp.command_status !== 0) return;
      stats.receipts_acked += 1;
      latencies.push(Number(process.hrtime.bigint() - arrived) / 1e6);
    });
  });
  session.on('enquire_link', (pdu) => session.send(pdu.response()));
  session.on('unbind', (pdu) => {
    stats.unbinds += 1;
    session.send(pdu.response());
    session.close();
  });
});

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}
function summary() {
  const sorted = latencies.slice().sort((a, b) => a - b);
  const receipt_ms = { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] || null };
  process.stdout.write(JSON.stringify({ summary: Object.assign({ receipt_ms }, stats) }) + '\n');
}
if (progress > 0) {
  setInterval(() => process.stdout.write(JSON.stringify({ progress: stats }) + '\n'), progress).unref();
}
process.on('SIGTERM', () => {
  summary();
  process.exit(0);
});
process.on('SIGUSR1', summary);

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
