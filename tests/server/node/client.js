// Node's `pg` client (npm) against the server: simple queries, parameters (extended protocol),
// a named prepared statement, a binary-free array parameter and information_schema browsing.
// Prints one JSON object for the test to check.
const { Client } = require("pg");

async function main() {
  const [host, port, database] = process.argv.slice(2);
  const client = new Client({ host, port: Number(port), database, user: "node" });
  await client.connect();
  const out = {};
  out.version = (await client.query("select version()")).rows[0].version;
  out.tables = (await client.query(
    "select table_name from information_schema.tables where table_schema = 'public' order by 1"
  )).rows.map((r) => r.table_name);
  const columns = await client.query(
    "select column_name, data_type from information_schema.columns where table_name = $1 order by ordinal_position",
    ["Deals"]
  );
  out.columns = columns.rows.map((r) => `${r.column_name}:${r.data_type}`);
  const preview = await client.query('select * from public."Deals" limit 1000');
  out.preview = preview.rowCount;
  out.fields = preview.fields.map((f) => f.name).slice(0, 3);
  const named = { name: "by-status", text: 'select count(*) from "Deals" where "Status" = $1', values: ["won"] };
  out.won = Number((await client.query(named)).rows[0].count);
  out.wonAgain = Number((await client.query({ ...named, values: ["won"] })).rows[0].count);
  const ids = (await client.query('select "Id" from "Deals" order by 1 limit 3')).rows.map((r) => Number(r.Id));
  out.any = (await client.query('select "Id" from "Deals" where "Id" = ANY($1) order by 1', [ids])).rows.map((r) => Number(r.Id));
  out.ids = ids;
  await client.end();
  console.log(JSON.stringify(out));
}

main().catch((err) => {
  console.error(err.stack || String(err));
  process.exit(1);
});
