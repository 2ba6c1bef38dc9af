// A real Helia node (Helia 7 + @helia/bitswap, libp2p TCP + Noise + Yamux) that Shoal's Bitswap interop tests drive.
//
// Start:  node --import ./polyfill.mjs bitswap-peer.mjs [--seed TEXT]
// Output and commands follow peer.mjs: a ready line {"event":"ready","peerId","addrs","protocols"}, then one JSON
// reply per command line {"id":N,"ok":true,...} or {"id":N,"ok":false,"error":...}; diagnostics on stderr.
//
// Commands:
//   {"id":1,"cmd":"dial","addr":MA}                                   -> {peerId}
//   {"id":2,"cmd":"add","path":FILE,"profile":"helia"|"kubo"|"kubo-v1"} -> {cid,size,ms}   imports the file (no wrapping dir)
//   {"id":3,"cmd":"cat","cid":CID,"timeoutMs":N}                      -> {size,sha256,ms} fetches through Bitswap
//   {"id":4,"cmd":"get","cid":CID,"path":FILE,"timeoutMs":N}          -> {size,ms}        fetches into a file
//   {"id":5,"cmd":"stats"}                                            -> {peers:[...]}
//   {"id":6,"cmd":"stop"}                                             -> {} then exit
import { createHeliaLight } from 'helia'
import { withLibp2pLight } from '@helia/libp2p'
import { withBitswap } from '@helia/bitswap'
import { unixfs } from '@helia/unixfs'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { generateKeyPairFromSeed, generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { setMaxListeners } from 'node:events'

const args = process.argv.slice(2)
const values = (name) => args.flatMap((a, i) => (a === name && i + 1 < args.length ? [args[i + 1]] : []))
const emit = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')
const log = (...m) => process.stderr.write(m.join(' ') + '\n')

async function privateKey () {
  const seed = values('--seed')[0]
  if (seed === undefined) return generateKeyPair('Ed25519')
  return generateKeyPairFromSeed('Ed25519', createHash('sha256').update(seed, 'utf8').digest())
}

// @helia/unixfs ignores `profile`: spell each out (helia-peer.md).
const profiles = {
  helia: { cidVersion: 1, rawLeaves: true, chunkSize: 1048576, maxLinks: 1024 },
  kubo: { cidVersion: 0, rawLeaves: false, chunkSize: 262144, maxLinks: 174 },
  'kubo-v1': { cidVersion: 1, rawLeaves: true, chunkSize: 262144, maxLinks: 174 }
}

const helia = withBitswap(withLibp2pLight(createHeliaLight(), {
  privateKey: await privateKey(),
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  peerDiscovery: [],
  services: { identify: identify(), ping: ping() }
}))
await helia.start()
const fs = unixfs(helia)

async function * fileChunks (path) {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) yield new Uint8Array(chunk)
}

function signalFor (msg) {
  const signal = AbortSignal.timeout(msg.timeoutMs ?? 120000)
  setMaxListeners(Infinity, signal)
  return signal
}

const commands = {
  async dial (msg) {
    const conn = await helia.libp2p.dial(multiaddr(msg.addr))
    return { peerId: conn.remotePeer.toString() }
  },
  async add (msg) {
    const p = profiles[msg.profile ?? 'helia']
    if (p == null) throw new Error(`unknown profile ${msg.profile}`)
    const started = Date.now()
    const cid = await fs.addByteStream(fileChunks(msg.path), {
      cidVersion: p.cidVersion,
      rawLeaves: p.rawLeaves,
      reduceSingleLeafToSelf: true,
      chunker: fixedSize({ chunkSize: p.chunkSize }),
      layout: balanced({ maxChildrenPerNode: p.maxLinks })
    })
    const stat = await fs.stat(cid)
    return { cid: cid.toString(), size: Number(stat.fileSize ?? stat.size), ms: Date.now() - started }
  },
  async cat (msg) {
    const started = Date.now()
    const hash = createHash('sha256')
    let size = 0
    for await (const chunk of fs.cat(CID.parse(msg.cid), { signal: signalFor(msg) })) {
      hash.update(chunk)
      size += chunk.length
    }
    return { size, sha256: hash.digest('hex'), ms: Date.now() - started }
  },
  async get (msg) {
    const started = Date.now()
    const out = createWriteStream(msg.path)
    let size = 0
    for await (const chunk of fs.cat(CID.parse(msg.cid), { signal: signalFor(msg) })) {
      if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve))
      size += chunk.length
    }
    await new Promise((resolve, reject) => out.end((err) => (err ? reject(err) : resolve())))
    return { size, ms: Date.now() - started }
  },
  async stats () {
    return { peers: helia.libp2p.getPeers().map(p => p.toString()) }
  },
  async stop () {
    setTimeout(async () => {
      await helia.stop()
      process.exit(0)
    }, 10)
    return {}
  }
}

emit({
  event: 'ready',
  peerId: helia.libp2p.peerId.toString(),
  addrs: helia.libp2p.getMultiaddrs().map(a => a.toString()),
  protocols: helia.libp2p.getProtocols()
})

const rl = createInterface({ input: process.stdin })
rl.on('line', async (line) => {
  let msg
  try {
    msg = JSON.parse(line)
  } catch {
    log('bad command line:', line)
    return
  }
  const handler = commands[msg.cmd]
  if (handler == null) {
    emit({ id: msg.id, ok: false, error: `unknown command ${msg.cmd}` })
    return
  }
  try {
    emit({ id: msg.id, ok: true, ...(await handler(msg)) })
  } catch (err) {
    emit({ id: msg.id, ok: false, error: err.message ?? String(err) })
  }
})
rl.on('close', async () => {
  await helia.stop()
  process.exit(0)
})
