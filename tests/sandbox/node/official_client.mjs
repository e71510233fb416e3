// Pipedrive's official Node client (npm `pipedrive`) pointed at the sandbox.
// Usage: node official_client.mjs <folder holding node_modules/pipedrive> <sandbox url> <api token> <term>
//        <email term> <person id>
// Prints one JSON line: what each call of the client returned (the response bodies, as the client gives them).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const [folder, url, apiKey, term, emailTerm, personId] = process.argv.slice(2);
const require = createRequire(join(folder, "package.json"));
const v1 = require("pipedrive/v1");
const v2 = require("pipedrive/v2");
const { version } = JSON.parse(readFileSync(join(folder, "node_modules", "pipedrive", "package.json"), "utf8"));

const config1 = new v1.Configuration({ apiKey, basePath: `${url}/api/v1` });
const config2 = new v2.Configuration({ apiKey, basePath: `${url}/api/v2` });

async function call(name, promise) {
  try {
    return await promise;
  } catch (error) {
    // the client rejects with the response body when there is one, otherwise with axios's error
    const detail = error && error.message ? error.message : JSON.stringify(error);
    throw new Error(`${name} failed: ${detail}`);
  }
}

const users = new v1.UsersApi(config1);
const deals = new v2.DealsApi(config2);
const persons = new v2.PersonsApi(config2);

const found = await call("UsersApi.findUsersByName", users.findUsersByName({ term }));
const byEmail = await call(
  "UsersApi.findUsersByName (search_by_email)",
  users.findUsersByName({ term: emailTerm, search_by_email: 1 }),
);
const me = await call("UsersApi.getCurrentUser", users.getCurrentUser());
const listed = await call("DealsApi.getDeals", deals.getDeals({ limit: 500, sort_by: "id", sort_direction: "asc" }));
const person = await call("PersonsApi.getPerson", persons.getPerson({ id: Number(personId) }));
const added = await call(
  "DealsApi.addDeal",
  deals.addDeal({ AddDealRequest: { title: "Node client deal", value: 1234, currency: "EUR", person_id: Number(personId) } }),
);
const reread = await call("DealsApi.getDeal", deals.getDeal({ id: added.data.id }));

console.log(JSON.stringify({ version, found, byEmail, me, listed, person, added, reread }));
