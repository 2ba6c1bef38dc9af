// A set of real js-libp2p nodes running @libp2p/kad-dht as DHT servers, driven by Shoal's interop tests.
// Usage: node --import ./polyfill.mjs dht-peer.mjs [nodeCount] [protocol]
// Prints one JSON line {"event":"ready","nodes":[{id,addrs}]}; then reads JSON commands on stdin, one per line,
// {id, cmd, node, ...}, and answers each with one JSON line {id, ok, ...} or {id, ok:false, error}.
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import { base58btc } from 'multiformats/bases/base58'
import { setMaxListeners } from 'node:events'
import readline from 'node:readline'

const count = Number(process.argv[2] ?? '1')
const protocol = process.argv[3] ?? '/ipfs/kad/1.0.0'

const nodes = []
for (let i = 0; i < count; i++) {
  nodes.push(await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    services: {
      identify: identify(),
      ping: ping(),
      // A DHT server on loopback: without these two options js stays a client and strips private addresses.
      dht: kadDHT({ protocol, clientMode: false, peerInfoMapper: passthroughMapper })
    }
  }))
}

const describe = (n) => ({ id: n.peerId.toString(), addrs: n.getMultiaddrs().map(a => a.toString()) })
const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')
const peerOut = (p) => ({ id: p.id.toString(), addrs: (p.multiaddrs ?? []).map(a => a.toString()) })
const sleep = (ms) => new Promise(resolve => setTimeout(resolve, ms))

function signalFor (ms) {
  const signal = AbortSignal.timeout(ms ?? 20000)
  setMaxListeners(Infinity, signal)
  return signal
}

// A lookup key given as a peer id string (FIND_NODE on a peer) or base58btc multihash bytes.
function keyBytes (text) {
  try { return peerIdFromString(text).toMultihash().bytes } catch { return base58btc.baseDecode(text) }
}

const commands = {
  async dial ({ node, addr }) {
    const conn = await nodes[node].dial(multiaddr(addr), { signal: signalFor(10000) })
    return { peer: conn.remotePeer.toString() }
  },
  async provide ({ node, cid, timeoutMs }) {
    const signal = signalFor(timeoutMs)
    const sentTo = []
    const errors = {} // why a peer got no record (a failed lookup query or a failed send), for the test's message
    for await (const event of nodes[node].services.dht.provide(CID.parse(cid), { signal })) {
      if (event.name === 'PEER_RESPONSE' && event.messageName === 'ADD_PROVIDER') sentTo.push(event.from.toString())
      if (event.name === 'QUERY_ERROR') errors[event.from.toString()] = String(event.error?.message ?? event.error)
    }
    return { sentTo, errors }
  },
  async findProviders ({ node, cid, max, timeoutMs }) {
    const signal = signalFor(timeoutMs)
    const providers = new Map()
    for await (const event of nodes[node].services.dht.findProviders(CID.parse(cid), { signal })) {
      if (event.name === 'PROVIDER') {
        for (const p of event.providers) providers.set(p.id.toString(), peerOut(p))
        if (providers.size >= (max ?? 1)) break
      }
    }
    return { providers: [...providers.values()] }
  },
  async closest ({ node, key, timeoutMs }) {
    const signal = signalFor(timeoutMs)
    const final = []
    const responses = {}
    const errors = {}
    for await (const event of nodes[node].services.dht.getClosestPeers(keyBytes(key), { signal })) {
      if (event.name === 'FINAL_PEER') final.push(event.peer.id.toString())
      if (event.name === 'PEER_RESPONSE') responses[event.from.toString()] = event.closer.map(p => p.id.toString())
      if (event.name === 'QUERY_ERROR') errors[event.from.toString()] = String(event.error?.message ?? event.error)
    }
    return { final, responses, errors }
  },
  async routingTable ({ node }) {
    const rt = nodes[node].services.dht.routingTable
    const peers = []
    for (const contact of rt.kb.toIterable()) peers.push(contact.peerId.toString())
    return { size: rt.size, peers }
  },
  // Polls (inside js, so the test does not sleep) until the routing table holds `peer`.
  async waitRoutingTable ({ node, peer, timeoutMs }) {
    const deadline = Date.now() + (timeoutMs ?? 15000)
    const rt = nodes[node].services.dht.routingTable
    while (Date.now() < deadline) {
      for (const contact of rt.kb.toIterable()) {
        if (contact.peerId.toString() === peer) return { size: rt.size }
      }
      await sleep(50)
    }
    throw new Error(`peer ${peer} not in routing table of node ${node} after ${timeoutMs ?? 15000} ms (size ${rt.size})`)
  },
  async stop () {
    await Promise.all(nodes.map(n => n.stop()))
    setTimeout(() => process.exit(0), 10)
    return {}
  }
}

out({ event: 'ready', nodes: nodes.map(describe) })

const rl = readline.createInterface({ input: process.stdin })
rl.on('line', (line) => {
  if (line.trim() === '') return
  let request
  try { request = JSON.parse(line) } catch (e) { out({ ok: false, error: 'bad json: ' + e.message }); return }
  const handler = commands[request.cmd]
  if (handler == null) { out({ id: request.id, ok: false, error: 'unknown command ' + request.cmd }); return }
  handler(request).then(
    result => out({ id: request.id, ok: true, ...result }),
    error => out({ id: request.id, ok: false, error: String(error?.stack ?? error) }))
})
rl.on('close', async () => {
  await Promise.all(nodes.map(n => n.stop()))
  process.exit(0)
})
