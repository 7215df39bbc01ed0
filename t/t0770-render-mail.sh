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
	savers_config "$1"
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

# render NAME=FILE[,N]...: the mails in one Chromium, the screenshots
# and the HTML in $SHOTS, each mail's findings in NAME.json; the
# helper's status: 1 when a mail has problems (rendered and fails say
# which), 2 when Chromium could not render them.
render() {
	status=0
	$RENDER --many "$SHOTS" "$@" >render.json 2>render.err || status=$?
	[ $status -le 1 ] || { cat render.err; return 1; }
	$PYTHON -c "import json, sys
for name, r in json.load(open(sys.argv[1])).items():
    json.dump(r, open(name + \".json\", \"w\"))" render.json &&
	return $status
}

# findings NAME EXPR: the Python expression EXPR of NAME.json's report r.
findings() {
	$PYTHON -c "import json, sys
r = json.load(open(sys.argv[1]))
sys.stdout.write(\"%s\" % ($2))" "$1.json"
}

# rendered NAME: NAME has screenshots and no problems (else they are listed).
rendered() {
	for w in 375 1280; do
		test -s "$SHOTS/$1-$w.png" || test_fail "no screenshot $1-$w.png" || return 1
	done
	findings $1 "\"\".join(p + \"\\n\" for p in r[\"problems\"])" >$1.problems &&
	{ test ! -s $1.problems || { cat $1.problems; return 1; }; }
}

# fails NAME PATTERN: NAME.json lists a problem matching PATTERN.
fails() {
	findings $1 "\"\".join(p + \"\\n\" for p in r[\"problems\"])" >$1.problems &&
	cat $1.problems &&
	grep -e "$2" $1.problems
}

test_expect_success 'Chromium renders the mails at 375 and 1280 px, screenshots in the build folder' '
	rm -rf "$SHOTS" && mkdir -p "$SHOTS" &&
	render newsletter-en=en-newsletter.mbox thanks-en=en-thanks.mbox \
		feedback-en=en-feedback.mbox digest-en=en-digest.mbox \
		newsletter-nl=nl-newsletter.mbox thanks-nl=nl-thanks.mbox \
		feedback-nl=nl-feedback.mbox digest-nl=nl-digest.mbox &&
	test "$(ls "$SHOTS"/*-375.png "$SHOTS"/*-1280.png | wc -l)" = 16
'

for lang in en nl; do
	test_expect_success "$lang: the newsletter: no overflow, every figure shown" '
		rendered newsletter-$lang &&
		test "$(findings newsletter-$lang "len(r[\"figures\"]) > 20")" = True
	'
	test_expect_success "$lang: a thank-you note: no overflow, every figure shown" '
		$PART $lang-thanks.mbox 1 header:To | grep -x "Ann Smit <ann@example.net>" &&
		rendered thanks-$lang &&
		test "$(findings thanks-$lang "len(r[\"figures\"]) > 2")" = True
	'
	test_expect_success "$lang: a feedback digest: no overflow, every figure shown" '
		rendered feedback-$lang &&
		test "$(findings feedback-$lang "len(r[\"figures\"]) > 2")" = True
	'
	test_expect_success "$lang: a member digest: no overflow, every figure shown" '
		rendered digest-$lang &&
		test "$(findings digest-$lang "len(r[\"figures\"]) > 2")" = True
	'
done

# The image check on mails made here: multipart/related with an HTML
# part whose <img> name parts by cid: (as the newsletter's charts do).
# images.py OUT CID...: each CID an image part (a screenshot of the
# test), missing:CID an <img> with no part, broken:CID a part that is
# no image.
cat >images.py <<\EOF
import sys
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.mime.image import MIMEImage
out, cids = sys.argv[1], sys.argv[2:]
png = open("shot.png", "rb").read()
imgs = "".join('<p><img src="cid:%s" alt="Chart %d" width="300"></p>' %
               (c.split(":")[-1], i + 1) for i, c in enumerate(cids))
html = ('<!DOCTYPE html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '</head><body><p>12 posts in this period.</p>%s</body></html>' % imgs)
related = MIMEMultipart("related")
related.attach(MIMEText(html, "html", "utf-8"))
for c in cids:
    kind, _, cid = c.rpartition(":")
    if kind == "missing":
        continue
    part = MIMEImage(b"not a picture at all" if kind else png, "png")
    part["Content-ID"] = "<%s>" % cid
    part["Content-Disposition"] = "inline"
    related.attach(part)
alt = MIMEMultipart("alternative")
alt["Subject"] = "Charts"
alt.attach(MIMEText("12 posts in this period.\n", "plain", "utf-8"))
alt.attach(related)
open(out, "wb").write(alt.as_bytes())
EOF

# doctor IN OUT OLD NEW: IN with the first OLD of its HTML part made NEW.
cat >doctor.py <<\EOF
import email, email.policy, sys
src, out, old, new = sys.argv[1:]
msg = email.message_from_binary_file(open(src, "rb"), policy=email.policy.compat32)
for part in msg.walk():
    if part.get_content_type() == "text/html":
        html = part.get_payload(decode=True).decode("utf-8")
        assert old in html, old
        del part["Content-Transfer-Encoding"]
        part.set_payload(html.replace(old, new, 1), "utf-8")
        break
open(out, "wb").write(msg.as_bytes())
EOF

test_expect_success 'the mails made to fail, and one with images that must not' '
	cp "$SHOTS/thanks-en-375.png" shot.png &&
	$PYTHON images.py charts.eml chart-1@kring.test chart-2@kring.test &&
	$PYTHON images.py broken.eml chart-1@kring.test missing:chart-2@kring.test broken:chart-3@kring.test &&
	$PART en-newsletter.mbox raw >news.eml &&
	$PYTHON doctor.py news.eml nofigure.eml "color:#1a3a5c;\">6</div>" "color:#1a3a5c;\"></div>" &&
	$PYTHON doctor.py news.eml nolabel.eml ">median answer time<" ">median<" &&
	$PYTHON doctor.py news.eml wide.eml "</h1>" \
		"</h1><p style=\"white-space:nowrap;\">A line that does not wrap, much wider than a phone is</p>" &&
	test_expect_code 1 render charts=charts.eml broken=broken.eml \
		doctored-figure=nofigure.eml doctored-label=nolabel.eml doctored-wide=wide.eml
'

test_expect_success 'inline images (cid:) are loaded and shown, any number of them' '
	rendered charts &&
	test "$(findings charts "[i[\"shown\"] for w in r[\"widths\"] for i in w[\"images\"]]")" = \
		"[True, True, True, True]" &&
	test "$(findings charts "[i[\"file\"] is not None for i in r[\"images\"]]")" = "[True, True]"
'

test_expect_success 'an image whose cid: names no part, or that is no image, fails the check' '
	fails broken "^cid:chart-2@kring.test names no part of the mail\$" &&
	fails broken "^375 px: image cid:chart-2@kring.test not shown\$" &&
	fails broken "^1280 px: image broken.cid-2.png not shown\$" &&
	test "$(findings broken "[i[\"shown\"] for i in r[\"widths\"][0][\"images\"]]")" = \
		"[True, False, False]"
'

test_expect_success 'a figure or a label missing from the HTML fails the check' '
	fails doctored-figure "^375 px: figure \"6\" shown 0 time(s), the text part has it 1 time(s): Member posts 6\$" &&
	fails doctored-label "^375 px: label \"Median answer time\" (of 3.0 h) not shown\$"
'

test_expect_success 'content wider than a phone fails the check' '
	fails doctored-wide "^375 px: the page is [0-9]* px wide\$" &&
	fails doctored-wide "^375 px: <p> ends at [0-9]* px: A line that does not wrap" &&
	! fails doctored-wide "^1280 px"
'

test_done
