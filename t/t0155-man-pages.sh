#!/bin/sh
test_description='the man pages: groff and man format them without a warning, none is a .so stub, each names itself, and every program has one that names the options of its --help'
. "$(dirname "$0")/test-lib.sh"

MAN_DIR=$(cd "$TEST_DIR/../man" && pwd) || {
	echo "Bail out! no man folder beside t/"
	exit 1
}

# Only what Debian's man-db and groff-base give; nothing is installed.
command -v groff >/dev/null 2>&1 || test_skip_all "no groff (Debian: groff-base)"
command -v man >/dev/null 2>&1 || test_skip_all "no man (Debian: man-db)"

MANPAGER=cat
PAGER=cat
export MANPAGER PAGER

# PAGE as plain ASCII (no Unicode hyphens or minus signs), without
# hyphenation or justification, WIDTH (default 200) columns wide so that
# no option is split: text to search.
man_text() {
	MANWIDTH=${2:-200} man -E ascii --nh --nj -l "$1"
}

# Each test checks every page and names every fault (bad_=1), so one
# run shows them all.
bad() {
	test_fail "$@"
	bad_=1
}

test_expect_success 'the man folder has pages' '
	n=0
	for f in "$MAN_DIR"/*; do
		[ -f "$f" ] && n=$((n + 1))
	done
	[ $n -ge 3 ] || test_fail "only $n files in $MAN_DIR"
'

test_expect_success 'groff -man -ww: no warning for any page' '
	bad_=0
	for f in "$MAN_DIR"/*; do
		groff -man -ww -z "$f" >groff.out 2>&1 || bad "groff exited $? on $f"
		if [ -s groff.out ]; then
			cat groff.out >&2
			bad "$f: groff warns"
		fi
	done
	[ $bad_ = 0 ]
'

test_expect_success 'man --warnings -l: no warning for any page' '
	bad_=0
	for f in "$MAN_DIR"/*; do
		MANWIDTH=80 man --warnings -l "$f" 2>man.err >/dev/null ||
			bad "man exited $? on $f"
		if [ -s man.err ]; then
			cat man.err >&2
			bad "$f: man warns"
		fi
	done
	[ $bad_ = 0 ]
'

test_expect_success 'no page is a .so stub' '
	bad_=0
	for f in "$MAN_DIR"/*; do
		if grep -n "^\.so" "$f" >&2; then
			bad "$f is a .so stub, not a page"
		fi
	done
	[ $bad_ = 0 ]
'

test_expect_success 'man -l renders a NAME section that names the page' '
	bad_=0
	for f in "$MAN_DIR"/*; do
		page=$(basename "$f")
		name=${page%.*}
		man_text "$f" 80 >page.txt 2>man.err || bad "man exited $? on $f"
		if ! grep -qx "NAME" page.txt; then
			bad "$page: no NAME section"
			continue
		fi
		line=$(sed -n "/^NAME\$/,/^[A-Z]/{/^ /p;}" page.txt | head -1 |
			sed "s/^ *//")
		case "$line" in
		"$name - "?*) ;;
		*) bad "$page: NAME says \"$line\", not \"$name - ...\"" ;;
		esac
	done
	[ $bad_ = 0 ]
'

test_expect_success 'every program has a page, naming each --long option its --help prints' '
	bad_=0
	seen=
	for p in "$KRING_BUILD"/bin/*; do
		prog=$(basename "$p")
		case "$prog" in
		kring | kringd | kring-*) ;;
		*) continue ;;	# test-*, bench-*, fuzz-*: not installed
		esac
		[ -f "$p" ] && [ -x "$p" ] || continue
		seen="$seen $prog"
		page=
		for f in "$MAN_DIR/$prog".[1-9]; do
			[ -f "$f" ] && { page=$f; break; }
		done
		if [ -z "$page" ]; then
			bad "$prog: no page $MAN_DIR/$prog.N"
			continue
		fi
		"$p" --help >help.out 2>&1 || bad "$prog --help exited $?"
		man_text "$page" >page.txt 2>man.err || bad "man exited $? on $page"
		for opt in $(grep -o -- "--[a-z][a-z0-9-]*" help.out | sort -u); do
			grep -qE -- "(^|[^a-z0-9-])$opt([^a-z0-9-]|\$)" page.txt ||
				bad "$prog: $opt (in --help) not in $(basename "$page")"
		done
	done
	for want in kring kringd; do
		case " $seen " in
		*" $want "*) ;;
		*) bad "no $want in $KRING_BUILD/bin: run make" ;;
		esac
	done
	[ $bad_ = 0 ]
'

test_done
