#!/usr/bin/env node
// Conformance check of the fixture server with the official Neo4j JavaScript driver.
//
//   node check.js --driver 4|5|6 --uri bolt://127.0.0.1:PORT --persona 3.5|4.4|5|2025
//                 [--database NAME] [--routing-uri neo4j://127.0.0.1:PORT] [--expect-bolt 5.8]
//
// The password comes from the CONFORMANCE_PASSWORD environment variable (never argv). Each
// check prints one line "ok NAME" or "FAIL NAME: reason"; the exit status is 1 if any failed.
// The checks: authentication with the right and a wrong password, a query returning every value
// type PackStream carries (each decoded value compared with what it must be), graph entities
// (Node, Relationship, Path; element ids from Bolt 5), the negotiated protocol version, a routing
// table over neo4j://, and the server's error code for Cypher that version rejects.
'use strict'

const args = {}
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1]
const major = args.driver
const neo4j = require(`neo4j-driver-${major}`)
const persona = args.persona
const user = process.env.CONFORMANCE_USER || 'neo4j'
const password = process.env.CONFORMANCE_PASSWORD || 'pass'
const database = args.database // undefined on 3.5 (Bolt 3 has no db field)

let failures = 0
function report (name, err) {
  if (err) {
    failures++
    console.log(`FAIL ${name}: ${err}`)
  } else {
    console.log(`ok ${name}`)
  }
}

const isInt = v => neo4j.isInt(v)
const intStr = v => (isInt(v) ? v.toString() : `not an Integer (${typeof v} ${v})`)
function eqInt (v, s) {
  return intStr(v) === s ? null : `expected Integer ${s}, got ${intStr(v)}`
}
function eq (v, want) {
  return Object.is(v, want) ? null : `expected ${String(want)} (${typeof want}), got ${String(v)} (${typeof v})`
}
function fields (v, want) {
  // Compares named fields of a driver temporal/spatial object; Integer fields compared as text.
  for (const [k, w] of Object.entries(want)) {
    const got = v[k]
    const g = isInt(got) ? got.toString() : got
    if (String(g) !== String(w)) return `${k}: expected ${w}, got ${g}`
  }
  return null
}

