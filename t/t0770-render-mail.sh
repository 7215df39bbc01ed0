#!/bin/sh
test_description='mail checked as a person sees it: the HTML in Chromium

A small community (members, their posts through the real kringd, staff
answers, a topic with a summary and an outcome by mail, a post with a
long URL and one with a long word) gives the newsletter, a thank-you
note, a feedback digest and a member digest, in English and in Dutch.
helper/render-mail.py opens the HTML part of each in headless Chromium
at a phone width (375 px) and a desktop width (1280 px), keeps the
screenshots in $KRING_BUILD/screenshots/ (MAIL-LANG-WIDTH.png), and
checks that the images are shown, nothing is wider than the screen,
and every figure of the text part is in the rendered text.  Two mails
made here fail on purpose: one with a cid: image that has no part, and
a doctored copy of the newsletter with a figure left out.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"

CHROMIUM=/usr/bin/chromium
[ -x "$PYTHON" ] || test_skip_all "no $PYTHON"
[ -x "$CHROMIUM" ] ||
	test_skip_all "no $CHROMIUM (Debian package chromium; scripts/install-deps installs it)"

PART="$PYTHON $TEST_DIR/helper/mail-part.py"
RENDER="$PYTHON $TEST_DIR/helper/render-mail.py"
SHOTS=$KRING_BUILD/screenshots
AR="Authentication-Results: mx.bank.example; dkim=pass header.d=bank.example header.s=s1"
NOW=2026-11-15T09:00:00Z
PERIOD="--since 2026-11-01 --until 2026-11-15"
LONG_URL=https://www.bank.example/sparen/app/feedback/2026/savings-app-what-do-you-miss?utm_source=kring-newsletter-november
LONG_WORD=Spaarrekeningrentevoorwaardenwijzigingsaankondigingsbrief

write_config() {
	cat >kring.conf <<-EOF
	hostname = "kring.test"
	store = "store"
	authserv_id = "mx.bank.example"
	community "kring" {
		address = "kring@example.org"
		description = "Savers Club"
		language = "$1"
		response_hours = 24
		staff "anna@bank.example" {
			name = "Anna de Boer"
			roles = {"manager"}
		}
		staff "bob@bank.example" {
			name = "Bob Jansen"
			roles = {"owner"}
		}
	}
	EOF
}

# id time from to parent subject: the posts, each sent to kringd at its
# time (to: the community, or the detail of a command address).
cat >posts.tab <<EOF
t1 2026-11-02T09:00:00Z bob@bank.example topic - Savings app: what do you miss?
m1 2026-11-03T10:00:00Z ann@example.net - t1 Re: Savings app: what do you miss?
m2 2026-11-03T11:00:00Z ben@example.net - t1 Re: Savings app: what do you miss?
s1 2026-11-03T13:00:00Z anna@bank.example - m1 Re: Savings app: what do you miss?
m3 2026-11-04T08:00:00Z ann@example.net - t1 Re: Savings app: what do you miss?
m4 2026-11-04T09:30:00Z cas@example.net - t1 Re: Savings app: see $LONG_URL
s2 2026-11-04T17:00:00Z anna@bank.example - m2 Re: Savings app: what do you miss?
x1 2026-11-05T09:00:00Z anna@bank.example summary-1 m3 Re: Savings app: what do you miss?
m5 2026-11-05T12:00:00Z dee@example.net - - De $LONG_WORD van oktober
s3 2026-11-05T15:00:00Z bob@bank.example - m5 Re: De $LONG_WORD van oktober
x2 2026-11-06T09:00:00Z bob@bank.example outcome-1-implemented m4 Re: Savings app: what do you miss?
m6 2026-11-14T20:00:00Z ben@example.net - - Card swallowed at the Main Street machine
EOF

