-- Hongyan local store, second schema: room for group chats, corrections, retractions,
-- reactions, files, archive sync and search, so later features add rows, not table rebuilds.
--
-- Open value sets (message and attachment states, conversation kinds) are TEXT names without
-- a closed CHECK list: a later state is a new name, not a rebuild. Sets fixed by a protocol
-- (presence show values, direction) keep their CHECK.
--
-- `message` and `conversation` are rebuilt (new column types and constraints); `account`
-- gains a column in place; `roster_item` is unchanged. Every message keeps its id.

-- Accounts ------------------------------------------------------------------------------------

-- 1: the user removed the account but kept its local history. The row stays so its
-- conversations stay; the store hides it until the same address is saved again.
ALTER TABLE account ADD COLUMN forgotten INTEGER NOT NULL DEFAULT 0 CHECK (forgotten IN (0, 1));

-- The presence the user last chose for the account, restored at the next sign-in.
CREATE TABLE own_presence (
    account_id INTEGER PRIMARY KEY REFERENCES account (id) ON DELETE CASCADE,
    -- RFC 6121 show values, plus online (no show) and offline (unavailable).
    show       TEXT    NOT NULL CHECK (show IN ('online', 'chat', 'away', 'xa', 'dnd', 'offline')),
    status     TEXT
) STRICT;

-- Conversations -------------------------------------------------------------------------------

CREATE TABLE conversation_v2 (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    -- Bare JID of the contact or room; room@service/nick for a private chat in a room.
    peer            TEXT    NOT NULL,
    -- chat, groupchat or groupchat-private (open set).
    kind            TEXT    NOT NULL DEFAULT 'chat' CHECK (kind <> ''),
    -- Newest message by (sent_at, id), kept by the message_added trigger.
    last_message_id INTEGER,
    last_sent_at    INTEGER,
    -- Highest local order (message.seq) stored in this conversation, 0 before any arrival.
    last_seq        INTEGER NOT NULL DEFAULT 0,
    -- Read marker, a local order position: incoming messages with a seq above it are unread.
    -- 0 until something is read, which leaves older history fetched from an archive (seq <= 0)
    -- read and every arrival (seq >= 1) unread. Never a sender's time, so a message backdated
    -- by its sender still counts when it arrives after the marker.
    read_seq        INTEGER NOT NULL DEFAULT 0,
    -- Incoming, not retracted, seq > read_seq; kept by triggers and by the mark_read methods.
    unread          INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account_id, peer)
) STRICT;

-- Messages ------------------------------------------------------------------------------------

CREATE TABLE message_v2 (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversation_v2 (id) ON DELETE CASCADE,
    -- 0 incoming, 1 outgoing.
    direction       INTEGER NOT NULL CHECK (direction IN (0, 1)),
    -- The stanza's id attribute: what receipts, markers, corrections and reactions refer to.
    remote_id       TEXT,
    -- XEP-0359 ids: chosen by the sending client, and given by the archiving server.
    origin_id       TEXT,
    stanza_id       TEXT,
    -- Who wrote it: the full JID in a chat; the occupant's nick and XEP-0421 occupant-id in
    -- a room. NULL where unknown (messages stored before this schema).
    sender_jid      TEXT,
    sender_nick     TEXT,
    occupant_id     TEXT,
    -- NULL once retracted (a tombstone), or for a message without text.
    body            TEXT,
    -- Milliseconds since the epoch (UTC). sent_at is the time the engine chose to show and
    -- sort by; server_at the archiving server's time, when known; received_at local arrival.
    sent_at         INTEGER NOT NULL,
    server_at       INTEGER,
    received_at     INTEGER NOT NULL,
    -- Local order: arrivals count up from the top, older history fetched from an archive
    -- counts down from the bottom (see local_order). Unread counting uses only this.
    seq             INTEGER NOT NULL,
    -- pending, sent, delivered, displayed, failed, received (open set).
    state           TEXT    NOT NULL CHECK (state <> ''),
    error           TEXT,
    -- Time of the newest correction applied (XEP-0308); earlier versions in message_edit.
    edited_at       INTEGER,
    -- Time of the retraction (XEP-0424/0425); the body is gone from then on.
    retracted_at    INTEGER,
    CHECK (retracted_at IS NULL OR body IS NULL)
) STRICT;

-- Old rows move over with their ids. Their local order is chosen so that every message the
-- 0001 read marker (a time) counted as read comes before every one it counted as unread, in
-- every conversation at once; inside each group, arrival order. A position marker can then
-- give exactly the unread counts the time marker gave.
INSERT INTO conversation_v2 (id, account_id, peer, kind, last_message_id, last_sent_at)
SELECT id, account_id, peer, 'chat', last_message_id, last_sent_at FROM conversation;

INSERT INTO message_v2 (id, conversation_id, direction, remote_id, origin_id, stanza_id,
                        body, sent_at, received_at, seq, state, error)
