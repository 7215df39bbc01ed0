#!/bin/sh
test_description='the template engine and the shipped templates

test-template prints its own TAP first (every tag, escaping, sections,
names and the context stack, partials, standalone lines, an admin folder
over the shipped one, every error with its FILE:LINE, the limits, and
hostile values); its tests are counted in, and the tests below render
the shipped templates of every language and run the fuzz target.'
. "$(dirname "$0")/test-lib.sh"

TEMPLATES=$TEST_DIR/../templates

if ! command -v test-template >/dev/null 2>&1; then
	echo "Bail out! no test-template in $KRING_BUILD/bin: run make"
	exit 1
fi

# The C tests, their plan left out: test_done prints one for all.
TMPDIR=$TRASH test-template >"$TRASH/unit.out" 2>"$TRASH/unit.err"
status=$?
grep -v '^1\.\.' "$TRASH/unit.out"
test_count=$(grep -c '^\(not \)\{0,1\}ok ' "$TRASH/unit.out")
test_failed=$(grep -c '^not ok ' "$TRASH/unit.out")
if [ -s "$TRASH/unit.err" ]; then
	sed 's/^/# stderr: /' "$TRASH/unit.err" | head -60
fi
if [ "$status" -ne 0 ] && [ "$test_failed" -eq 0 ] ||
    [ -s "$TRASH/unit.err" ]; then
	test_count=$((test_count + 1))
	test_failed=$((test_failed + 1))
	echo "not ok $test_count - test-template exited with $status" \
	    "or wrote to stderr"
fi

# Render template $2 of language $1 as a notice with every value set.
render_full() {
	test-template render "$TEMPLATES" "$1" "$2" \
		subject='Meeting <moved> & more' community_name='Kring' \
		greeting_name='Anna' \
		body_html='<p style="margin:0 0 16px 0;">See you on Friday.</p>' \
		body_text='See you on Friday.' \
		@items title='Agenda' url='https://example.net/a?x=1&y=2' \
		@items title='Minutes' @ \
		unsubscribe_url='https://example.net/u?t=abc&l=1'
}

test_expect_success 'notice.html renders in en and nl' '
	render_full en notice.html >en.html &&
	render_full nl notice.html >nl.html &&
	grep "<html lang=\"en\">" en.html &&
	grep "<html lang=\"nl\">" nl.html &&
	grep "<title>Meeting &lt;moved&gt; &amp; more</title>" en.html &&
	grep "<title>Meeting &lt;moved&gt; &amp; more</title>" nl.html &&
	grep "Hello Anna," en.html &&
	grep "Beste Anna," nl.html &&
	grep "<p style=\"margin:0 0 16px 0;\">See you on Friday.</p>" nl.html &&
	grep "href=\"https://example.net/a?x=1&amp;y=2\"" en.html &&
	grep "Unsubscribe</a>" en.html &&
	grep "Afmelden</a>" nl.html &&
	grep "member of Kring\." en.html &&
	grep "lid bent van Kring\." nl.html &&
	! cmp -s en.html nl.html &&
	! grep "{{\|}}" en.html nl.html
'

test_expect_success 'notice.txt renders in en and nl' '
	render_full en notice.txt >en.txt &&
	render_full nl notice.txt >nl.txt &&
	cat >expect <<-\EOF &&
	Kring

	Beste Anna,

	See you on Friday.

	* Agenda
	  https://example.net/a?x=1&y=2

	* Minutes

	Met vriendelijke groet,
	Kring

	-- 
	Je krijgt deze e-mail omdat je lid bent van Kring.
	Afmelden: https://example.net/u?t=abc&l=1
	EOF
	test_cmp expect nl.txt &&
	grep "^Hello Anna,$" en.txt &&
	grep "^Unsubscribe: https://example.net/u?t=abc&l=1$" en.txt &&
	! cmp -s en.txt nl.txt
'

test_expect_success 'without a name, items or unsubscribe link' '
	test-template render "$TEMPLATES" nl notice.txt \
		community_name=Kring body_text=Hoi >bare.txt &&
	cat >expect <<-\EOF &&
	Kring

	Hallo,

	Hoi

	Met vriendelijke groet,
	Kring

	-- 
	Je krijgt deze e-mail omdat je lid bent van Kring.
	EOF
	test_cmp expect bare.txt &&
	test-template render "$TEMPLATES" en notice.html \
		community_name=Kring >bare.html &&
	grep "Hello,</p>" bare.html &&
	! grep "Unsubscribe\|&#8226;" bare.html
'

if command -v xmllint >/dev/null 2>&1; then
test_expect_success 'the HTML parses cleanly (xmllint --html)' '
	xmllint --html --noout en.html nl.html bare.html 2>errors &&
	test_cmp /dev/null errors
'
else
	test_skip 'xmllint' 'no xmllint'
fi

test_expect_success 'every language has the templates of en, and each renders' '
	(cd "$TEMPLATES/en" && ls) >en.list &&
	for dir in "$TEMPLATES"/*/; do
		lang=$(basename "$dir") &&
		(cd "$dir" && ls) >list &&
		test_cmp en.list list &&
		for file in $(grep -v "^_" list); do
			test-template render "$TEMPLATES" "$lang" "$file" \
				community_name=Kring >out &&
			test -s out || return 1
		done || return 1
	done
'

test_expect_success 'fuzz-template: the shipped templates and hostile ones' '
	printf "{{#a}}{{#b}}{{/a}}{{/b}}" >cross &&
	printf "{{> t}}{{> t}}{{> _p}}" >self &&
	printf "{{#items}}{{#items}}{{> _p}}{{/items}}{{/items}}" >lists &&
	printf "{{{{{{name}}}}}}{{&}}{{!}}{{^}}{{/}}{{>}}{{" >braces &&
	printf "\\377{{name}}\\000{{a.b.c}}" >bytes &&
	printf "  {{#yes}}  \\r\\n{{.}}\\r\\n  {{/yes}}\\r" >standalone &&
	fuzz-template "$TEMPLATES"/*/* cross self lists braces bytes standalone
'

test_done
