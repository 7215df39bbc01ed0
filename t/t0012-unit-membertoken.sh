#!/bin/sh
test_description='member action tokens in C (t/helper/test-membertoken.c)

test-membertoken prints its own TAP: tokens made and checked in any
case, on their last day and after it, for another action, address,
community or key, with a changed MAC or a lengthened expiry, and a list
of malformed ones.'
. "$(dirname "$0")/test-lib.sh"

if ! command -v test-membertoken >/dev/null 2>&1; then
	echo "Bail out! no test-membertoken in $KRING_BUILD/bin: run make"
	exit 1
fi

test-membertoken 2>"$TRASH/stderr"
status=$?
test_run_cleanup_
if [ "$status" -ne 0 ]; then
	echo "# test-membertoken exited with $status; scratch kept in $TRASH"
	exit 1
fi
if [ -s "$TRASH/stderr" ]; then
	sed 's/^/# stderr: /' "$TRASH/stderr" | head -60
	echo "# test-membertoken wrote to stderr; scratch kept in $TRASH"
	exit 1
fi
cd "$TEST_DIR" && rm -rf "$TRASH"
exit 0
