// Intercom's official Node SDK (intercom-client, pinned in package-lock.json) drives a
// conversation against a running `emulator serve` (EMULATOR_URL, EMULATOR_TOKEN; the workspace
// seeded with a second admin, EMULATOR_SECOND_ADMIN): a contact starts it, an admin replies,
// assigns it to the second admin and closes it, and the conversation search finds it. Prints
// one JSON line of what it saw (with the conversation each step got back, which the test
// compares with its webhook notifications); exits non-zero on the first surprise.
"use strict";
const assert = require("node:assert/strict");
const { IntercomClient, IntercomError } = require("intercom-client");

const client = new IntercomClient({
  token: process.env.EMULATOR_TOKEN,
  baseUrl: process.env.EMULATOR_URL,
  maxRetries: 0,
});
const second = process.env.EMULATOR_SECOND_ADMIN;

async function main() {
  const seen = {};
  const admin = (await client.admins.identify()).id;
  const contact = await client.contacts.create({ email: "node-conv@example.org" });
  const message = await client.conversations.create({
    from: { type: "user", id: contact.id },
    body: "I need support",
  });
  assert.equal(message.type, "user_message");
  const id = message.conversation_id;
  const started = await client.conversations.find({ conversation_id: id });
  assert.equal(started.source.id, message.id);
  const replied = await client.conversations.reply({
    conversation_id: id,
    body: { message_type: "comment", type: "admin", admin_id: admin, body: "How can I help?" },
  });
  seen.waiting_after_reply = replied.waiting_since ?? null;
  const assigned = await client.conversations.manage({
    conversation_id: id,
    body: { message_type: "assignment", type: "admin", admin_id: admin, assignee_id: second },
  });
  seen.assignee = assigned.admin_assignee_id;
  const closed = await client.conversations.manage({
    conversation_id: id,
    body: { message_type: "close", type: "admin", admin_id: admin, body: "Bye" },
  });
  seen.state = [closed.state, closed.open];
  const found = await client.conversations.find({ conversation_id: id });
  seen.parts = found.conversation_parts.conversation_parts.map((part) => part.part_type);
  const page = await client.conversations.search({
    query: { field: "contact_ids", operator: "=", value: contact.id },
  });
  seen.searched = [];
  for await (const conversation of page) seen.searched.push(conversation.id);
  seen.id = id;
  seen.conversations = { started, replied, assigned, closed };
  try {
    await client.conversations.find({ conversation_id: "987654321" });
    seen.missing = "found";
  } catch (error) {
    assert.ok(error instanceof IntercomError, String(error));
    seen.missing = [error.statusCode, error.body.errors[0].code];
  }
  console.log(JSON.stringify(seen));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
