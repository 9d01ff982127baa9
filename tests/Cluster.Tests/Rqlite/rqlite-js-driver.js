// Drives a FastDb cluster with rqlite's own JavaScript client (rqlite-js from npm), as an rqlite user would.
// Usage: node rqlite-js-driver.js HOST0,HOST1,HOST2 WRITES
// Prints one JSON object per line: {"step": ...} for each check, {"acked": id} for each write the cluster
// acknowledged, "ready-to-kill" when the test may kill the leader (HOST0), and at the end {"present": [...ids]}.
// Any failed expectation prints {"fail": "..."} and exits 1. Every request is bounded by the client's timeout.
'use strict'
const { DataApiClient, BackupApiClient } = require('rqlite-js')

const hosts = process.argv[2].split(',')
const writes = Number(process.argv[3])
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n')
const fail = (message) => { say({ fail: message }); process.exit(1) }
const expect = (ok, message) => { if (!ok) fail(message) }

async function main () {
  const client = new DataApiClient(hosts)

  // DDL.
  let r = await client.execute('CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, age INTEGER, score REAL)')
  expect(!r.hasError(), 'create table: ' + (r.hasError() && r.getFirstError().toString()))
  say({ step: 'ddl' })

  // Parameterized writes: positional and named, text with a quote, a real, a null.
  // (raw: rqlite-js 2.5.7's DataResult does not keep last_insert_id, so the wire answer is checked.)
  const raw = await client.execute([
    ['INSERT INTO people(id, name, age, score) VALUES(?, ?, ?, ?)', 1, "o'brien", 41, 2.5],
    ['INSERT INTO people(id, name, age, score) VALUES(:id, :name, :age, :score)', { id: 2, name: 'fiona', age: null, score: 0.1 }],
  ], { raw: true })
  const wire = JSON.stringify(raw.body.results)
  expect(wire === '[{"last_insert_id":1,"rows_affected":1},{"last_insert_id":2,"rows_affected":1}]', 'parameterized insert: ' + wire)
  say({ step: 'parameterized-writes' })

  // Every read level, on every node; each must see both rows (the writes above were acknowledged).
  for (const level of ['none', 'weak', 'auto', 'strong', 'linearizable']) {
    for (let i = 0; i < hosts.length; i++) {
      const one = new DataApiClient([hosts[i]])
      // level none reads this node's copy: wait (bounded) until it has applied what the leader acknowledged.
      let rows = []
      for (let attempt = 0; attempt < 50; attempt++) {
        const q = await one.query('SELECT id, name, age, score FROM people ORDER BY id', { level })
        // At level none a node that has not applied the CREATE TABLE yet rightly answers "no such table".
        const notYet = level === 'none' && q.hasError() && /no such table/.test(q.getFirstError().toString())
        if (notYet && attempt < 49) { await new Promise((resolve) => setTimeout(resolve, 50)); continue }
        expect(!q.hasError(), `query at ${level} on ${hosts[i]}: ` + (q.hasError() && q.getFirstError().toString()))
        rows = q.toArray()
        if (level !== 'none' || rows.length === 2) break
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(rows.length === 2, `level ${level} on ${hosts[i]}: ${JSON.stringify(rows)}`)
      if (level !== 'none') {
        expect(rows[0].name === "o'brien" && rows[0].age === 41 && rows[0].score === 2.5, `row 1 at ${level}: ${JSON.stringify(rows[0])}`)
        expect(rows[1].name === 'fiona' && rows[1].age === null && rows[1].score === 0.1, `row 2 at ${level}: ${JSON.stringify(rows[1])}`)
      }
    }
    say({ step: 'read-level', level })
  }

  // A transaction whose second statement fails leaves nothing behind.
  r = await client.execute([
    ['INSERT INTO people(id, name) VALUES(?, ?)', 10, 'ghost'],
    'INSERT INTO no_such_table VALUES(1)',
  ], { transaction: true })
  expect(r.hasError(), 'the failing transaction reported no error')
  r = await client.query('SELECT count(*) AS n FROM people WHERE id = 10', { level: 'strong' })
  expect(r.get(0).get('n') === 0, 'the failed transaction left a row: ' + JSON.stringify(r.toArray()))
  say({ step: 'transaction-rolled-back' })

  // An unsupported statement is that statement's error, with FastDb's message.
  r = await client.execute('CREATE TRIGGER t AFTER INSERT ON people BEGIN SELECT 1; END')
  expect(r.hasError() && /FastDb/.test(r.getFirstError().toString()), 'unsupported statement: ' + JSON.stringify(r.toArray()))
  say({ step: 'unsupported-statement' })

  // Every node answers a write and a read.
  for (let i = 0; i < hosts.length; i++) {
    const one = new DataApiClient([hosts[i]])
    r = await one.execute([['INSERT INTO people(id, name) VALUES(?, ?)', 100 + i, 'via ' + i]])
    expect(!r.hasError(), `write through ${hosts[i]}: ` + (r.hasError() && r.getFirstError().toString()))
    r = await one.query([['SELECT name FROM people WHERE id = ?', 100 + i]], { level: 'linearizable' })
    expect(r.get(0).get('name') === 'via ' + i, `read through ${hosts[i]}: ` + JSON.stringify(r.toArray()))
  }
  say({ step: 'every-node' })

  // The backup as SQL text, through the client's backup API.
  const backup = new BackupApiClient(hosts)
  const stream = await backup.backup('sql')
  let dump = ''
  for await (const chunk of stream) dump += chunk
  expect(dump.startsWith('PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n') && dump.includes('CREATE TABLE people') && dump.includes("'o''brien'"), 'backup: ' + dump.slice(0, 200))
  say({ step: 'backup' })

  // Writes while the leader (HOST0) is killed: every acknowledged one must survive.
  r = await client.execute('CREATE TABLE acked (id INTEGER PRIMARY KEY)')
  expect(!r.hasError(), 'create acked')
  say({ step: 'ready-to-kill' })
  for (let id = 1; id <= writes; id++) {
    try {
      r = await client.execute([['INSERT INTO acked(id) VALUES(?)', id]])
      if (!r.hasError()) say({ acked: id })
    } catch (e) {
      // Not acknowledged (the node died under it and retries ran out): allowed, it just does not count.
      say({ unacked: id, error: String(e && e.message) })
    }
  }
  const survivors = new DataApiClient(hosts.slice(1))
  const all = await survivors.query('SELECT id FROM acked ORDER BY id', { level: 'linearizable' })
  expect(!all.hasError(), 'final read: ' + (all.hasError() && all.getFirstError().toString()))
  say({ present: all.toArray().map((row) => row.id) })
}

main().catch((e) => fail('exception: ' + (e && e.stack ? e.stack : String(e))))