# The posts of the table, each through kringd at its time.
send_posts() {
	while read -r id when from to parent subject; do
		[ "$parent" != - ] || parent=
		case $to in -) to=kring@example.org ;; *) to=kring+$to@example.org ;; esac
		KRING_NOW=$when kringd_start || return 1
		swaks --server 127.0.0.1:$KRINGD_PORT --from $from --to $to \
			--header "From: <$from>" --header "Subject: $subject" \
			--header "Message-Id: <$id@x>" --header "$AR" \
			${parent:+--header} ${parent:+"In-Reply-To: <$parent@x>"} \
			--body "The text of $id, long enough to be quoted in the newsletter: what the member thinks of it, and why." \
			>swaks.out 2>&1 || { cat swaks.out; return 1; }
		kringd_stop || return 1
	done <posts.tab
}

test_expect_success 'a small community: members, posts, answers, a topic with an outcome' '
	write_config en &&
	kring member -c kring.conf add ann@example.net --name "Ann Smit" >/dev/null &&
	kring member -c kring.conf add ben@example.net --name "Ben de Vries" --mode digest >/dev/null &&
	kring member -c kring.conf add cas@example.net --name "Cas Bakker" >/dev/null &&
	kring member -c kring.conf add dee@example.net --name "Dee Visser" >/dev/null &&
	send_posts &&
	kring topic -c kring.conf show 1 --json >topic.json &&
	grep "\"status\":\"implemented\"" topic.json
'

# mails LANG: the four mails in LANG, as LANG-newsletter.mbox etc.
mails() {
	write_config $1 &&
	KRING_NOW=$NOW kring newsletter -c kring.conf --community kring $PERIOD >$1-newsletter.mbox &&
	KRING_NOW=$NOW kring thanks -c kring.conf --community kring $PERIOD >$1-thanks.mbox &&
	KRING_NOW=$NOW kring feedback -c kring.conf --community kring $PERIOD >$1-feedback.mbox &&
	KRING_NOW=2026-11-05T00:00:00Z kring digest -c kring.conf \
		--since 2026-11-04 --until 2026-11-05 >$1-digest.mbox
}

test_expect_success 'the mails in English and in Dutch' '
	mails en && mails nl &&
	for f in en-newsletter en-thanks en-feedback en-digest nl-newsletter nl-thanks nl-feedback nl-digest; do
		test "$($PART $f.mbox count)" -ge 1 || return 1
	done
'

# render MBOX N NAME: MBOX's message N in Chromium, the screenshots in
# $SHOTS, the findings in NAME.json; fails with the problems listed.
render() {
	$RENDER "$1" "$2" "$SHOTS" "$3" >"$3.json" 2>"$3.err" || {
		cat "$3.err"
		$PYTHON -c "import json, sys
for p in json.load(open(sys.argv[1]))[\"problems\"]: print(p)" "$3.json"
		return 1
	}
	for w in 375 1280; do
		test -s "$SHOTS/$3-$w.png" || test_fail "no screenshot $3-$w.png" || return 1
	done
}

# findings NAME EXPR: the Python expression EXPR of NAME.json's report r.
findings() {
	$PYTHON -c "import json, sys
r = json.load(open(sys.argv[1]))
print($2)" "$1.json"
}

test_expect_success 'screenshots go to the build folder' '
	rm -rf "$SHOTS" && mkdir -p "$SHOTS"
'

for lang in en nl; do
	test_expect_success "$lang: the newsletter renders, no overflow, every figure shown" '
		render $lang-newsletter.mbox 1 newsletter-$lang &&
		test "$(findings newsletter-$lang "len(r[\"figures\"]) > 20")" = True
	'
	test_expect_success "$lang: a thank-you note renders, every figure shown" '
		render $lang-thanks.mbox 1 thanks-$lang &&
		$PART $lang-thanks.mbox 1 header:To | grep -x "Ann Smit <ann@example.net>" &&
		test "$(findings thanks-$lang "len(r[\"figures\"]) > 2")" = True
	'
	test_expect_success "$lang: a feedback digest renders, every figure shown" '
		render $lang-feedback.mbox 1 feedback-$lang &&
		test "$(findings feedback-$lang "len(r[\"figures\"]) > 2")" = True
	'
	test_expect_success "$lang: a member digest renders, every figure shown" '
		render $lang-digest.mbox 1 digest-$lang &&
		test "$(findings digest-$lang "len(r[\"figures\"]) > 2")" = True
	'
done

test_done
