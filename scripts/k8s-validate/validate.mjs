#!/usr/bin/env node
// Validates Kubernetes manifests against the Kubernetes OpenAPI schema.
//
//   node validate.mjs FILE.yaml...          validate every document; exit 1 on any error
//   node validate.mjs --dump FILE.yaml...   print the parsed documents as JSON (for tests)
//
// Two layers: (1) the schema validators of the kubernetes-models package (types, enums,
// required fields, formats); (2) a strict field check, because those schemas accept unknown
// fields and a misspelt key (`backofLimit`) would otherwise pass silently and be ignored by
// the API server. The known fields of every type are read from the package's own type
// declarations (*.d.ts), generated from the same OpenAPI document.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { parseAllDocuments } from 'yaml'

const require = createRequire(import.meta.url)
const modelsDir = dirname(require.resolve('kubernetes-models/package.json'))
const machineryDir = dirname(require.resolve('@kubernetes-models/apimachinery/package.json'))

// ---- strict field map from the .d.ts files ----------------------------------------------
// interface name (IIoK8s...) -> { field: { ref: 'IIoK8s...' | null, array: bool, map: bool } }
const types = new Map()
function scan (dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) {
      if (name !== 'node_modules' && name !== '_schemas') scan(path)
    } else if (name.endsWith('.d.ts')) {
      parseDts(readFileSync(path, 'utf8'))
    }
  }
}
function parseDts (text) {
  const alias = /export type \{ (I\w+) as (IIoK8s\w+)/.exec(text)
  if (!alias) return
  const body = new RegExp(`export interface ${alias[1]}( extends TypeMeta)? \\{([\\s\\S]*?)\\n\\}`).exec(text)
  if (!body) return
  // TypeMeta contributes apiVersion and kind.
  const fields = body[1] ? { apiVersion: { ref: null }, kind: { ref: null } } : {}
  // Only top-level members of the interface: lines indented by exactly four spaces.
  for (const m of body[2].matchAll(/^ {4}"([^"]+)"\??: (.*)$/gm)) {
    const t = m[2]
    const ref = /(IIoK8s\w+)/.exec(t)
    fields[m[1]] = {
      ref: ref && !t.startsWith('{') ? ref[1] : null,
      array: t.startsWith('Array<'),
      map: t.startsWith('{')
    }
  }
  types.set(alias[2], fields)
}
scan(modelsDir)
scan(machineryDir)

function strict (value, typeName, path, errors) {
  const fields = types.get(typeName)
  if (!fields || value === null || typeof value !== 'object' || Array.isArray(value)) return
  for (const [k, v] of Object.entries(value)) {
    const f = fields[k]
    if (!f) {
      errors.push(`${path}/${k}: unknown field for ${typeName.replace(/^IIoK8s/, '')}`)
      continue
    }
    if (!f.ref || f.map) continue
    if (f.array && Array.isArray(v)) v.forEach((item, i) => strict(item, f.ref, `${path}/${k}/${i}`, errors))
    else if (!f.array) strict(v, f.ref, `${path}/${k}`, errors)
  }
}

// ---- schema validation --------------------------------------------------------------------
async function modelFor (apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : [null, apiVersion]
  const modPath = group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`
  try {
    return (await import(modPath))[kind]
  } catch {
    return null
  }
}

const args = process.argv.slice(2)
const dump = args[0] === '--dump'
const files = dump ? args.slice(1) : args
if (files.length === 0) {
  console.error('usage: node validate.mjs [--dump] FILE.yaml...')
  process.exit(2)
}

let failed = 0
const docsOut = []
for (const file of files) {
  let docs
  try {
    docs = parseAllDocuments(readFileSync(file, 'utf8'))
  } catch (e) {
    console.log(`FAIL ${file}: ${e.message}`)
    failed++
    continue
  }
  for (const [i, doc] of docs.entries()) {
    const where = `${file}#${i + 1}`
    if (doc.errors.length) {
      console.log(`FAIL ${where}: YAML: ${doc.errors[0].message}`)
      failed++
      continue
    }
    const obj = doc.toJS()
    if (obj === null || obj === undefined) continue
    docsOut.push({ file, index: i, object: obj })
    if (dump) continue
    const Model = obj.apiVersion && obj.kind ? await modelFor(obj.apiVersion, obj.kind) : null
    if (!Model) {
      console.log(`FAIL ${where}: unknown apiVersion/kind ${obj.apiVersion}/${obj.kind}`)
      failed++
      continue
    }
    const errors = []
    try {
      new Model(obj).validate()
    } catch (e) {
      errors.push(e.message)
    }
    const top = resolveTopType(obj)
    if (!top) errors.push(`no type declaration found for ${obj.apiVersion} ${obj.kind} (strict check impossible)`)
    else strict(obj, top, '', errors)
    if (errors.length) {
      console.log(`FAIL ${where} (${obj.kind} ${obj.metadata?.name}): ${errors.join('; ')}`)
      failed++
    } else {
      console.log(`ok ${where} (${obj.kind} ${obj.metadata?.name})`)
    }
  }
}

// The interface of a top-level object: IIoK8sApi<Group><Version><Kind> (core group: "Core").
function resolveTopType (obj) {
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['core', obj.apiVersion]
  const g = group.split('.')[0]
  const want = `IIoK8sApi${g[0].toUpperCase()}${g.slice(1)}${version[0].toUpperCase()}${version.slice(1)}${obj.kind}`
  return types.has(want) ? want : null
}

if (dump) {
  console.log(JSON.stringify(docsOut))
  process.exit(failed ? 1 : 0)
}
console.log(failed ? `${failed} invalid document(s)` : 'all documents valid')
process.exit(failed ? 1 : 0)