// Each entry: column alias, Cypher expression, check of the decoded value.
const literals = [
  ['v_null', 'null', v => eq(v, null)],
  ['v_true', 'true', v => eq(v, true)],
  ['v_false', 'false', v => eq(v, false)],
  ['v_int', '42', v => eqInt(v, '42')],
  ['v_neg', '-17', v => eqInt(v, '-17')],
  ['v_i16', '-129', v => eqInt(v, '-129')],
  ['v_i32', '2147483648', v => eqInt(v, '2147483648')],
  ['v_max', '9223372036854775807', v => eqInt(v, '9223372036854775807')],
  ['v_minint', '$minint', v => eqInt(v, '-9223372036854775808')],
  ['v_float', '1.23', v => eq(v, 1.23)],
  ['v_negzero', '-0.0', v => eq(v, -0)],
  ['v_str', "'Grüße, Zürich: 東京 🎉'", v => eq(v, 'Grüße, Zürich: 東京 🎉')],
  ['v_empty', "''", v => eq(v, '')],
  ['v_list', "[1, 'a', null, [2.5]]", v => (Array.isArray(v) && v.length === 4 && !eqInt(v[0], '1') &&
    v[1] === 'a' && v[2] === null && v[3][0] === 2.5) ? null : `bad list ${JSON.stringify(v)}`],
  ['v_map', '{a: 1, b: [true], c: {d: "x"}}', v => (v && !eqInt(v.a, '1') && v.b[0] === true && v.c.d === 'x')
    ? null : 'bad map'],
  // The JavaScript drivers carry PackStream Bytes as Int8Array (a Node Buffer is sent as a list).
  ['v_bytes', '$bytes', v => v instanceof Int8Array && Buffer.from(v).toString('hex') === '00ff10'
    ? null : `bad bytes ${v && v.constructor && v.constructor.name} ${v}`],
  ['v_date', "date('2020-01-02')", v => fields(v, { year: 2020, month: 1, day: 2 })],
  ['v_time', "time('12:34:56.000000789+01:00')", v => fields(v, { hour: 12, minute: 34, second: 56, nanosecond: 789, timeZoneOffsetSeconds: 3600 })],
  ['v_ltime', "localtime('12:34:56.5')", v => fields(v, { hour: 12, minute: 34, second: 56, nanosecond: 500000000 })],
  ['v_dt_off', "datetime('2020-06-15T14:30:00.000000123+02:00')", v => fields(v,
    { year: 2020, month: 6, day: 15, hour: 14, minute: 30, second: 0, nanosecond: 123, timeZoneOffsetSeconds: 7200 })],
  ['v_dt_zone', "datetime('2020-06-15T14:30:00.000000123[Europe/Berlin]')", v => fields(v,
    { year: 2020, month: 6, day: 15, hour: 14, minute: 30, second: 0, nanosecond: 123, timeZoneId: 'Europe/Berlin' })],
  ['v_ldt', "localdatetime('2020-06-15T14:30:00.5')", v => fields(v,
    { year: 2020, month: 6, day: 15, hour: 14, minute: 30, second: 0, nanosecond: 500000000 })],
  ['v_dur', "duration('P1Y2M3DT4H5M6.000000007S')", v => fields(v, { months: 14, days: 3, seconds: 14706, nanoseconds: 7 })],
  ['v_negdur', "duration('-PT1.5S')", v => fields(v, { months: 0, days: 0, seconds: -2, nanoseconds: 500000000 })],
  ['v_pt2', 'point({x: 1.5, y: -2.0})', v => fields(v, { srid: 7203, x: 1.5, y: -2 })],
  ['v_pt3', 'point({x: 1.0, y: 2.0, z: 3.0})', v => fields(v, { srid: 9157, x: 1, y: 2, z: 3 })],
  ['v_wgs', 'point({longitude: 13.4, latitude: 52.5})', v => fields(v, { srid: 4326, x: 13.4, y: 52.5 })],
  ['v_wgs3', 'point({longitude: 13.4, latitude: 52.5, height: 34.0})', v => fields(v, { srid: 4979, x: 13.4, y: 52.5, z: 34 })]
]

// What each server line rejects, with the code a real server gives.
const rejected = {
  '3.5': ['SHOW INDEXES', 'Neo.ClientError.Statement.SyntaxError'],
  '4.4': ['RETURN {x} AS v', 'Neo.ClientError.Statement.SyntaxError'],
  5: ['MATCH (n) WHERE exists(n.uid) RETURN count(n)', 'Neo.ClientError.Statement.SyntaxError'],
  2025: ['MATCH (n) WHERE exists(n.uid) RETURN count(n)', 'Neo.ClientError.Statement.SyntaxError']
}

function driverFor (uri, auth) {
  const conf = { logging: { level: 'error', logger: () => {} } }
  if (major === '4') conf.encrypted = false
  return neo4j.driver(uri, auth, conf)
}

function sessionOf (driver) {
  const conf = { defaultAccessMode: neo4j.session.READ }
  if (database) conf.database = database
  return driver.session(conf)
}

async function checkBadPassword () {
  const d = driverFor(args.uri, neo4j.auth.basic(user, password + '-wrong'))
  const s = sessionOf(d)
  try {
    await s.run('RETURN 1 AS n')
    report('auth rejects a wrong password', 'query succeeded')
  } catch (e) {
    report('auth rejects a wrong password', e.code === 'Neo.ClientError.Security.Unauthorized' ? null : `code ${e.code}: ${e.message}`)
  } finally {
    await s.close().catch(() => {})
    await d.close().catch(() => {})
  }
}

