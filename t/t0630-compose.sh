#!/bin/sh
test_description='the message composer and Markdown (t/helper/test-compose.c)

test-compose prints its own TAP: encoded words for non-ASCII names and
subjects, multipart/alternative and text-only bodies, CRLF, Date and
Message-ID, header injection through names, subjects and field values,
refused addresses and field names, Markdown in safe mode, and mbox
previews read back by kring'"'"'s own mbox reader.'
. "$(dirname "$0")/test-lib.sh"

if ! command -v test-compose >/dev/null 2>&1; then
	echo "Bail out! no test-compose in $KRING_BUILD/bin: run make"
	exit 1
fi

test-compose all 2>"$TRASH/stderr"
status=$?
if [ -s "$TRASH/stderr" ]; then
	sed 's/^/# stderr: /' "$TRASH/stderr" | head -60
fi
test_run_cleanup_
if [ "$status" -ne 0 ]; then
	echo "# test-compose exited with $status; output kept in $TRASH"
	exit 1
fi
if [ -s "$TRASH/stderr" ]; then
	echo "# test-compose wrote to stderr; output kept in $TRASH"
	exit 1
fi
cd "$TEST_DIR" && rm -rf "$TRASH"
exit 0