SELECT m.id, m.conversation_id, m.direction,
       -- Hongyan 0001 sent every message with its origin-id as the stanza id.
       CASE WHEN m.direction = 1 THEN m.origin_id END,
       m.origin_id, m.stanza_id, m.body, m.sent_at, m.received_at,
       row_number() OVER (
           ORDER BY (m.direction = 0 AND (c.read_at IS NULL OR m.sent_at > c.read_at)),
                    m.received_at, m.id),
       CASE m.state
           WHEN 0 THEN 'pending'
           WHEN 1 THEN 'sent'
           WHEN 2 THEN 'failed'
           -- 0001 used "received" for outgoing messages the recipient confirmed.
           ELSE CASE m.direction WHEN 1 THEN 'delivered' ELSE 'received' END
       END,
       m.error
FROM message m JOIN conversation c ON c.id = m.conversation_id;

UPDATE conversation_v2 AS v
SET last_seq = coalesce((SELECT max(seq) FROM message_v2 m WHERE m.conversation_id = v.id), 0);

UPDATE conversation_v2 AS v
SET read_seq = coalesce((SELECT max(m.seq) FROM message_v2 m
                         WHERE m.conversation_id = v.id
                           AND NOT (m.direction = 0 AND m.sent_at > o.read_at)), 0)
FROM conversation o
WHERE o.id = v.id AND o.read_at IS NOT NULL;

-- Counted again under the new rule; equal to the 0001 counts by the choice of order above.
UPDATE conversation_v2 AS v
SET unread = (SELECT count(*) FROM message_v2 m
              WHERE m.conversation_id = v.id AND m.direction = 0 AND m.seq > v.read_seq);

DROP TABLE message;
DROP TABLE conversation;
ALTER TABLE conversation_v2 RENAME TO conversation;
ALTER TABLE message_v2 RENAME TO message;

-- The highest and lowest local order handed out so far: the next arrival gets top + 1, the
-- next message of older history fetched from an archive bottom - 1.
-- Arrivals start at 1 and older history at 0, on either side of the initial read marker.
-- A counter, not max(seq): positions of deleted messages are never handed out again, so a
-- read marker never covers a message that arrives after it was set.
CREATE TABLE local_order (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    top    INTEGER NOT NULL,
    bottom INTEGER NOT NULL
) STRICT;
INSERT INTO local_order (id, top, bottom)
SELECT 1, coalesce(max(seq), 0), coalesce(min(seq), 1) FROM message;

-- History pages are range scans of this index; the rowid (id) is its implicit last column,
-- so (conversation_id, sent_at, id) order comes without a sort step. Short searches in one
-- conversation walk it too.
CREATE INDEX message_history ON message (conversation_id, sent_at);

-- Short searches over a whole account walk messages newest first by time.
CREATE INDEX message_time ON message (sent_at);

-- Unread counting: only what can be unread, in local order.
CREATE INDEX message_unread ON message (conversation_id, seq)
    WHERE direction = 0 AND retracted_at IS NULL;

-- Deduplication of resent, carbon-copied and archived copies of the same message.
CREATE UNIQUE INDEX message_origin_id ON message (conversation_id, direction, origin_id)
    WHERE origin_id IS NOT NULL;
CREATE UNIQUE INDEX message_stanza_id ON message (conversation_id, stanza_id)
    WHERE stanza_id IS NOT NULL;

-- Receipts, markers, corrections and reactions name a message by its stanza id attribute,
-- which senders do not always keep unique: not a unique index.
CREATE INDEX message_remote_id ON message (conversation_id, remote_id)
    WHERE remote_id IS NOT NULL;

-- Outgoing messages still waiting to be sent: few rows, found without scanning history.
CREATE INDEX message_pending ON message (conversation_id)
    WHERE direction = 1 AND state = 'pending';

CREATE TRIGGER message_added AFTER INSERT ON message
BEGIN
    UPDATE conversation
    SET last_message_id = CASE
            WHEN last_message_id IS NULL OR (NEW.sent_at, NEW.id) > (last_sent_at, last_message_id)
            THEN NEW.id ELSE last_message_id END,
        last_sent_at = CASE
            WHEN last_message_id IS NULL OR (NEW.sent_at, NEW.id) > (last_sent_at, last_message_id)
            THEN NEW.sent_at ELSE last_sent_at END,
        last_seq = max(last_seq, NEW.seq),
        unread = unread + (NEW.direction = 0 AND NEW.retracted_at IS NULL AND NEW.seq > read_seq)
    WHERE id = NEW.conversation_id;
END;

-- A retracted message that was unread is not waiting for the user any more.
CREATE TRIGGER message_retracted AFTER UPDATE OF retracted_at ON message
WHEN OLD.retracted_at IS NULL AND NEW.retracted_at IS NOT NULL AND NEW.direction = 0
BEGIN
    UPDATE conversation
    SET unread = unread - (NEW.seq > read_seq)
    WHERE id = NEW.conversation_id;
END;

