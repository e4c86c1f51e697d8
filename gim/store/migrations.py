"""The database schema, as sqlite-utils migrations applied in order on every open.

Never edit a migration that has shipped: add a new one. Each runs in a transaction with
the record of it having been applied, so a failure leaves the database as it was.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("gim")
"""The migration set for ``gim.db``."""

_TABLES = """
CREATE TABLE clients (
    code TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT ''
);
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    client TEXT NOT NULL REFERENCES clients(code),
    number INTEGER,
    program TEXT NOT NULL,
    program_snapshot TEXT NOT NULL DEFAULT '{}',
    focus TEXT NOT NULL DEFAULT '',
    consent TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    samplerate INTEGER NOT NULL,
    audio_seconds REAL NOT NULL DEFAULT 0,
    phases TEXT NOT NULL DEFAULT '[]',
    gaps TEXT NOT NULL DEFAULT '[]',
    induction TEXT NOT NULL DEFAULT '',
    postlude_notes TEXT NOT NULL DEFAULT '',
    mandala_title TEXT NOT NULL DEFAULT '',
    mandala_description TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    guide TEXT NOT NULL DEFAULT '',
    delay_frames REAL NOT NULL DEFAULT 0
);
CREATE INDEX sessions_client ON sessions(client, started_at);
CREATE TABLE playback_events (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    frame INTEGER NOT NULL,
    action TEXT NOT NULL,
    piece INTEGER,
    "offset" INTEGER NOT NULL DEFAULT 0,
    value REAL,
    PRIMARY KEY (session_id, seq)
);
CREATE TABLE segments (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    start REAL NOT NULL,
    "end" REAL NOT NULL,
    text TEXT NOT NULL,
    speaker TEXT NOT NULL,
    source TEXT NOT NULL,
    confidence REAL,
    flagged INTEGER NOT NULL DEFAULT 0,
    flag_reason TEXT NOT NULL DEFAULT '',
    piece INTEGER,
    piece_offset REAL
);
CREATE INDEX segments_session ON segments(session_id, start);
CREATE TABLE words (
    id INTEGER PRIMARY KEY,
    segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
    start REAL NOT NULL,
    "end" REAL NOT NULL,
    text TEXT NOT NULL,
    probability REAL NOT NULL DEFAULT 1
);
CREATE INDEX words_segment ON words(segment_id);
CREATE TABLE annotations (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    time REAL NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    author TEXT NOT NULL DEFAULT '',
    segment_id INTEGER REFERENCES segments(id) ON DELETE SET NULL
);
CREATE INDEX annotations_session ON annotations(session_id, time);
CREATE INDEX annotations_segment ON annotations(segment_id);
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT ''
);
CREATE INDEX attachments_session ON attachments(session_id);
"""

# One full-text index over transcript lines and annotations, so bm25 ranks both on one
# scale. Its rowid encodes the source row: 2*id for a segment, 2*id+1 for an annotation,
# which lets the triggers find an entry without scanning.
_SEARCH = """
CREATE VIRTUAL TABLE search_index USING fts5(
    text, session_id UNINDEXED, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER segments_ai AFTER INSERT ON segments BEGIN
    INSERT INTO search_index(rowid, text, session_id) VALUES (2 * new.id, new.text, new.session_id);
END;
CREATE TRIGGER segments_au AFTER UPDATE OF text ON segments BEGIN
    DELETE FROM search_index WHERE rowid = 2 * old.id;
    INSERT INTO search_index(rowid, text, session_id) VALUES (2 * new.id, new.text, new.session_id);
END;
CREATE TRIGGER segments_ad AFTER DELETE ON segments BEGIN
    DELETE FROM search_index WHERE rowid = 2 * old.id;
END;
CREATE TRIGGER annotations_ai AFTER INSERT ON annotations BEGIN
    INSERT INTO search_index(rowid, text, session_id)
        VALUES (2 * new.id + 1, new.text, new.session_id);
END;
CREATE TRIGGER annotations_au AFTER UPDATE OF text ON annotations BEGIN
    DELETE FROM search_index WHERE rowid = 2 * old.id + 1;
    INSERT INTO search_index(rowid, text, session_id)
        VALUES (2 * new.id + 1, new.text, new.session_id);
END;
CREATE TRIGGER annotations_ad AFTER DELETE ON annotations BEGIN
    DELETE FROM search_index WHERE rowid = 2 * old.id + 1;
END;
"""


@MIGRATIONS(name="0001_tables")
def _tables(db: Database) -> None:
    db.executescript(_TABLES)


@MIGRATIONS(name="0002_search")
def _search(db: Database) -> None:
    db.executescript(_SEARCH)


@MIGRATIONS(name="0003_delay_points")
def _delay_points(db: Database) -> None:
    # Every lag measurement, not only their median, so stored sessions are placed in the
    # music by the same SessionClock as the live screen (drift included).
    db.execute("ALTER TABLE sessions ADD COLUMN delay_points TEXT NOT NULL DEFAULT '[]'")


@MIGRATIONS(name="0004_speaker_confidence")
def _speaker_confidence(db: Database) -> None:
    # How sure the voice label of a line is (None for lines labelled by channel or by hand).
    db.execute("ALTER TABLE segments ADD COLUMN speaker_confidence REAL")


@MIGRATIONS(name="0005_languages_and_models")
def _languages_and_models(db: Database) -> None:
    # A language per client (the default for their next session) and per session (what
    # Whisper was told); the model that made each line (the live pass may be smaller than
    # the final one). Sessions recorded before were English, their model unrecorded.
    db.execute("ALTER TABLE clients ADD COLUMN language TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE sessions ADD COLUMN language TEXT NOT NULL DEFAULT 'en'")
    db.execute("ALTER TABLE segments ADD COLUMN model TEXT NOT NULL DEFAULT ''")


_FOLDS = (
    ("ø", "o"), ("Ø", "O"), ("æ", "ae"), ("Æ", "AE"), ("œ", "oe"), ("Œ", "OE"),
    ("ß", "ss"), ("ł", "l"), ("Ł", "L"), ("đ", "d"), ("Đ", "D"), ("ħ", "h"), ("Ħ", "H"),
)  # fmt: skip
"""Letters FTS5's remove_diacritics leaves alone (Unicode gives them no base letter), as a
guide without them on the keyboard types them."""


def folded(column: str) -> str:
    """SQL for ``column`` with the `_FOLDS` letters replaced (built-in functions only: the
    triggers must work in any SQLite, not just in a connection gim set up)."""
    expr = column
    for letter, plain in _FOLDS:
        expr = f"replace({expr}, '{letter}', '{plain}')"
    return expr


def _search_folded_script() -> str:
    seg = note = folded("new.text")
    return f"""
DROP TRIGGER IF EXISTS segments_ai; DROP TRIGGER IF EXISTS segments_au;
DROP TRIGGER IF EXISTS segments_ad; DROP TRIGGER IF EXISTS annotations_ai;
DROP TRIGGER IF EXISTS annotations_au; DROP TRIGGER IF EXISTS annotations_ad;
DROP TABLE IF EXISTS search_index;
CREATE VIRTUAL TABLE search_index USING fts5(
    text, folded, session_id UNINDEXED, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER segments_ai AFTER INSERT ON segments BEGIN
    INSERT INTO search_index(rowid, text, folded, session_id)
        VALUES (2 * new.id, new.text, {seg}, new.session_id);
END;
CREATE TRIGGER segments_au AFTER UPDATE OF text ON segments BEGIN
    DELETE FROM search_index WHERE rowid = 2 * old.id;
    INSERT INTO search_index(rowid, text, folded, session_id)
        VALUES (2 * new.id, new.text, {seg}, new.session_id);
END;
CREATE TRIGGER segments_ad AFTER DELETE ON segments BEGIN
    DELETE FROM search_index WHERE rowid = 2 * old.id;
END;
CREATE TRIGGER annotations_ai AFTER INSERT ON annotations BEGIN
    INSERT INTO search_index(rowid, text, folded, session_id)
        VALUES (2 * new.id + 1, new.text, {note}, new.session_id);
END;
CREATE TRIGGER annotations_au AFTER UPDATE OF text ON annotations BEGIN
    DELETE FROM search_index WHERE rowid = 2 * old.id + 1;
    INSERT INTO search_index(rowid, text, folded, session_id)
        VALUES (2 * new.id + 1, new.text, {note}, new.session_id);
END;
CREATE TRIGGER annotations_ad AFTER DELETE ON annotations BEGIN
    DELETE FROM search_index WHERE rowid = 2 * old.id + 1;
END;
INSERT INTO search_index(rowid, text, folded, session_id)
    SELECT 2 * id, text, {folded("text")}, session_id FROM segments;
INSERT INTO search_index(rowid, text, folded, session_id)
    SELECT 2 * id + 1, text, {folded("text")}, session_id FROM annotations;
"""


@MIGRATIONS(name="0006_search_folded")
def _search_folded(db: Database) -> None:
    # The index again, with a second column holding the text with ø, æ, ß, ł... written
    # as a keyboard without them would ("Soren" finds "Søren"); rebuilt from the rows, so
    # existing databases find their old lines the same way.
    db.executescript(_search_folded_script())


@MIGRATIONS(name="0007_client_codes")
def _client_codes(db: Database) -> None:
    # Client codes are case-insensitive, stored in upper case: t01 and T01 were two
    # clients; they become one, with every session, and notes kept from both.
    rows = db.execute("SELECT code, notes FROM clients WHERE code != upper(trim(code))")
    merged = set()
    for code, notes in list(rows):
        canonical = code.strip().upper()
        db.execute(
            "INSERT OR IGNORE INTO clients (code, created_at, notes, language) "
            "SELECT ?, created_at, '', language FROM clients WHERE code = ?",
            [canonical, code],
        )
        if notes:
            db.execute(
                "UPDATE clients SET notes = trim(notes || char(10) || ?) WHERE code = ?",
                [notes, canonical],
            )
        db.execute("UPDATE sessions SET client = ? WHERE client = ?", [canonical, code])
        db.execute("DELETE FROM clients WHERE code = ?", [code])
        merged.add(canonical)
    for canonical in merged:  # one series: numbered again in the order they happened
        ids = db.execute(
            "SELECT id FROM sessions WHERE client = ? ORDER BY started_at, id", [canonical]
        )
        for number, (session_id,) in enumerate(list(ids), 1):
            db.execute("UPDATE sessions SET number = ? WHERE id = ?", [number, session_id])


@MIGRATIONS(name="0008_speaker_labels")
def _speaker_labels(db: Database) -> None:
    # How a session's speaker labels were made (an enrolled voice, the induction, two
    # clusters, two channels), said in its transcript's header; unknown for older sessions.
    db.execute("ALTER TABLE sessions ADD COLUMN speaker_labels TEXT NOT NULL DEFAULT ''")


def migrate(db: Database) -> None:
    """Bring ``db`` to the current schema (a no-op when it is up to date)."""
    MIGRATIONS.apply(db)
