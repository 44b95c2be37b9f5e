-- Hongyan local store, first schema.
--
-- Accounts never hold a password: secrets live in the OS keyring.
-- Conversations give every (account, peer) pair a small integer key, so the message
-- table and its indexes carry one integer instead of two JIDs per row.

CREATE TABLE account (
    id                 INTEGER PRIMARY KEY,
    jid                TEXT    NOT NULL UNIQUE,
    host               TEXT,
    port               INTEGER CHECK (port BETWEEN 0 AND 65535),
    -- SHA-256 of the server certificate the user chose to trust: lowercase hex, no colons.
    pinned_cert_sha256 TEXT    CHECK (pinned_cert_sha256 IS NULL OR
                                      (length(pinned_cert_sha256) = 64 AND
                                       pinned_cert_sha256 NOT GLOB '*[^0-9a-f]*')),
    resource           TEXT    NOT NULL,
    auto_connect       INTEGER NOT NULL CHECK (auto_connect IN (0, 1)),
    created_at         INTEGER NOT NULL,
    last_login_at      INTEGER,
    -- XEP-0237 roster version of the cached roster below.
    roster_version     TEXT
) STRICT;

CREATE TABLE roster_item (
    account_id   INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    jid          TEXT    NOT NULL,
    name         TEXT,
    -- JSON array of group names.
    groups       TEXT    NOT NULL DEFAULT '[]',
    subscription TEXT    NOT NULL CHECK (subscription IN ('none', 'to', 'from', 'both')),
    ask_pending  INTEGER NOT NULL CHECK (ask_pending IN (0, 1)),
    PRIMARY KEY (account_id, jid)
) STRICT, WITHOUT ROWID;

CREATE TABLE conversation (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    peer            TEXT    NOT NULL,
    -- Newest message by (sent_at, id), kept by the message_added trigger.
    last_message_id INTEGER,
    last_sent_at    INTEGER,
    -- Read marker: incoming messages with sent_at above it are unread. NULL: nothing read yet.
    read_at         INTEGER,
    -- Incoming messages with sent_at > read_at; kept by the trigger and by mark_read.
    unread          INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account_id, peer)
) STRICT;

CREATE TABLE message (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
    -- 0 incoming, 1 outgoing.
    direction       INTEGER NOT NULL CHECK (direction IN (0, 1)),
    body            TEXT    NOT NULL,
    sent_at         INTEGER NOT NULL,
    received_at     INTEGER NOT NULL,
    origin_id       TEXT,
    stanza_id       TEXT,
    -- 0 pending, 1 sent, 2 failed, 3 received.
    state           INTEGER NOT NULL CHECK (state BETWEEN 0 AND 3),
    error           TEXT
) STRICT;

-- History pages are range scans of this index; the rowid (id) is its implicit last column,
-- so (conversation_id, sent_at, id) order comes without a sort step.
CREATE INDEX message_history ON message (conversation_id, sent_at);

-- Deduplication of resent, carbon-copied and archived copies of the same message.
CREATE UNIQUE INDEX message_origin_id ON message (conversation_id, direction, origin_id)
    WHERE origin_id IS NOT NULL;
CREATE UNIQUE INDEX message_stanza_id ON message (conversation_id, stanza_id)
    WHERE stanza_id IS NOT NULL;

-- Outgoing messages still waiting to be sent: few rows, found without scanning history.
CREATE INDEX message_pending ON message (conversation_id) WHERE direction = 1 AND state = 0;

CREATE TRIGGER message_added AFTER INSERT ON message
BEGIN
    UPDATE conversation
    SET last_message_id = CASE
            WHEN last_message_id IS NULL OR (NEW.sent_at, NEW.id) > (last_sent_at, last_message_id)
            THEN NEW.id ELSE last_message_id END,
        last_sent_at = CASE
            WHEN last_message_id IS NULL OR (NEW.sent_at, NEW.id) > (last_sent_at, last_message_id)
            THEN NEW.sent_at ELSE last_sent_at END,
        unread = unread + (NEW.direction = 0 AND (read_at IS NULL OR NEW.sent_at > read_at))
    WHERE id = NEW.conversation_id;
END;
