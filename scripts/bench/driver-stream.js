#!/usr/bin/env node
// The official Neo4j JavaScript driver (neo4j-driver 5.28, installed by scripts/conformance's
// npm ci) consuming the benchmark stream, for scripts/bench.sh.
//
//   node driver-stream.js --port P [--host 127.0.0.1] [--fetch -1|N] [--query TEXT]
//
// Same query and fetch size as bench_drain and bench_stream; authentication scheme "none" (the
// benchmark server runs with --no-auth). Records are consumed as they arrive (subscribe, never
// collected) and each gets a trivial hash (FNV-1a over the node's label count, property count
// and first label), the least any consumer does. Prints one JSON line like the C clients:
// {"client":"driver","records":N,"seconds":S,"bolt":"5.8",...}; exit 1 with one line on error.
'use strict'

const path = require('path')
const args = { host: '127.0.0.1', fetch: '-1', query: 'MATCH (n) RETURN n' }
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, '')
  if (!(k in args) && k !== 'port') {
    console.error(`driver-stream: unknown option --${k}`)
    process.exit(2)
  }
  args[k] = process.argv[i + 1]
}
if (!args.port) {
  console.error('usage: driver-stream.js --port P [--host H] [--fetch -1|N] [--query TEXT]')
  process.exit(2)
}
const driverDir = path.join(__dirname, '..', 'conformance', 'node_modules', 'neo4j-driver-5')
let neo4j
let driverVersion
try {
  neo4j = require(driverDir)
  driverVersion = require(path.join(driverDir, 'package.json')).version
} catch (e) {
  console.error('driver-stream: neo4j-driver 5 is not installed (run: npm ci --prefix scripts/conformance)')
  process.exit(1)
}

const fetchSize = Number(args.fetch)
const driver = neo4j.driver(`bolt://${args.host}:${args.port}`, neo4j.auth.none(), {
  fetchSize,
  maxConnectionPoolSize: 1,
  logging: undefined
})
const session = driver.session({ defaultAccessMode: neo4j.session.READ, fetchSize })

// Peak resident set from /proc/self/status (VmHWM): getrusage's maxRSS would include the
// memory of the process that exec'd node.
function peakRssKib () {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))
    return m ? Number(m[1]) : null
  } catch (_) {
    return null
  }
}

let records = 0
let h = 0x811c9dc5
function mix (x) {
  h ^= x & 0xff
  h = Math.imul(h, 0x01000193)
}
const t0 = process.hrtime.bigint()
session.run(args.query).subscribe({
  onNext (record) {
    records++
    const node = record.get(0)
    mix(node.labels.length)
    mix(Object.keys(node.properties).length)
    mix(node.labels.length ? node.labels[0].charCodeAt(0) : 0)
  },
  async onCompleted (summary) {
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9
    const proto = summary.server && summary.server.protocolVersion
    await session.close()
    await driver.close()
    console.log(JSON.stringify({
      client: 'driver',
      bolt: proto === undefined ? null : String(proto),
      fetch: fetchSize,
      records,
      seconds,
      hash: (h >>> 0).toString(16),
      driver: driverVersion,
      hwm_kib: peakRssKib()
    }))
  },
  async onError (e) {
    console.error(`driver-stream: ${e.code ? e.code + ': ' : ''}${e.message.split('\n')[0]}`)
    try { await driver.close() } catch (_) {}
    process.exit(1)
  }
})
