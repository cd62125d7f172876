/*
 * The SQLite schemas keybroker-server and cca-verifier wrote before the
 * state layer (schema version 1, docs/state.md), verbatim: what files in
 * use today hold. The migration tests (test_state, test_broker,
 * test_verifier) build such files with them and open them with the
 * current code.
 */
#ifndef TESTS_STATE_V1_H
#define TESTS_STATE_V1_H

#define STATE_V1_BROKER_SQL \
    "CREATE TABLE IF NOT EXISTS challenge (" \
    " id INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 4294967295)," \
    " nonce BLOB NOT NULL CHECK (length(nonce) = 64)," \
    " key TEXT NOT NULL," \
    " wrapkey TEXT NOT NULL," \
    " created INTEGER NOT NULL," \
    " expires INTEGER NOT NULL) STRICT;" \
    "CREATE INDEX IF NOT EXISTS challenge_expires ON challenge(expires);" \
    "PRAGMA user_version = 1;"

#define STATE_V1_VERIFIER_SQL \
    "CREATE TABLE IF NOT EXISTS session (" \
    " id TEXT PRIMARY KEY CHECK (length(id) = 36)," \
    " nonce BLOB NOT NULL CHECK (length(nonce) BETWEEN 8 AND 64)," \
    " created INTEGER NOT NULL," \
    " expires INTEGER NOT NULL," \
    " status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 3)," \
    " media_type TEXT," \
    " evidence BLOB," \
    " result TEXT) STRICT;" \
    "CREATE INDEX IF NOT EXISTS session_expires ON session(expires);" \
    "CREATE TABLE IF NOT EXISTS provisioned (" \
    " seq INTEGER PRIMARY KEY AUTOINCREMENT," \
    " id TEXT NOT NULL UNIQUE CHECK (length(id) = 32)," \
    " class INTEGER NOT NULL CHECK (class IN (1, 2))," \
    " kind TEXT NOT NULL CHECK (kind IN ('t', 'p', 'r'))," \
    " json TEXT NOT NULL," \
    " created INTEGER NOT NULL) STRICT;" \
    "CREATE TABLE IF NOT EXISTS meta (" \
    " name TEXT PRIMARY KEY," \
    " value BLOB NOT NULL) STRICT;" \
    "PRAGMA user_version = 1;"

#endif
