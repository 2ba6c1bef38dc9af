// A real js-libp2p peer (libp2p 3 + TCP + Noise + Yamux + identify + ping) that Shoal's interop tests drive.
//
// Start:  node --import ./polyfill.mjs peer.mjs [--seed TEXT] [--listen MULTIADDR]... [--no-listen]
//   --seed TEXT      deterministic Ed25519 identity: generateKeyPairFromSeed('Ed25519', sha256(TEXT))
//   --listen MA      listen address (repeatable; default /ip4/127.0.0.1/tcp/0)
//   --no-listen      dial-only peer
//
// Output (stdout, one JSON object per line):
//   first line:  {"event":"ready","peerId":"12D3KooW...","addrs":["/ip4/127.0.0.1/tcp/N/p2p/..."],"protocols":[...]}
//   events:      {"event":"peer:connect","peerId":...} {"event":"peer:disconnect","peerId":...}
//                {"event":"peer:identify","peerId":...,"agentVersion":...,"protocols":[...],"listenAddrs":[...]}
//   replies:     {"id":N,"ok":true,...result} or {"id":N,"ok":false,"error":"message"}
// Diagnostics go to stderr.
//
// Commands (stdin, one JSON object per line, each with a numeric "id" echoed in the reply):
//   {"id":1,"cmd":"dial","addr":MA}                     -> {peerId}
//   {"id":2,"cmd":"ping","target":MA|PEERID,"count":N}  -> {rtts:[ms...]}
//   {"id":3,"cmd":"identify","peer":PEERID}             -> {peerId,agentVersion,protocolVersion,protocols,listenAddrs,observedAddr}
//   {"id":4,"cmd":"echo","target":MA|PEERID,"protocol":P,"bytes":N}
//        opens a stream, sends N random bytes, half-closes, reads the echo -> {sent,received,sentSha256,receivedSha256,ms}
//   {"id":5,"cmd":"streams","target":MA|PEERID,"protocol":P,"count":C,"bytes":N}
//        C concurrent echo streams of N bytes each -> {ok:true,allEqual:bool,ms}
//   {"id":6,"cmd":"peers"}                              -> {peers:[...]}
//   {"id":7,"cmd":"hangup","peer":PEERID}               -> {}
//   {"id":8,"cmd":"stop"}                               -> {} then the process exits
// Served protocols: /ipfs/id/1.0.0, /ipfs/ping/1.0.0, and ECHO_PROTOCOL (echoes each stream until the peer half-closes).
//
// Extending: add a handler to `commands` (name -> async (msg) => result object) and, if it needs a libp2p service,
// add the service in `buildServices()` behind a flag (e.g. --bitswap, --dht) so the default peer stays small.

