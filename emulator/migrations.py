"""The schema's migrations: each a plain function; its position in MIGRATIONS is its version
number. Never edit one that has shipped: add another. `migrate` runs at start-up (emulator.app,
emulator.server), in one write transaction, so two processes starting at once do not race.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import sqlite_utils

from emulator.db import write_transaction


def _run_script(db: sqlite_utils.Database, script: str) -> None:
    # Not executescript(): it commits first, which would end migrate()'s transaction early.
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement in a migration: {statement!r}")


def _m001_initial(db: sqlite_utils.Database) -> None:
    _run_script(
        db,
        """
        CREATE TABLE workspaces (
            id TEXT PRIMARY KEY,            -- the app's id_code, as GET /me shows it
            name TEXT NOT NULL,
            admin_id TEXT NOT NULL,
            admin_name TEXT NOT NULL,
            admin_email TEXT NOT NULL,
            settings TEXT NOT NULL DEFAULT '{}',
            clock_frozen_at REAL,           -- the emulator's clock, per workspace (control API)
            clock_offset REAL NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE tokens (
            token TEXT PRIMARY KEY,
            workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            app_name TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE contacts (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            role TEXT NOT NULL,
            external_id TEXT,
            email TEXT,
            phone TEXT,
            name TEXT,
            avatar TEXT,
            owner_id INTEGER,
            signed_up_at INTEGER,
            last_seen_at INTEGER,
            unsubscribed_from_emails INTEGER NOT NULL DEFAULT 0,
            language_override TEXT,
            custom_attributes TEXT NOT NULL DEFAULT '{}',
            extra TEXT NOT NULL DEFAULT '{}',  -- fields only some versions show (1.4 user data)
            archived INTEGER NOT NULL DEFAULT 0,
            merged_into TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            searchable_at INTEGER NOT NULL
        );
        CREATE INDEX contacts_ws_seq ON contacts(workspace_id, seq);
        CREATE INDEX contacts_ws_external_id ON contacts(workspace_id, external_id);
        CREATE INDEX contacts_ws_email ON contacts(workspace_id, email);
        CREATE INDEX contacts_ws_created ON contacts(workspace_id, created_at);

        CREATE TABLE companies (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            company_id TEXT NOT NULL,
            name TEXT,
            plan TEXT,
            size INTEGER,
            website TEXT,
            industry TEXT,
            monthly_spend INTEGER NOT NULL DEFAULT 0,
            remote_created_at INTEGER,
            session_count INTEGER NOT NULL DEFAULT 0,
            last_request_at INTEGER,
            custom_attributes TEXT NOT NULL DEFAULT '{}',
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX companies_ws_company_id ON companies(workspace_id, company_id);
        CREATE INDEX companies_ws_name ON companies(workspace_id, name);
        CREATE INDEX companies_ws_last_request ON companies(workspace_id, last_request_at);

        CREATE TABLE contact_companies (
            contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            company_id TEXT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (contact_id, company_id)
        );
        CREATE INDEX contact_companies_company ON contact_companies(company_id);

        CREATE TABLE tags (
            id INTEGER PRIMARY KEY,
            workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        -- Tag names are case insensitive [S2.11 create_or_update_tag_request].
        CREATE UNIQUE INDEX tags_ws_name ON tags(workspace_id, name COLLATE NOCASE);
        CREATE TABLE contact_tags (
            contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
            applied_at INTEGER NOT NULL,
            PRIMARY KEY (contact_id, tag_id)
        );
        CREATE INDEX contact_tags_tag ON contact_tags(tag_id);
        CREATE TABLE company_tags (
            company_id TEXT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
            tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
            applied_at INTEGER NOT NULL,
            PRIMARY KEY (company_id, tag_id)
        );
        CREATE INDEX company_tags_tag ON company_tags(tag_id);

        CREATE TABLE data_attributes (
            id INTEGER PRIMARY KEY,
            workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            model TEXT NOT NULL,
            name TEXT NOT NULL,
            data_type TEXT NOT NULL,
            description TEXT,
            options TEXT,
            messenger_writable INTEGER NOT NULL DEFAULT 0,
            archived INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        -- One name per workspace across both models ("You already have 'x' in your company data").
        CREATE UNIQUE INDEX data_attributes_ws_name
            ON data_attributes(workspace_id, name COLLATE NOCASE);

        CREATE TABLE event_names (
            workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            archived INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (workspace_id, name)
        );
        CREATE TABLE events (
            seq INTEGER PRIMARY KEY,
            workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            event_name TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            metadata TEXT NOT NULL DEFAULT '{}'
        );
        CREATE UNIQUE INDEX events_dedupe ON events(contact_id, event_name, created_at);
        CREATE INDEX events_ws_name ON events(workspace_id, event_name);
        -- A contact's events newest first (GET /events lists them in that order).
        CREATE INDEX events_contact_time ON events(contact_id, created_at, seq);

        CREATE TABLE journal (
            seq INTEGER PRIMARY KEY,
            workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            request_id TEXT NOT NULL,
            at REAL NOT NULL,
            method TEXT NOT NULL,
            path TEXT NOT NULL,
            query TEXT NOT NULL,
            status INTEGER NOT NULL,
            request_body TEXT,
            response_body TEXT,
            error_code TEXT,
            error_message TEXT,
            warnings TEXT NOT NULL DEFAULT '[]',
            fault_id INTEGER,
            latency_ms REAL NOT NULL
        );
        CREATE INDEX journal_ws_seq ON journal(workspace_id, seq);

        CREATE TABLE faults (
            id INTEGER PRIMARY KEY,
            workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            method TEXT,                     -- NULL matches any method
            path TEXT,                       -- exact path or a glob (/contacts/*); NULL: any
            operation_id TEXT,
            status INTEGER,
            body TEXT,
            latency_ms INTEGER NOT NULL DEFAULT 0,
            drop_connection INTEGER NOT NULL DEFAULT 0,
            remaining INTEGER,               -- NULL: unlimited
            probability REAL,
            seed INTEGER,
            hits INTEGER NOT NULL DEFAULT 0,
            seen INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL
        );
        CREATE INDEX faults_ws ON faults(workspace_id);

        CREATE TABLE rate_windows (
            key TEXT PRIMARY KEY,            -- 'app:<token>' or 'workspace:<id>'
            window_start INTEGER NOT NULL,
            count INTEGER NOT NULL
        );
        """,
    )


# Scalar custom attribute values, one row per contact and attribute, so a search by a custom
# attribute walks an index instead of parsing every contact's JSON. Triggers keep the rows in
# step with `contacts.custom_attributes`, whichever code path writes the contact. `value` has
# no declared type, so it keeps the type JSON gave it (text, integer, real; true/false as 1/0)
# and compares exactly as `json_extract` on the JSON would; JSON nulls are not kept (no value).
_ATTRIBUTE_VALUES_OF_NEW = """
    INSERT INTO contact_attribute_values (contact_seq, workspace_id, name, value)
    SELECT NEW.seq, NEW.workspace_id, key, value FROM json_each(NEW.custom_attributes)
    WHERE type NOT IN ('null', 'object', 'array');
"""


def _m002_contact_attribute_values(db: sqlite_utils.Database) -> None:
    _run_script(
        db,
        f"""
        CREATE TABLE contact_attribute_values (
            contact_seq INTEGER NOT NULL,    -- contacts.seq
            workspace_id TEXT NOT NULL,
            name TEXT NOT NULL,
            value NOT NULL,
            PRIMARY KEY (contact_seq, name)
        ) WITHOUT ROWID;
        INSERT INTO contact_attribute_values (contact_seq, workspace_id, name, value)
        SELECT contacts.seq, contacts.workspace_id, attribute.key, attribute.value
        FROM contacts, json_each(contacts.custom_attributes) AS attribute
        WHERE attribute.type NOT IN ('null', 'object', 'array');
        -- Holds contact_seq too (the primary key): a search never reads the table itself.
        CREATE INDEX contact_attribute_values_lookup
            ON contact_attribute_values(workspace_id, name, value);

        CREATE TRIGGER contacts_attribute_values_insert AFTER INSERT ON contacts
        BEGIN {_ATTRIBUTE_VALUES_OF_NEW}
        END;
        CREATE TRIGGER contacts_attribute_values_update
        AFTER UPDATE OF custom_attributes, seq, workspace_id ON contacts
        WHEN OLD.custom_attributes IS NOT NEW.custom_attributes OR OLD.seq IS NOT NEW.seq
            OR OLD.workspace_id IS NOT NEW.workspace_id
        BEGIN
            DELETE FROM contact_attribute_values WHERE contact_seq = OLD.seq;
            {_ATTRIBUTE_VALUES_OF_NEW}
        END;
        -- Also fires for contacts deleted with their workspace (ON DELETE CASCADE).
        CREATE TRIGGER contacts_attribute_values_delete AFTER DELETE ON contacts
        BEGIN
            DELETE FROM contact_attribute_values WHERE contact_seq = OLD.seq;
        END;
        """,
    )


def _m003_event_summaries(db: sqlite_utils.Database) -> None:
    # What `POST /events/summaries` adds: a count of an event and its first and last times,
    # per contact and event name; `GET /events?summary=true` adds them to the events' own.
    _run_script(
        db,
        """
        CREATE TABLE event_summaries (
            seq INTEGER PRIMARY KEY,
            workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            event_name TEXT NOT NULL,
            count INTEGER NOT NULL,
            first INTEGER NOT NULL,
            last INTEGER NOT NULL,
            created_at INTEGER NOT NULL
        );
        -- A summary sent again (same contact, name, count and times) is stored once.
        CREATE UNIQUE INDEX event_summaries_dedupe
            ON event_summaries(contact_id, event_name, first, last, count);
        CREATE INDEX event_summaries_ws_name ON event_summaries(workspace_id, event_name);
        """,
    )


def _m004_notes_segments_subscriptions(db: sqlite_utils.Database) -> None:
    # A contact's notes, the seed's segments (a name and a search query, evaluated when read)
    # and subscription types with the contacts attached to them (emulator.store.notes,
    # segments, subscriptions).
    _run_script(
        db,
        """
        CREATE TABLE notes (
            id INTEGER PRIMARY KEY,
            workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            admin_id TEXT NOT NULL,
            body TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE INDEX notes_contact ON notes(contact_id, created_at, id);

        CREATE TABLE segments (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            person_type TEXT NOT NULL,
            query TEXT NOT NULL,            -- a POST /contacts/search query, as JSON
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        CREATE INDEX segments_ws ON segments(workspace_id, seq);

        CREATE TABLE subscription_types (
            workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            id TEXT NOT NULL,               -- numeric text, per workspace
            name TEXT NOT NULL,
            description TEXT NOT NULL,
            consent_type TEXT NOT NULL,     -- opt_in or opt_out
            state TEXT NOT NULL,            -- live, draft or archived
            content_types TEXT NOT NULL,    -- JSON list: email, sms_message
            locale TEXT NOT NULL,
            PRIMARY KEY (workspace_id, id)
        );
        CREATE TABLE contact_subscriptions (
            contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            subscription_type_id TEXT NOT NULL,
            consent_type TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (contact_id, subscription_type_id)
        );
        """,
    )


def _m005_company_scrolls(db: sqlite_utils.Database) -> None:
    # The one company scroll a workspace may have open (`GET /companies/scroll`): its parameter,
    # the last company it showed and when it was last used (it expires after a minute unused).
    _run_script(
        db,
        """
        CREATE TABLE company_scrolls (
            workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
            scroll_param TEXT NOT NULL,
            position INTEGER NOT NULL,
            used_at INTEGER NOT NULL
        );
        """,
    )


def _m006_journal_counts(db: sqlite_utils.Database) -> None:
    # How many journal entries each workspace holds, so its limit is kept exactly at each insert
    # without counting the table (emulator.store.journal).
    _run_script(
        db,
        """
        CREATE TABLE journal_counts (
            workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
            entries INTEGER NOT NULL
        );
        INSERT INTO journal_counts (workspace_id, entries)
        SELECT workspace_id, count(*) FROM journal GROUP BY workspace_id;
        """,
    )


def _m007_conversations(db: sqlite_utils.Database) -> None:
    # Conversations (emulator.store.conversations): the conversation and its first message, its
    # parts, its contacts and tags; admins beyond the workspace's own and teams, from the seed.
    _run_script(
        db,
        """
        CREATE TABLE admins (
            workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            id TEXT NOT NULL,
            name TEXT NOT NULL,
            email TEXT NOT NULL,
            PRIMARY KEY (workspace_id, id)
        );
        CREATE TABLE teams (
            workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            id TEXT NOT NULL,
            name TEXT NOT NULL,
            admin_ids TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (workspace_id, id)
        );
        CREATE TABLE conversations (
            seq INTEGER PRIMARY KEY,           -- the conversation's id, as text
            workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            visible INTEGER NOT NULL,          -- 0: an admin's message no contact answered yet
            message_id TEXT NOT NULL,          -- source.id, the first message's id
            message_type TEXT NOT NULL,        -- inapp or email
            delivered_as TEXT NOT NULL,
            subject TEXT NOT NULL DEFAULT '',
            body TEXT NOT NULL,
            author_type TEXT NOT NULL,         -- admin, user or lead
            author_id TEXT NOT NULL,
            attachments TEXT NOT NULL DEFAULT '[]',
            state TEXT NOT NULL,               -- open, closed, snoozed
            read INTEGER NOT NULL DEFAULT 0,
            waiting_since INTEGER,
            snoozed_until INTEGER,
            admin_assignee_id TEXT,
            team_assignee_id TEXT,
            custom_attributes TEXT NOT NULL DEFAULT '{}',
            statistics TEXT NOT NULL DEFAULT '{}',
            first_contact_reply_at INTEGER,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        CREATE INDEX conversations_ws_updated ON conversations(workspace_id, updated_at);
        CREATE INDEX conversations_ws_message ON conversations(workspace_id, message_id);
        CREATE TABLE conversation_parts (
            seq INTEGER PRIMARY KEY,
            conversation_seq INTEGER NOT NULL REFERENCES conversations(seq) ON DELETE CASCADE,
            part_type TEXT NOT NULL,
            body TEXT,
            author_type TEXT NOT NULL,
            author_id TEXT NOT NULL,
            assigned_to TEXT,                  -- JSON {type, id}, or NULL
            attachments TEXT NOT NULL DEFAULT '[]',
            created_at INTEGER NOT NULL
        );
        CREATE INDEX conversation_parts_conversation ON conversation_parts(conversation_seq);
        CREATE TABLE conversation_contacts (
            conversation_seq INTEGER NOT NULL REFERENCES conversations(seq) ON DELETE CASCADE,
            contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            added_at INTEGER NOT NULL,
            PRIMARY KEY (conversation_seq, contact_id)
        );
        CREATE INDEX conversation_contacts_contact ON conversation_contacts(contact_id);
        CREATE TABLE conversation_tags (
            conversation_seq INTEGER NOT NULL REFERENCES conversations(seq) ON DELETE CASCADE,
            tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
            applied_at INTEGER NOT NULL,
            PRIMARY KEY (conversation_seq, tag_id)
        );
        """,
    )


def _m008_webhooks(db: sqlite_utils.Database) -> None:
    # Webhook subscriptions (the control API's, as Intercom's Developer Hub holds them), the
    # outbox of notifications each committed with the change that made it, and every delivery
    # attempt (emulator.store.webhooks, emulator.webhook_delivery).
    _run_script(
        db,
        """
        CREATE TABLE webhook_subscriptions (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            url TEXT NOT NULL,
            topics TEXT NOT NULL,           -- JSON list of topic names
            secret TEXT NOT NULL,           -- the key of X-Hub-Signature
            created_at INTEGER NOT NULL
        );
        CREATE INDEX webhook_subscriptions_ws ON webhook_subscriptions(workspace_id, seq);

        CREATE TABLE webhook_notifications (
            seq INTEGER PRIMARY KEY,        -- the order notifications are delivered in
            id TEXT NOT NULL,               -- notif_<uuid>, the envelope's id
            workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            subscription_id TEXT NOT NULL
                REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
            topic TEXT NOT NULL,
            item TEXT NOT NULL,             -- data.item, as JSON
            created_at INTEGER NOT NULL,    -- the workspace's clock
            state TEXT NOT NULL,            -- pending, delivered or failed
            attempts INTEGER NOT NULL DEFAULT 0,
            first_sent_at INTEGER,
            delivered_at INTEGER,
            next_attempt_at REAL NOT NULL,  -- the workspace's clock
            claimed_until REAL,             -- real time: a sender's lease on the attempt
            claim TEXT                      -- which sender holds it
        );
        CREATE INDEX webhook_notifications_pending
            ON webhook_notifications(state, subscription_id, seq);
        CREATE INDEX webhook_notifications_ws ON webhook_notifications(workspace_id, seq);

        CREATE TABLE webhook_attempts (
            seq INTEGER PRIMARY KEY,
            notification_seq INTEGER NOT NULL
                REFERENCES webhook_notifications(seq) ON DELETE CASCADE,
            number INTEGER NOT NULL,        -- 1 for the first attempt
            attempted_at INTEGER NOT NULL,  -- the workspace's clock
            status INTEGER,                 -- the HTTP status, NULL when none came
            ok INTEGER NOT NULL,
            latency_ms REAL NOT NULL,
            response TEXT NOT NULL          -- the response's first bytes, or the error
        );
        CREATE INDEX webhook_attempts_notification ON webhook_attempts(notification_seq, seq);
        """,
    )


def _m009_seeding(db: sqlite_utils.Database) -> None:
    # The seed being applied to a workspace, chunk by chunk (emulator.store.seed_chunks): while
    # its heartbeat is fresh, the workspace's other requests are refused rather than see half
    # of it.
    _run_script(
        db,
        """
        CREATE TABLE seeding (
            workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
            owner TEXT NOT NULL,
            heartbeat REAL NOT NULL
        );
        """,
    )


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _m001_initial,
    _m002_contact_attribute_values,
    _m003_event_summaries,
    _m004_notes_segments_subscriptions,
    _m005_company_scrolls,
    _m006_journal_counts,
    _m007_conversations,
    _m008_webhooks,
    _m009_seeding,
]


def migrate(db: sqlite_utils.Database) -> int:
    """Bring the schema up to date; returns the version it is at. Safe to run concurrently."""
    with write_transaction(db):
        version = db.execute("PRAGMA user_version").fetchone()[0]
        for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
            migration(db)
            db.execute(f"PRAGMA user_version = {number}")
        return len(MIGRATIONS)
