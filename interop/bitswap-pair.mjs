// Two Helia nodes in one process for the throughput benchmark: one adds N random bytes, a fresh one fetches
// them over loopback TCP + Noise + Yamux + Bitswap 1.2.0 each time it is asked.
//
// Start:  node --import ./polyfill.mjs bitswap-pair.mjs
// Commands (stdin, JSON lines) and replies (stdout):
//   {"id":1,"cmd":"prepare","size":N}  -> {"id":1,"ok":true,"cid":...}
//   {"id":2,"cmd":"transfer"}          -> {"id":2,"ok":true,"ms":T,"size":N}   a new node fetches the file
//   {"id":3,"cmd":"stop"}
// The first line is {"event":"ready"}.
import { createHeliaLight } from 'helia'
import { withLibp2pLight } from '@helia/libp2p'
import { withBitswap } from '@helia/bitswap'
import { unixfs } from '@helia/unixfs'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { randomBytes } from 'node:crypto'
import { createInterface } from 'node:readline'
import { setMaxListeners } from 'node:events'

const emit = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')

async function node () {
  const helia = withBitswap(withLibp2pLight(createHeliaLight(), {
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    services: { identify: identify() }
  }))
  await helia.start()
  return helia
}

const seeder = await node()
let root = null
let size = 0

const commands = {
  async prepare (msg) {
    size = msg.size
    async function * chunks () {
      for (let left = size; left > 0; left -= 1 << 20) yield new Uint8Array(randomBytes(Math.min(left, 1 << 20)))
    }
    root = await unixfs(seeder).addByteStream(chunks(), {
      cidVersion: 1, rawLeaves: true, reduceSingleLeafToSelf: true,
      chunker: fixedSize({ chunkSize: 1 << 20 }), layout: balanced({ maxChildrenPerNode: 1024 })
    })
    return { cid: root.toString() }
  },
  async transfer () {
    const leecher = await node()
    try {
      await leecher.libp2p.dial(seeder.libp2p.getMultiaddrs()[0])
      const signal = AbortSignal.timeout(600000)
      setMaxListeners(Infinity, signal)
      const started = performance.now()
      let got = 0
      for await (const chunk of unixfs(leecher).cat(root, { signal })) got += chunk.length
      const ms = performance.now() - started
      if (got !== size) throw new Error(`fetched ${got} of ${size} bytes`)
      return { ms, size: got }
    } finally {
      await leecher.stop()
    }
  },
  async stop () {
    setTimeout(async () => { await seeder.stop(); process.exit(0) }, 10)
    return {}
  }
}

emit({ event: 'ready' })
createInterface({ input: process.stdin }).on('line', async (line) => {
  const msg = JSON.parse(line)
  try {
    emit({ id: msg.id, ok: true, ...(await commands[msg.cmd](msg)) })
  } catch (err) {
    emit({ id: msg.id, ok: false, error: err.message ?? String(err) })
  }
})