import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { generateKeyPairFromSeed, generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { createHash, randomBytes } from 'node:crypto'
import { createInterface } from 'node:readline'

export const ECHO_PROTOCOL = '/shoal-test/echo/1.0.0'
// js defaults to 32 inbound streams per protocol; the tests run 100 at once.
const STREAM_LIMIT = 1024

const args = process.argv.slice(2)
const flag = (name) => args.includes(name)
const values = (name) => args.flatMap((a, i) => (a === name && i + 1 < args.length ? [args[i + 1]] : []))

const emit = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')
const log = (...m) => process.stderr.write(m.join(' ') + '\n')
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex')

async function privateKey () {
  const seed = values('--seed')[0]
  if (seed === undefined) return generateKeyPair('Ed25519')
  return generateKeyPairFromSeed('Ed25519', createHash('sha256').update(seed, 'utf8').digest())
}

function buildServices () {
  return {
    identify: identify(),
    ping: ping()
  }
}

const listen = flag('--no-listen') ? [] : (values('--listen').length > 0 ? values('--listen') : ['/ip4/127.0.0.1/tcp/0'])
const node = await createLibp2p({
  privateKey: await privateKey(),
  addresses: { listen },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  peerDiscovery: [],
  services: buildServices()
})

await node.handle(ECHO_PROTOCOL, async (stream) => {
  try {
    for await (const chunk of stream) {
      if (!stream.send(chunk)) await stream.onDrain()
    }
    await stream.close()
  } catch (err) {
    log('echo handler:', err.message)
    stream.abort(err)
  }
}, { maxInboundStreams: STREAM_LIMIT, maxOutboundStreams: STREAM_LIMIT })

node.addEventListener('peer:connect', (e) => emit({ event: 'peer:connect', peerId: e.detail.toString() }))
node.addEventListener('peer:disconnect', (e) => emit({ event: 'peer:disconnect', peerId: e.detail.toString() }))
node.addEventListener('peer:identify', (e) => emit({
  event: 'peer:identify',
  peerId: e.detail.peerId.toString(),
  agentVersion: e.detail.agentVersion,
  protocolVersion: e.detail.protocolVersion,
  protocols: e.detail.protocols,
  listenAddrs: e.detail.listenAddrs.map(a => a.toString())
}))

const target = (t) => (t.startsWith('/') ? multiaddr(t) : peerIdFromString(t))

async function sendAll (stream, data) {
  const chunk = 64 * 1024
  for (let o = 0; o < data.length; o += chunk) {
    if (!stream.send(data.subarray(o, Math.min(o + chunk, data.length)))) await stream.onDrain()
  }
  await stream.close()
}

async function readAll (stream) {
  const parts = []
  let length = 0
  for await (const chunk of stream) {
    const bytes = chunk.subarray()
    parts.push(bytes)
    length += bytes.length
  }
  return Buffer.concat(parts, length)
}

async function echoOnce (msg, bytes) {
  const data = randomBytes(bytes)
  const stream = await node.dialProtocol(target(msg.target), msg.protocol, { runOnLimitedConnection: true })
  const [, received] = await Promise.all([sendAll(stream, data), readAll(stream)])
  return { data, received }
}

const commands = {
  async dial (msg) {
    const conn = await node.dial(multiaddr(msg.addr))
    return { peerId: conn.remotePeer.toString() }
  },
  async ping (msg) {
    const rtts = []
    for (let i = 0; i < (msg.count ?? 1); i++) rtts.push(await node.services.ping.ping(target(msg.target)))
    return { rtts }
  },
  async identify (msg) {
    const peer = peerIdFromString(msg.peer)
    const conn = node.getConnections(peer)[0] ?? await node.dial(peer)
    const r = await node.services.identify.identify(conn)
    return {
      peerId: r.peerId.toString(),
      agentVersion: r.agentVersion,
      protocolVersion: r.protocolVersion,
      protocols: r.protocols,
      listenAddrs: r.listenAddrs.map(a => a.toString()),
      observedAddr: r.observedAddr?.toString()
    }
  },
  async echo (msg) {
    const start = performance.now()
    const { data, received } = await echoOnce(msg, msg.bytes)
    return { sent: data.length, received: received.length, sentSha256: sha256(data), receivedSha256: sha256(received), ms: performance.now() - start }
  },
  async streams (msg) {
    const start = performance.now()
    const results = await Promise.all(Array.from({ length: msg.count }, () => echoOnce(msg, msg.bytes)))
    return { allEqual: results.every(r => r.data.equals(r.received)), ms: performance.now() - start }
  },
  async peers () {
    return { peers: node.getPeers().map(p => p.toString()) }
  },
  async hangup (msg) {
    await node.hangUp(peerIdFromString(msg.peer))
    return {}
  },
  async stop () {
    setImmediate(async () => { await node.stop(); process.exit(0) })
    return {}
  }
}

emit({
  event: 'ready',
  peerId: node.peerId.toString(),
  addrs: node.getMultiaddrs().map(a => a.toString()),
  protocols: node.getProtocols()
})

const rl = createInterface({ input: process.stdin })
rl.on('line', async (line) => {
  if (line.trim() === '') return
  let msg
  try { msg = JSON.parse(line) } catch (err) { emit({ event: 'error', error: `bad command line: ${err.message}` }); return }
  const handler = commands[msg.cmd]
  if (handler === undefined) { emit({ id: msg.id, ok: false, error: `unknown command '${msg.cmd}'` }); return }
  try {
    emit({ id: msg.id, ok: true, ...(await handler(msg)) })
  } catch (err) {
    emit({ id: msg.id, ok: false, error: err.message ?? String(err) })
  }
})
rl.on('close', async () => { await node.stop(); process.exit(0) })
