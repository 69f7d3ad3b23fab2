// Intercom's official Node SDK (intercom-client, pinned in package-lock.json) against a running
// `emulator serve`: EMULATOR_URL and EMULATOR_TOKEN name the server and the workspace, which
// tests/sdk/test_node_sdk.py seeded (160 "bulk" users, a segment, subscription types).
// Every call goes through the SDK's own request building and parsing; the script prints one
// JSON line of what it saw, and exits non-zero on the first surprise.
"use strict";
const assert = require("node:assert/strict");
const { IntercomClient, IntercomError } = require("intercom-client");

const base = process.env.EMULATOR_URL;
const token = process.env.EMULATOR_TOKEN;
const client = new IntercomClient({ token, baseUrl: base, maxRetries: 0 });
const seen = {};

async function advanceClock(seconds) {
  // The emulator's control API: skip the search lag instead of waiting for it.
  const response = await fetch(`${base}/_emulator/clock`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ advance: seconds }),
  });
  assert.equal(response.status, 200);
}

function failure(error) {
  // The SDK's own error: the status it read and the code of Intercom's error.list body.
  assert.ok(error instanceof IntercomError, String(error));
  return [error.statusCode, error.body.errors[0].code];
}

async function collect(page) {
  const items = [];
  for await (const item of page) items.push(item);
  return items;
}

async function contacts() {
  const user = await client.contacts.create({ external_id: "node-1", email: "node1@example.org" });
  assert.equal(user.role, "user");
  const updated = await client.contacts.update({ contact_id: user.id, name: "Node One" });
  assert.equal(updated.name, "Node One");
  const found = await client.contacts.find({ contact_id: user.id });
  assert.equal(found.email, "node1@example.org");
  const lead = await client.contacts.create({ role: "lead", email: "node1@example.org" });
  await advanceClock(60);
  const bulk = await collect(
    await client.contacts.search({
      query: { field: "email", operator: "$", value: "@bulk.example.org" },
      pagination: { per_page: 50 },
    })
  );
  seen.searched = bulk.length;
  const merged = await client.contacts.mergeLeadInUser({ from: lead.id, into: user.id });
  assert.equal(merged.id, user.id);
  const archived = await client.contacts.archive({ contact_id: bulk[0].id });
  assert.equal(archived.archived, true);
  const deleted = await client.contacts.delete({ contact_id: bulk[1].id });
  assert.equal(deleted.deleted, true);
  return user;
}

async function companies(user) {
  const made = await client.companies.createOrUpdate({ company_id: "node-co", name: "Node Co" });
  const byId = await client.companies.retrieve({ company_id: "node-co" });
  assert.equal(byId.type, "company"); // a company, not a list: Intercom's prose for ?company_id=
  assert.equal(byId.id, made.id);
  const attached = await client.companies.attachContact({ contact_id: user.id, id: made.id });
  assert.equal(attached.id, made.id);
  for (let n = 0; n < 30; n++) {
    // Intercom lists and scrolls only companies with users (2.11 "List all companies").
    const more = await client.companies.createOrUpdate({ company_id: `node-co-${n}`, name: `Co ${n}` });
    await client.companies.attachContact({ contact_id: user.id, id: more.id });
  }
  seen.listed = (await collect(await client.companies.list({ per_page: 10 }))).length;
  // Intercom: "If the end of the scroll is reached, companies will be empty and the scroll
  // parameter will expire" (2.11 "Scroll over all companies"). The SDK's iterator asks again
  // with that parameter, so it ends in the SDK's NotFoundError; page by page, the empty page
  // is the end.
  let page = await client.companies.scroll();
  let scrolled = 0;
  while (page.data.length > 0) {
    scrolled += page.data.length;
    page = await page.getNextPage();
  }
  seen.scrolled = scrolled;
  try {
    await collect(await client.companies.scroll());
    seen.scroll_iterator_end = "ended";
  } catch (error) {
    seen.scroll_iterator_end = failure(error);
  }
}

async function tagsAndAttributes(user) {
  const tag = await client.tags.create({ name: "node-vip" });
  const tagged = await client.tags.tagContact({ contact_id: user.id, id: tag.id });
  assert.equal(tagged.name, "node-vip");
  seen.tags = (await client.tags.list()).data.map((t) => t.name);
  const plan = await client.dataAttributes.create({
    name: "node_plan",
    model: "contact",
    data_type: "options",
    options: [{ value: "free" }, { value: "pro" }],
  });
  assert.deepEqual(plan.options, ["free", "pro"]);
  const listed = await client.dataAttributes.list({ model: "contact" });
  seen.attribute_found = listed.data.some((a) => a.name === "node_plan");
}

async function eventsNotesSegments(user) {
  const at = Math.floor(Date.now() / 1000);
  await client.events.create({ event_name: "node-ordered", created_at: at, user_id: "node-1" });
  await client.events.summaries({
    user_id: "node-1",
    event_summaries: { event_name: "node-imported", count: 3, first: at - 100, last: at },
  });
  const summary = await client.events.list({ type: "user", user_id: "node-1", summary: true });
  seen.event_summaries = Object.fromEntries(summary.events.map((e) => [e.name, e.count]));
  const listed = await client.events.list({ type: "user", user_id: "node-1" });
  seen.events = listed.events.map((e) => e.event_name);
  const note = await client.notes.create({ contact_id: user.id, body: "<p>hello</p>" });
  const found = await client.notes.find({ note_id: Number(note.id) });
  assert.equal(found.id, note.id);
  seen.notes = (await collect(await client.notes.list({ contact_id: user.id }))).length;
  const segments = await client.segments.list();
  seen.segments = segments.segments.map((s) => s.name);
  const one = await client.segments.find({ segment_id: segments.segments[0].id });
  assert.equal(one.name, segments.segments[0].name);
  const types = await client.subscriptionTypes.list();
  seen.subscription_types = types.data.length;
  const attached = await client.contacts.attachSubscription({
    contact_id: user.id,
    id: types.data[0].id,
    consent_type: types.data[0].consent_type,
  });
  assert.equal(attached.id, types.data[0].id);
}

async function refusals() {
  // What fails against Intercom fails here the same way: the SDK's own error class and status.
  try {
    await client.contacts.find({ contact_id: "no-such-contact" });
    assert.fail("found a missing contact");
  } catch (error) {
    assert.ok(error instanceof IntercomError);
    seen.missing_contact = failure(error);
  }
  const stranger = new IntercomClient({ token: "undefined", baseUrl: base, maxRetries: 0 });
  try {
    await stranger.admins.identify();
    assert.fail("a placeholder token reached a workspace");
  } catch (error) {
    seen.placeholder_token = failure(error);
  }
}

async function main() {
  const user = await contacts();
  await companies(user);
  await tagsAndAttributes(user);
  await eventsNotesSegments(user);
  await refusals();
  console.log(JSON.stringify(seen));
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  if (error && error.body) console.error(JSON.stringify(error.body));
  process.exit(1);
});