async function checkValues (driver) {
  const s = sessionOf(driver)
  try {
    const q = 'RETURN ' + literals.map(([alias, expr]) => `${expr} AS ${alias}`).join(', ')
    const res = await s.run(q, { minint: neo4j.int('-9223372036854775808'), bytes: new Int8Array([0, -1, 16]) })
    const rec = res.records[0]
    report('one record of literals', res.records.length === 1 ? null : `${res.records.length} records`)
    for (const [alias, , check] of literals) {
      let err
      try { err = check(rec.get(alias)) } catch (e) { err = String(e) }
      report(`value ${alias}`, err)
    }
    const bolt = res.summary.server && res.summary.server.protocolVersion
    if (args['expect-bolt']) {
      // protocolVersion is a number on some majors (5.8) and a "6.0"-style string on others.
      const got = typeof bolt === 'number' && Number.isInteger(bolt) ? bolt.toFixed(1) : String(bolt)
      report(`negotiated Bolt ${args['expect-bolt']}`, got === args['expect-bolt'] ? null : `negotiated ${bolt}`)
    }
    return bolt
  } finally {
    await s.close()
  }
}

async function checkEntities (driver, bolt) {
  const s = sessionOf(driver)
  try {
    const res = await s.run('MATCH p = (a)-[r]->(b) RETURN a, r, p LIMIT 1')
    report('a path exists in the fixture graph', res.records.length === 1 ? null : 'no record')
    if (!res.records.length) return
    const a = res.records[0].get('a')
    const r = res.records[0].get('r')
    const p = res.records[0].get('p')
    report('node decoded', a instanceof neo4j.types.Node && Array.isArray(a.labels) && isInt(a.identity) ? null : `got ${a}`)
    report('relationship decoded', r instanceof neo4j.types.Relationship && typeof r.type === 'string' &&
      r.start.equals(a.identity) ? null : `got ${r}`)
    report('path decoded', p instanceof neo4j.types.Path && p.length === 1 && p.start.identity.equals(a.identity)
      ? null : `got ${p}`)
    if (Number(bolt) >= 5 && 'elementId' in a) {
      report('element ids on Bolt 5+', typeof a.elementId === 'string' && a.elementId.length > 0 &&
        r.startNodeElementId === a.elementId ? null : `elementId ${a.elementId}`)
    }
  } finally {
    await s.close()
  }
}

async function checkRejected (driver) {
  const [query, code] = rejected[persona]
  const s = sessionOf(driver)
  try {
    await s.run(query)
    report(`rejects "${query}"`, 'query succeeded')
  } catch (e) {
    report(`rejects "${query}"`, e.code === code ? null : `code ${e.code}: ${e.message}`)
  } finally {
    await s.close()
  }
}

async function checkRouting () {
  if (!args['routing-uri']) return
  const d = driverFor(args['routing-uri'], neo4j.auth.basic(user, password))
  try {
    const s = sessionOf(d)
    const res = await s.run('RETURN 1 AS n')
    await s.close()
    report('query over neo4j:// (routing table fetched)', res.records.length === 1 ? null : 'no record')
  } catch (e) {
    report('query over neo4j:// (routing table fetched)', `${e.code}: ${e.message}`)
  } finally {
    await d.close()
  }
}

async function main () {
  const driver = driverFor(args.uri, neo4j.auth.basic(user, password))
  try {
    const bolt = await checkValues(driver)
    await checkEntities(driver, bolt)
    await checkRejected(driver)
  } catch (e) {
    report('connect and query', `${e.code || ''} ${e.message}`)
  } finally {
    await driver.close()
  }
  await checkBadPassword()
  await checkRouting()
  console.log(`driver ${major} persona ${persona}: ${failures === 0 ? 'PASS' : failures + ' failed'}`)
  process.exit(failures === 0 ? 0 : 1)
}

main()
