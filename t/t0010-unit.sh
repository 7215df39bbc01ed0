#!/bin/sh
test_description='unit tests of libkring in C (t/helper/test-tool.c)

test-tool prints its own TAP: SMTP command and path parsing, subjects,
the body offset, the mbox reader, idkeys, msginfo, the config, and
threading through ingest_message on scratch stores (out-of-order
arrival, late parents, merges, loops, subject fallback, duplicates,
derived ids, and the same messages in many orders).'
. "$(dirname "$0")/test-lib.sh"

if ! command -v test-tool >/dev/null 2>&1; then
	echo "Bail out! no test-tool in $KRING_BUILD/bin: run make"
	exit 1
fi

# Scratch stores go into this script's trash folder.
TMPDIR=$TRASH test-tool all 2>"$TRASH/stderr"
status=$?
if [ -s "$TRASH/stderr" ]; then
	sed 's/^/# stderr: /' "$TRASH/stderr" | head -60
fi
test_run_cleanup_
if [ "$status" -ne 0 ]; then
	echo "# test-tool exited with $status; scratch kept in $TRASH"
	exit 1
fi
if [ -s "$TRASH/stderr" ]; then
	echo "# test-tool wrote to stderr; scratch kept in $TRASH"
	exit 1
fi
cd "$TEST_DIR" && rm -rf "$TRASH"
exit 0
