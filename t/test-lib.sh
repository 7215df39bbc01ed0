# test-lib.sh: a small TAP test library in the style of git's t/test-lib.sh.
#
#   test_description='what this script tests'
#   . "$(dirname "$0")/test-lib.sh"
#   test_expect_success 'title' '
#           command && command
#   '
#   test_done
#
# Each script runs in its own scratch folder t/trash.NAME (kept when a test
# fails, removed otherwise).  KRING_BUILD names the build folder to test
# (default: ../build); its bin/ comes first on PATH.  "Now" is fixed for
# the tools by KRING_NOW unless a test sets it otherwise.

TEST_DIR=$(cd "$(dirname "$0")" && pwd)
TEST_NAME=$(basename "$0" .sh)
KRING_BUILD=${KRING_BUILD:-$TEST_DIR/../build}
KRING_BUILD=$(cd "$KRING_BUILD" && pwd) || {
	echo "Bail out! no build folder $KRING_BUILD: run make first"
	exit 1
}
PATH=$KRING_BUILD/bin:$PATH
CORPORA=${KRING_CORPORA:-$TEST_DIR/../../shared/corpora}
PYTHON=/usr/bin/python3	# Debian's, which has aiosmtpd and friends
export PATH KRING_BUILD CORPORA PYTHON
unset KRING_STORE KRING_CONFIG KRING_NOW
LC_ALL=C.UTF-8
export LC_ALL
# Sanitizer builds: any report is fatal and lands in the program's stderr.
ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1:exitcode=99}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99}
export ASAN_OPTIONS UBSAN_OPTIONS

TRASH=$TEST_DIR/trash.$TEST_NAME
rm -rf "$TRASH"
mkdir -p "$TRASH" || exit 1
cd "$TRASH" || exit 1

test_count=0
test_failed=0
test_skipped=0
test_cleanup_cmds=

# Run CMD at exit, even when the script dies (daemons to stop).
test_at_exit() {
	test_cleanup_cmds="$1
$test_cleanup_cmds"
}

test_run_cleanup_() {
	eval "$test_cleanup_cmds"
	test_cleanup_cmds=
}
trap 'test_run_cleanup_' EXIT

# Run the steps in this shell (so a step may set variables for later
# ones); chain them with && so that any failure fails the test.  The
# steps run inside a function of their own, so that "return 1" (e.g. to
# leave a loop) fails the test rather than skipping its report.
test_eval_() {
	eval "$1"
}

test_expect_success() {
	test_count=$((test_count + 1))
	if test_eval_ "$2" >"$TRASH/out.$test_count" 2>&1; then
		echo "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1"
		sed 's/^/#    /' "$TRASH/out.$test_count" | tail -40
	fi
}

test_skip() {
	test_count=$((test_count + 1))
	test_skipped=$((test_skipped + 1))
	echo "ok $test_count # skip $1 ($2)"
}

# Skip the whole script with REASON.
test_skip_all() {
	echo "1..0 # SKIP $1"
	test_run_cleanup_
	rm -rf "$TRASH"
	exit 0
}

test_cmp() {
	diff -u "$1" "$2"
}

# test_expect_code CODE COMMAND...: run COMMAND; true when it exits CODE.
test_expect_code() {
	want_=$1
	shift
	got_=0
	"$@" || got_=$?
	[ "$got_" -eq "$want_" ] && return 0
	echo "FAIL: $* exited $got_, not $want_" >&2
	return 1
}

# Fail with a message.
test_fail() {
	echo "FAIL: $*" >&2
	return 1
}

test_done() {
	test_run_cleanup_
	echo "1..$test_count"
	if [ "$test_failed" -eq 0 ]; then
		cd "$TEST_DIR" && rm -rf "$TRASH"
		exit 0
	fi
	echo "# failed $test_failed of $test_count; scratch kept in $TRASH"
	exit 1
}

# The corpora of real mail live beside the project, never in it.
test_need_corpora() {
	[ -d "$CORPORA" ] || test_skip_all "no corpora at $CORPORA (../shared/corpora beside the project)"
}

# test_tap_program PROGRAM [ARG...]: the whole script is PROGRAM's own
# TAP (a C test in t/helper); it fails on a bad exit or on anything
# written to stderr, keeping the scratch folder then.
test_tap_program() {
	prog_=$1
	if ! command -v "$prog_" >/dev/null 2>&1; then
		echo "Bail out! no $prog_ in $KRING_BUILD/bin: run make"
		exit 1
	fi
	TMPDIR=$TRASH "$@" 2>"$TRASH/stderr"
	status_=$?
	test_run_cleanup_
	if [ -s "$TRASH/stderr" ]; then
		sed 's/^/# stderr: /' "$TRASH/stderr" | head -60
		echo "# $prog_ wrote to stderr; scratch kept in $TRASH"
		exit 1
	fi
	if [ "$status_" -ne 0 ]; then
		echo "# $prog_ exited with $status_; scratch kept in $TRASH"
		exit 1
	fi
	cd "$TEST_DIR" && rm -rf "$TRASH"
	exit 0
}
