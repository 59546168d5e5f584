// The reference for CidHasherReferenceTest and ArtifactCarTest: what ipfs-unixfs-importer (the JS implementation of
// `ipfs add`) and @ipld/car say about the same bytes. Prints one JSON object per call on stdout.
//
//   node cid-reference.mjs cid <file>            -> {"cid": "...", "blocks": ["<cid of every block>", ...]}
//   node cid-reference.mjs car <car> <file>      -> {"version", "roots", "blocks", "bad_hashes", "missing", "extra"}
//
// `cid` imports the file with the defaults of `ipfs add --cid-version 1` (CIDv1, raw leaves, 256 KiB chunks,
// balanced layout, 174 links per node). `car` parses a CAR file with @ipld/car, checks each block hashes to its CID,
// and compares its block set with the importer's blocks for the original file (what `ipfs dag import` needs).
import { createReadStream } from 'node:fs'
import { importer } from 'ipfs-unixfs-importer'
import { CarBlockIterator } from '@ipld/car/iterator'
import { sha256 } from 'multiformats/hashes/sha2'
import { equals } from 'multiformats/bytes'

async function importFile (path) {
  const blocks = new Map()
  const blockstore = {
    async put (cid, bytes) { blocks.set(cid.toString(), bytes); return cid },
    async get (cid) { return blocks.get(cid.toString()) },
    async has (cid) { return blocks.has(cid.toString()) }
  }
  let root
  for await (const entry of importer([{ content: createReadStream(path) }], blockstore, { cidVersion: 1, rawLeaves: true })) {
    root = entry.cid
  }
  return { root: root.toString(), blocks }
}

async function checkCar (carPath, filePath) {
  const reference = await importFile(filePath)
  const iterator = await CarBlockIterator.fromIterable(createReadStream(carPath))
  const roots = (await iterator.getRoots()).map(r => r.toString())
  const seen = new Set()
  const badHashes = []
  let count = 0
  for await (const { cid, bytes } of iterator) {
    count++
    const digest = await sha256.digest(bytes)
    if (cid.multihash.code !== sha256.code || !equals(digest.digest, cid.multihash.digest)) {
      badHashes.push(cid.toString())
    }
    seen.add(cid.toString())
  }
  const missing = [...reference.blocks.keys()].filter(c => !seen.has(c))
  const extra = [...seen].filter(c => !reference.blocks.has(c))
  return { version: iterator.version, roots, reference_root: reference.root, blocks: count, bad_hashes: badHashes, missing, extra }
}

const [mode, a, b] = process.argv.slice(2)
let out
if (mode === 'cid') {
  const r = await importFile(a)
  out = { cid: r.root, blocks: [...r.blocks.keys()] }
} else if (mode === 'car') {
  out = await checkCar(a, b)
} else {
  console.error('usage: cid-reference.mjs cid <file> | car <car> <file>')
  process.exit(2)
}
process.stdout.write(JSON.stringify(out) + '\n')
