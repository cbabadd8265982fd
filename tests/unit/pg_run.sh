#!/usr/bin/env bash
# Runs a unit test that uses the store (tests/unit/unit_db.h) on a real
# PostgreSQL 15 in a scratch directory (tests/lib/pg.sh): each database
# the test asks for is created on that server.  Argument: the executable.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/pg.sh"
pg_start || { echo "not ok - PostgreSQL started"; exit 1; }
INGOT_TEST_PG="host=$PG_SOCK&user=ingot" "$1"