-- Earlier versions of corrected messages. `body` is the text of a version and `version_at`
-- the time it was written (the original's sent_at or a correction's time), so corrections
-- arriving out of order still give the right sequence of versions.
CREATE TABLE message_edit (
    id         INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES message (id) ON DELETE CASCADE,
    body       TEXT    NOT NULL,
    version_at INTEGER NOT NULL
) STRICT;
CREATE INDEX message_edit_message ON message_edit (message_id, version_at);

-- XEP-0444 reactions: one row per (message, sender) holding the sender's whole current set,
-- because a new reaction stanza replaces that sender's previous set. An empty set is kept
-- with its time so that an older, replayed set cannot come back.
CREATE TABLE reaction (
    message_id INTEGER NOT NULL REFERENCES message (id) ON DELETE CASCADE,
    -- Bare JID in a chat; occupant-id (else nick) in a room.
    sender     TEXT    NOT NULL,
    -- JSON array of emoji strings, no repeats, in the sender's order.
    emojis     TEXT    NOT NULL CHECK (json_valid(emojis) AND json_type(emojis) = 'array'),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (message_id, sender)
) STRICT, WITHOUT ROWID;

-- Files sent or received with a message (HTTP upload, OOB, Jingle).
CREATE TABLE attachment (
    id             INTEGER PRIMARY KEY,
    message_id     INTEGER NOT NULL REFERENCES message (id) ON DELETE CASCADE,
    -- Where the file can be fetched; NULL while an upload of ours has none yet.
    url            TEXT,
    -- The name shown to the user. Never used as a path.
    name           TEXT,
    mime           TEXT,
    size           INTEGER CHECK (size IS NULL OR size >= 0),
    -- XEP-0300 hash: algorithm name (e.g. sha-256) and base64 value, both or neither.
    hash_algo      TEXT,
    hash           TEXT,
    -- Path of the local copy, chosen by Hongyan inside its own folders.
    local_path     TEXT,
    -- offered, downloading, downloaded, uploading, uploaded, failed (open set).
    state          TEXT    NOT NULL CHECK (state <> ''),
    -- Thumbnail as offered by the sender (XEP-0264 URI) and our local copy of it.
    thumbnail_url  TEXT,
    thumbnail_path TEXT,
    CHECK ((hash_algo IS NULL) = (hash IS NULL))
) STRICT;
CREATE INDEX attachment_message ON attachment (message_id);

-- Archive catch-up (XEP-0313) per (account, archive): the newest and oldest stanza-id this
-- store holds from that archive, so a sync resumes where it stopped in either direction.
CREATE TABLE archive_sync (
    account_id INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    -- The archive's JID: our own bare JID, or a room's.
    archive    TEXT    NOT NULL,
    newest_id  TEXT,
    newest_at  INTEGER,
    oldest_id  TEXT,
    oldest_at  INTEGER,
    -- 1 once paging back reached the start of the archive.
    complete   INTEGER NOT NULL DEFAULT 0 CHECK (complete IN (0, 1)),
    CHECK ((newest_id IS NULL) = (newest_at IS NULL)),
    CHECK ((oldest_id IS NULL) = (oldest_at IS NULL)),
    PRIMARY KEY (account_id, archive)
) STRICT, WITHOUT ROWID;

-- Full-text search -----------------------------------------------------------------------------

-- Trigram index of message bodies: finds any substring of three or more characters, Chinese
-- included (word tokenizers do not split Chinese). External content: the text lives only in
-- `message`; the triggers below keep the index equal to the current, not retracted bodies.
CREATE VIRTUAL TABLE message_fts USING fts5 (
    body,
    content = 'message',
    content_rowid = 'id',
    tokenize = 'trigram'
);

INSERT INTO message_fts (rowid, body)
SELECT id, body FROM message WHERE body IS NOT NULL AND retracted_at IS NULL;

CREATE TRIGGER message_fts_insert AFTER INSERT ON message
WHEN NEW.body IS NOT NULL AND NEW.retracted_at IS NULL
BEGIN
    INSERT INTO message_fts (rowid, body) VALUES (NEW.id, NEW.body);
END;

-- Also runs for messages removed with their account or conversation (ON DELETE CASCADE),
-- so no index entry outlives its row and later points at a reused id.
CREATE TRIGGER message_fts_delete AFTER DELETE ON message
WHEN OLD.body IS NOT NULL AND OLD.retracted_at IS NULL
BEGIN
    INSERT INTO message_fts (message_fts, rowid, body) VALUES ('delete', OLD.id, OLD.body);
END;

-- Corrections and retractions.
CREATE TRIGGER message_fts_update AFTER UPDATE OF body, retracted_at ON message
WHEN OLD.body IS NOT NEW.body OR OLD.retracted_at IS NOT NEW.retracted_at
BEGIN
    INSERT INTO message_fts (message_fts, rowid, body)
    SELECT 'delete', OLD.id, OLD.body WHERE OLD.body IS NOT NULL AND OLD.retracted_at IS NULL;
    INSERT INTO message_fts (rowid, body)
    SELECT NEW.id, NEW.body WHERE NEW.body IS NOT NULL AND NEW.retracted_at IS NULL;
END;
