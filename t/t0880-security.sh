#!/bin/sh
test_description='security: header injection and HTML escaping in every mail kring writes

Members whose display names, and posts whose subjects and bodies, hold
CR and LF, "Bcc: x@evil" after a line break, RFC 2047 encoded words that
decode to a line break (once and twice encoded), quotes, commas, angle
brackets, non-ASCII, <script>, <img onerror=...>, "&" and javascript:
links.  Every mail path that puts a name or a subject into a header or
into HTML runs against the real kringd and the real SMTP sink (or prints
its preview), in English and in Dutch, and every message that comes out
is checked by check.py: no extra field, no recipient but the ones
expected (the sink sees every RCPT), each name and subject decodes
(RFC 2047) to one line without control characters, and no HTML part
has a live <script>, <img>, event handler or javascript: link.  The
positive side is checked too: the names come out decoded as the member
set them, and the HTML shows them escaped.

Which template each case covers is said at the case; the last tests
check that every template, the language-neutral ones of templates/
rendered in en and nl, is either
covered end to end or is rendered with hostile values by test-template
(refused and notice, which no code sends yet; web-leave, which is a web
page).'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-sink.sh"

TEMPLATES=$TEST_DIR/../templates
PART="$PYTHON $TEST_DIR/helper/mail-part.py"
AR="Authentication-Results: mx.bank.example; dkim=pass header.d=bank.example header.s=s1"

cat >kring.conf <<\EOF
hostname = "kring.test"
store = "store"
authserv_id = "mx.bank.example"
web_url = "https://kring.example.org/lists"
delivery {
	retry_min = 1
	retry_max = 2
}
limits {
	member_requests_per_address = 100
	member_requests_per_client = 1000
}
community "kring" {
	address = "kring@example.org"
	description = "Kring"
	language = "en"
	subject_tag = "[Kring]"
	response_hours = 24
	hold_outside_posts = true
	staff "anna@bank.example" {
		name = "Anna de Boer"
		roles = { "manager", "owner" }
	}
}
community "bank" {
	address = "leden@bank.example"
	description = "Ledenpanel"
	language = "nl"
	response_hours = 24
	hold_outside_posts = true
	staff "anna@bank.example" {
		name = "Anna de Boer"
		roles = { "manager", "owner" }
	}
}
community "club" {
	address = "club@example.org"
	description = "Club"
	policy = "closed"
	staff "anna@bank.example" {
		name = "Anna de Boer"
		roles = { "manager" }
	}
}
EOF

# The hostile values.  Each name is at most 64 bytes once cleaned.
CRLF=$(printf '\r\n')
# quotes, a comma, angle brackets, an address, HTML
N_HTML='<script>alert(1)</script> & "Q, C" <x@evil.example>'
# a raw line break with a Bcc after it (kring member set)
N_CRLF="Eve${CRLF}Bcc: evil@evil.example"
N_CRLF_SHOWN='Eve Bcc: evil@evil.example'
# an encoded word that decodes to a line break, as the name itself
N_EW='=?utf-8?q?Mal=0D=0ABcc=3A_evil=40evil.example?='
N_EW_SHOWN='Mal Bcc: evil@evil.example'
# non-ASCII and an image with an event handler
N_UTF=$(printf 'Zo\303\253 \303\206r\303\270 \346\227\245 <img src=x onerror=alert(1)>')
# a From phrase that decodes to a line break (subscribe, posts)
F_EW='=?utf-8?q?Sub=0D=0ABcc=3A_evil=40evil.example?='
F_EW_SHOWN='Sub Bcc: evil@evil.example'
# twice encoded: decodes to an encoded word that decodes to a line break
F_EW2='=?utf-8?q?=3D=3Futf-8=3Fq=3FTwo=3D0D=3D0ABcc=3D3A=5Fevil=3D40evil.example=3F=3D?='
F_EW2_SHOWN='Two Bcc: evil@evil.example'
S_EW='=?utf-8?q?Rates=0D=0ABcc=3A_evil=40evil.example?='
S_EW_SHOWN='Rates Bcc: evil@evil.example'
S_EW2='=?utf-8?q?=3D=3Futf-8=3Fq=3FFees=3D0D=3D0ABcc=3D3A=5Fevil=3D40evil.example=3F=3D?='
S_EW2_SHOWN='Fees Bcc: evil@evil.example'
S_HTML='<script>alert(2)</script> & <img src=x onerror=alert(3)> "q" '"'"'a'"'"' <a href="javascript:alert(4)">x</a>'
B_HTML='Body <script>alert(5)</script> & <img src=x onerror=alert(6)> <a href="javascript:alert(7)">click</a> "quoted" '"'"'single'"'"''

# check.py FILE...: the invariants every message kring writes keeps (an
# .eml of the sink, with its .env beside it, or an mbox preview).  Prints
# one line a message checked; exit 1 with the reasons on a failure.
cat >check.py <<\EOF
import email, email.header, email.policy, email.utils, mailbox, os, re, sys
from html.parser import HTMLParser

ALLOWED = set(open("allowed").read().split())
# Fields that may occur at most once (RFC 5322 3.6).
SINGLE = ("from", "sender", "reply-to", "to", "cc", "bcc", "subject",
          "date", "message-id", "in-reply-to", "references")
ADDRESS = ("from", "sender", "reply-to", "to", "cc", "bcc",
           "x-original-from")
CTRL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")	# a TAB may fold
bad = []

def fail(where, why):
    bad.append("%s: %s" % (where, why))

def decoded(v):
    v = re.sub(r"\r?\n(?=[ \t])", "", v)
    return "".join(p.decode(c or "ascii", "replace") if isinstance(p, bytes)
                   else p for p, c in email.header.decode_header(v))

def header_lines(raw):
    head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else \
        raw.split(b"\n\n", 1)[0]
    fields = []
    for line in re.split(rb"\r?\n", head):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1][1] += b"\n" + line
        else:
            m = re.match(rb"([!-9;-~]+):(.*)", line)
            if not m:
                fields.append([b"(bad line)", line])
            else:
                fields.append([m.group(1), m.group(2)])
    return fields

class Dangers(HTMLParser):
    """What a reader's client would run or fetch: the tags as a browser
    parses them (text in an attribute value is no tag)."""
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "script":
            self.found.append("a <script> element")
        if tag == "img" and not a.get("src", "").startswith("cid:"):
            self.found.append("an <img> element not of the mail's own parts")
        if any(k.startswith("on") for k in a):
            self.found.append("an event handler")
        if any(a.get(k, "").strip().lower().startswith("javascript:")
               for k in ("href", "src")):
            self.found.append("a javascript: link")

def html_dangers(h):
    d = Dangers()
    d.feed(h)
    d.close()
    return d.found

def check_one(where, raw, rcpts):
    fields = header_lines(raw)
    names = [n.decode("ascii", "replace").lower() for n, v in fields]
    for n, v in fields:
        if n == b"(bad line)":
            fail(where, "a header line that is no field: %r" % v)
    for n in ("bcc", "x-evil"):
        if n in names:
            fail(where, "a %s field" % n)
    for n in SINGLE:
        if names.count(n) > 1:
            fail(where, "%d %s fields" % (names.count(n), n))
    for n, v in fields:
        name = n.decode("ascii", "replace").lower()
        value = v.decode("utf-8", "replace")
        d = decoded(value)
        if CTRL.search(d):
            fail(where, "%s decodes to control characters: %r" % (name, d))
        if name in ADDRESS:
            unfolded = re.sub(r"\r?\n(?=[ \t])", "", value)
            for disp, addr in email.utils.getaddresses([unfolded]):
                if addr.lower() not in ALLOWED:
                    fail(where, "%s names %r, not an address expected" %
                         (name, addr))
                if CTRL.search(decoded(disp)):
                    fail(where, "%s: a name with control characters" % name)
    for r in rcpts:
        if r.lower() not in ALLOWED:
            fail(where, "RCPT TO:<%s>, not an address expected" % r)
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    for p in msg.walk():
        if p.get_content_type() != "text/html":
            continue
        h = p.get_payload(decode=True).decode(
            p.get_content_charset() or "utf-8", "replace")
        for why in set(html_dangers(h)):
            fail(where, "the HTML has %s" % why)
    print("checked %s" % where)

for path in sys.argv[1:]:
    with open(path, "rb") as f:
        head = f.read(5)
    if head == b"From ":
        for i, m in enumerate(mailbox.mbox(path, factory=None)):
            check_one("%s#%d" % (path, i + 1), m.as_bytes(), [])
    else:
        rcpts = []
        with open(path[:-4] + ".env") as f:
            for line in f:
                if line.startswith("RCPT TO:<"):
                    rcpts.append(line.strip()[9:-1])
        with open(path, "rb") as f:
            check_one(path, f.read(), rcpts)
if bad:
    print("\n".join(bad))
    sys.exit(1)
EOF

# Every address that may get mail or be named in a field: the members,
# the staff, the outsiders, the communities and their sub-addresses
# (checked by pattern below, as they hold tokens).
cat >allowed <<\EOF
x1@example.net x2@example.net x3@example.net x4@example.net
x5@example.net x6@example.net x7@example.net zed@example.com
anna@bank.example
kring@example.org leden@bank.example club@example.org
EOF

# check FILE...: check.py over the files; the sub-addresses of the
# communities (confirm, relay, bounce addresses) are added as seen.
check() {
	for f in "$@"; do
		case $f in *.eml) cat "${f%.eml}.env" "$f" ;; *) cat "$f" ;; esac
	done | grep -o "\(kring\|leden\|club\)+[A-Za-z0-9._=-]*@\(example\.org\|bank\.example\)" |
		sort -u >>allowed
	"$PYTHON" check.py "$@" >check.out || { cat check.out; return 1; }
}

# quoted NAME: NAME as an RFC 5322 quoted string, as a mail client
# writes a display name with specials in it.
quoted() {
	printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"
}

MSGNO=0
# send FROM-HEADER ENVELOPE-FROM TO SUBJECT [HEADER [BODY]]: one mail,
# raw header lines as given; fails unless taken (250).
send() {
	[ -n "$3" ] || { echo "FAIL: send: no recipient"; return 1; }
	MSGNO=$((MSGNO + 1))
	{
		printf 'From: %s\r\nTo: %s\r\nSubject: %s\r\n' "$1" "$3" "$4"
		printf 'Date: %s\r\n' "$(date -u -R)"
		printf 'Message-Id: <s%d.%d@example.net>\r\n' "$MSGNO" "$$"
		[ -z "$5" ] || printf '%s\r\n' "$5"
		printf '\r\n%s\r\n' "${6:-$B_HTML}"
	} >msg.eml &&
	swaks --server 127.0.0.1:"$KRINGD_PORT" --from "$2" --to "$3" \
		--data @msg.eml </dev/null >swaks.out 2>&1 || { cat swaks.out; return 1; }
}

# mail_for ADDR [SUBJECT-PART]: the one mail of NEW to ADDR (whose
# decoded Subject has SUBJECT-PART) into MAIL.
mail_for() {
	MAIL=
	for f in $NEW; do
		grep -Fqx "RCPT TO:<$1>" "${f%.eml}.env" || continue
		if [ -n "$2" ]; then
			$PART "$f" header:Subject | grep -qF -- "$2" || continue
		fi
		[ -z "$MAIL" ] || { echo "FAIL: two mails to $1 ($2)"; return 1; }
		MAIL=$f
	done
	[ -n "$MAIL" ] || { echo "FAIL: no mail to $1 ($2)"; return 1; }
}

# to_name FILE [N]: the display name of the To field, unquoted and
# decoded, its spaces squeezed.
to_name() {
	name_of "$1" To $2
}

# name_of FILE FIELD [N]: the same for any address field.
name_of() {
	$PART "$1" ${3:+"$3"} rawheader:$2 | "$PYTHON" -c 'import sys, email.utils, email.header
name = email.utils.parseaddr(sys.stdin.read().strip())[0]
d = "".join(p.decode(c or "ascii") if isinstance(p, bytes) else p
            for p, c in email.header.decode_header(name))
print(" ".join(d.split(" ")).replace("  ", " "))' | tr -s " "
}

# subject_of FILE [N]: the Subject unfolded and decoded (as
# make_header joins the words), its spaces squeezed.
subject_of() {
	$PART "$1" ${2:+"$2"} rawheader:Subject | "$PYTHON" -c 'import sys, re
from email.header import decode_header, make_header
v = re.sub(r"\r?\n(?=[ \t])", "", sys.stdin.read().strip())
print(str(make_header(decode_header(v))))' | tr -s " "
}

# name_addr FILE FIELD: the address of an address field.
name_addr() {
	$PART "$1" rawheader:$2 | "$PYTHON" -c 'import sys, email.utils
print(email.utils.parseaddr(sys.stdin.read().strip())[1])'
}

# html_has FILE [N] TEXT: the HTML part has TEXT (fixed string).
html_has() {
	if [ $# -eq 3 ]; then
		$PART "$1" "$2" html | tr -s ' \n' '  ' | grep -qF -- "$3"
	else
		$PART "$1" html | tr -s ' \n' '  ' | grep -qF -- "$2"
	fi || { echo "FAIL: the HTML of $1 lacks: $*"; return 1; }
}

# The HTML-escaped forms of the names and texts (as g_markup does).
esc() {
	printf '%s' "$1" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/"/\&quot;/g'"; s/'/\\&#39;/g"
}

test_expect_success 'check.py fails on what it is meant to catch' '
	printf "From: a <x1@example.net>\r\nTo: b <x2@example.net>\r\nBcc: evil@evil.example\r\nSubject: %s\r\n\r\nhi\r\n" "$S_EW" >bad1.eml &&
	printf "RCPT TO:<evil@evil.example>\n" >bad1.env &&
	! "$PYTHON" check.py bad1.eml >bad1.out &&
	grep "a bcc field" bad1.out &&
	grep "subject decodes to control characters" bad1.out &&
	grep "RCPT TO:<evil@evil.example>" bad1.out &&
	printf "From: =?utf-8?q?a=0D=0Ab?= <x1@example.net>\r\nTo: \"%s\" <x2@example.net>, y@evil.example\r\nContent-Type: text/html\r\n\r\n<p>&lt;script&gt;</p><img src=x onerror=a><a href=\"javascript:x\">\r\n" "$N_EW" >bad2.eml &&
	: >bad2.env &&
	! "$PYTHON" check.py bad2.eml >bad2.out &&
	grep "to names .y@evil.example." bad2.out &&
	grep "from decodes to control" bad2.out &&
	grep "to: a name with control" bad2.out &&
	grep "an <img> element" bad2.out &&
	grep "an event handler" bad2.out &&
	grep "a javascript: link" bad2.out &&
	printf "From: a <x1@example.net>\r\nTo: b <x2@example.net>\r\nSubject: Fine\r\nContent-Type: text/html\r\n\r\n<p>&lt;script&gt; &lt;img onerror=x&gt; javascript:</p>\r\n" >good.eml &&
	printf "RCPT TO:<x2@example.net>\n" >good.env &&
	"$PYTHON" check.py good.eml
'

test_expect_success 'setup: members with hostile names in two languages, the sink, kringd' '
	for c in kring bank; do
		kring member -c kring.conf --community $c add x1@example.net --name "$N_HTML" &&
		kring member -c kring.conf --community $c add x2@example.net --name "Plain" &&
		kring member -c kring.conf --community $c set x2@example.net "name=$N_CRLF" &&
		kring member -c kring.conf --community $c add x3@example.net &&
		kring member -c kring.conf --community $c set x3@example.net "name=$N_EW" &&
		kring member -c kring.conf --community $c add x4@example.net --name "$N_UTF" --mode digest ||
			return 1
	done &&
	kring member -c kring.conf --json show x2@example.net >x2.json &&
	grep -F "\"name\":\"$N_CRLF_SHOWN\"" x2.json &&
	sink_start &&
	kringd_start -r 127.0.0.1:$SINK_PORT
'

# ------------------------------------------------------------ round 1

test_expect_success 'round 1: requests, posts, a held post, an invitation' '
	send "$F_EW <x5@example.net>" x5@example.net kring+subscribe@example.org "join" &&
	send "\"<script>alert(8)</script> & Co, <b>\" <x6@example.net>" x6@example.net \
		club+subscribe@example.org "join" &&
	send "$F_EW2 <x7@example.net>" x7@example.net kring+settings@example.org "$S_EW" &&
	send "$(quoted "$N_HTML") <x1@example.net>" x1@example.net kring+help@example.org "$S_HTML" &&
	send "$F_EW2 <zed@example.com>" zed@example.com kring@example.org "$S_EW" &&
	send "$F_EW2 <x2@example.net>" x2@example.net kring@example.org "$S_EW" &&
	send "$(quoted "$N_UTF") <x3@example.net>" x3@example.net kring@example.org "$S_EW2" &&
	send "$(quoted "$N_HTML") <x1@example.net>" x1@example.net leden@bank.example "$S_HTML" &&
	printf "address,name\nx7@example.net,\"%s\"\n" "$(echo "$N_HTML" | sed "s/\"/\"\"/g")" >invite.csv &&
	kring member -c kring.conf --community club invite --csv invite.csv --send 2>err &&
	sink_collect 13 && check $NEW && ROUND1=$NEW
'

test_expect_success 'confirm (confirm-subject, confirm): the From phrase, decoded once, cleaned' '
	mail_for x5@example.net "Confirm that you want to join" &&
	test "$(to_name "$MAIL")" = "$F_EW_SHOWN" &&
	html_has "$MAIL" "Hello $F_EW_SHOWN," &&
	X5_JOIN=$($PART "$MAIL" header:Reply-To | sed "s/.*<\(.*\)>.*/\1/") &&
	mail_for x6@example.net "Confirm that you want to join Club" &&
	X6_JOIN=$($PART "$MAIL" header:Reply-To | sed "s/.*<\(.*\)>.*/\1/") &&
	test "$(to_name "$MAIL")" = "<script>alert(8)</script> & Co, <b>" &&
	html_has "$MAIL" "Hello $(esc "<script>alert(8)</script> & Co, <b>"),"
'

test_expect_success 'member-note (not a member), help: names in To and HTML' '
	mail_for x7@example.net "is not a member of Kring" &&
	test "$(to_name "$MAIL")" = "$F_EW2_SHOWN" &&
	mail_for x1@example.net "How Kring works by email" &&
	test "$(to_name "$MAIL")" = "$N_HTML" &&
	html_has "$MAIL" "Hello $(esc "$N_HTML"),"
'

test_expect_success 'invite (invite-subject, invite): the name from the CSV' '
	mail_for x7@example.net "You are invited to join Club" &&
	test "$(to_name "$MAIL")" = "$N_HTML" &&
	html_has "$MAIL" "$(esc "$N_HTML")"
'

test_expect_success 'held (held-subject, held) and held-note: subject and sender escaped' '
	mail_for anna@bank.example "a post from zed@example.com waits for a moderator" &&
	HELD=$MAIL &&
	html_has "$MAIL" "$S_EW_SHOWN" &&
	html_has "$MAIL" "$(esc "<script>alert(5)</script>")" &&
	mail_for zed@example.com "waits for a moderator" &&
	html_has "$MAIL" "$S_EW_SHOWN"
'

test_expect_success 'list copies (list-footer): From rewritten, Subject one line, tagged' '
	mail_for x1@example.net "Rates" && X2_COPY=$MAIL &&
	test "$(name_of "$MAIL" From)" = "A member via Kring" &&
	$PART "$MAIL" header:Subject >subject &&
	test "$(tr -s " " <subject)" = "[Kring] $S_EW_SHOWN" &&
	mail_for x3@example.net "Rates" &&
	mail_for x1@example.net "Fees" &&
	test "$(name_of "$MAIL" From)" = "$N_UTF via Kring" &&
	test "$(tr -s " " <subject)" = "[Kring] $S_EW_SHOWN" &&
	$PART "$MAIL" header:Subject >subject &&
	test "$(tr -s " " <subject)" = "[Kring] $S_EW2_SHOWN" &&
	mail_for x2@example.net "Fees" &&
	for who in x2 x3; do
		mail_for $who@example.net "alert(2)" || return 1
	done &&
	$PART "$MAIL" header:Subject | tr -d "\n" | tr -s " " >subject &&
	printf "%s" "$S_HTML" >expect &&
	test_cmp expect subject
'

# ------------------------------------------------------------ round 2

test_expect_success 'round 2: confirmations, a moderator approves, a private reply' '
	send "$F_EW <x5@example.net>" x5@example.net "$X5_JOIN" "Re: join" &&
	send "\"<script>alert(8)</script> & Co, <b>\" <x6@example.net>" x6@example.net \
		"$X6_JOIN" "Re: join" &&
	a=$(tr -d "\r" <"$HELD" | grep -o "kring+mod-approve-[0-9]*-[a-z0-9.]*@example.org" | head -1) &&
	test -n "$a" &&
	send "Anna <anna@bank.example>" anna@bank.example "$a" "ok" "" "yes" &&
	RELAY2=$(name_addr "$X2_COPY" From) &&
	send "$(quoted "$N_HTML") <x1@example.net>" x1@example.net "$RELAY2" "$S_EW2" &&
	send "$(quoted "$N_UTF") <x4@example.net>" x4@example.net kring+name@example.org "$S_EW" &&
	sink_collect 10 && check $NEW
'

test_expect_success 'welcome, application (application-subject, application), member-note (applied)' '
	mail_for x5@example.net "Welcome to Kring" &&
	test "$(to_name "$MAIL")" = "$F_EW_SHOWN" &&
	kring member -c kring.conf --json show x5@example.net >x5.json &&
	grep -F "\"name\":\"$F_EW_SHOWN\"" x5.json &&
	mail_for anna@bank.example "x6@example.net asks to join" &&
	APPLICATION=$MAIL &&
	html_has "$MAIL" "$(esc "<script>alert(8)</script> & Co, <b>")" &&
	mail_for x6@example.net "is with the staff"
'

test_expect_success 'mod-decision (mod-decision-subject), the approved post to the members' '
	mail_for anna@bank.example "the post from zed@example.com is sent" &&
	html_has "$MAIL" "$S_EW_SHOWN" &&
	mail_for x1@example.net "Rates" && mail_for x2@example.net "Rates" &&
	mail_for x3@example.net "Rates" &&
	$PART "$MAIL" header:Subject | tr -s " " >subject &&
	test "$(cat subject)" = "[Kring] $S_EW_SHOWN"
'

test_expect_success 'relay (a private reply): the sender name and the subject, one line each' '
	mail_for x2@example.net "Fees" &&
	test "$(name_of "$MAIL" From)" = "$N_HTML via Kring" &&
	$PART "$MAIL" header:Subject | tr -s " " >subject &&
	test "$(cat subject)" = "$S_EW2_SHOWN"
'

test_expect_success 'settings (settings-subject): +name with a Subject that decodes to a line break' '
	mail_for x4@example.net "Done: your settings in Kring" &&
	test "$(to_name "$MAIL")" = "$N_UTF" &&
	html_has "$MAIL" "$S_EW_SHOWN" &&
	kring member -c kring.conf --json show x4@example.net >x4.json &&
	grep -F "\"name\":\"$S_EW_SHOWN\"" x4.json &&
	kring member -c kring.conf set x4@example.net "name=$N_UTF"
'

# ------------------------------------------------------------ round 3

test_expect_success 'round 3: a decision by mail, a topic by staff mail, an announcement, Dutch' '
	a=$(tr -d "\r" <"$APPLICATION" | grep -o "club+approve-[0-9]*-[a-z0-9.]*@example.org" | head -1) &&
	test -n "$a" &&
	send "Anna <anna@bank.example>" anna@bank.example "$a" "ok" &&
	send "Anna de Boer <anna@bank.example>" anna@bank.example kring+topic@example.org \
		"$S_HTML" "$AR" "What do you think? $B_HTML" &&
	printf "# %s\n\n%s [x](javascript:alert(9))\n" "$S_HTML" "$B_HTML" >announce.md &&
	kring announce -c kring.conf --community bank --subject "$S_EW" \
		--from anna@bank.example announce.md --send >announce.out &&
	send "$F_EW <x5@example.net>" x5@example.net kring+lang-nl@example.org "nl" &&
	send "$F_EW <x5@example.net>" x5@example.net kring+unsubscribe@example.org "$S_EW" &&
	sink_collect 13 && check $NEW
'

test_expect_success 'decision, welcome (closed), staff-done, the topic post' '
	mail_for anna@bank.example "x6@example.net is admitted" &&
	mail_for x6@example.net "Welcome to Club" &&
	mail_for anna@bank.example "topic 1 is open" &&
	html_has "$MAIL" "$(esc "<script>alert(2)</script>")" &&
	mail_for x1@example.net "alert(2)" &&
	$PART "$MAIL" header:Subject | tr -d "\n" | tr -s " " >subject &&
	printf "[Kring] %s" "$S_HTML" >expect && test_cmp expect subject
'

test_expect_success 'announcement (announce-note), in Dutch: the Subject one line; confirm in Dutch' '
	for who in x1 x2 x3 x4; do
		mail_for $who@example.net "Rates" || return 1
	done &&
	$PART "$MAIL" header:Subject | tr -s " " >subject &&
	test "$(cat subject)" = "$S_EW_SHOWN" &&
	mail_for x5@example.net "Bevestig" &&
	X5_LEAVE=$($PART "$MAIL" header:Reply-To | sed "s/.*<\(.*\)>.*/\1/") &&
	test "$(to_name "$MAIL")" = "$F_EW_SHOWN"
'

test_expect_success 'goodbye (goodbye-subject), in Dutch' '
	send "$F_EW <x5@example.net>" x5@example.net "$X5_LEAVE" "Re" &&
	sink_collect 1 && check $NEW &&
	mail_for x5@example.net &&
	test "$(to_name "$MAIL")" = "$F_EW_SHOWN" &&
	$PART "$MAIL" header:Subject | grep -F "Kring" &&
	html_has "$MAIL" "$F_EW_SHOWN"
'

# ------------------------------------------------------------ tools

# The posts of the staff tools, imported with dates of their own: a
# reply to topic 1 by each hostile member, in both communities.
mbox_post() {	# FROM-HEADER ADDR DATE MSGID SUBJECT IN-REPLY-TO BODY
	printf 'From %s %s\n' "$2" "$(date -u -d "$3" '+%a %b %e %H:%M:%S %Y')"
	printf 'From: %s\nTo: kring@example.org\nDate: %s\n' "$1" "$(date -u -R -d "$3")"
	printf 'Message-ID: <%s>\nSubject: %s\n' "$4" "$5"
	[ -z "$6" ] || printf 'In-Reply-To: <%s>\nReferences: <%s>\n' "$6" "$6"
	printf '\n%s\n\n' "$7"
}

test_expect_success 'tools: a topic, hostile replies, a summary and an outcome in each community' '
	printf "%s\n" "$B_HTML" >question.md &&
	printf "%s [link](javascript:alert(10)) <script>alert(11)</script>\n" "$B_HTML" >summary.md &&
	printf "Done. <img src=x onerror=alert(12)> [x](javascript:alert(13))\n" >outcome.md &&
	for c in kring bank; do
		KRING_NOW=2026-11-02T09:00:00Z kring topic -c kring.conf --community $c \
			new --title "$S_HTML" --owner anna@bank.example --body question.md >topic.$c &&
		kring topic -c kring.conf --community $c show "$(cat topic.$c)" --json >topic.json &&
		mid=$(sed -n "s/.*\"message_id\":\"<\([^>]*\)>\".*/\1/p" topic.json | head -1) &&
		{
		mbox_post "$(quoted "$N_HTML") <x1@example.net>" x1@example.net 2026-11-03T10:00:00Z $c-t1@x "$S_HTML" "$mid" "$B_HTML"
		mbox_post "$F_EW2 <x2@example.net>" x2@example.net 2026-11-03T11:00:00Z $c-t2@x "$S_EW" "$mid" "$B_HTML"
		mbox_post "$(quoted "$N_UTF") <x3@example.net>" x3@example.net 2026-11-03T12:00:00Z $c-t3@x "$S_EW2" "$mid" "$B_HTML"
		mbox_post "x4 <x4@example.net>" x4@example.net 2026-11-03T13:00:00Z $c-t4@x "$S_EW" "" "$B_HTML"
		} >posts.$c &&
		kring import -c kring.conf --community $c posts.$c &&
		KRING_NOW=2026-11-05T09:00:00Z kring topic -c kring.conf --community $c summary "$(cat topic.$c)" summary.md &&
		KRING_NOW=2026-11-06T09:00:00Z kring topic -c kring.conf --community $c outcome "$(cat topic.$c)" outcome.md --status implemented ||
			return 1
	done &&
	sink_collect 6 && check $NEW
'

TOOLS="thanks feedback newsletter sla digest"
run_tool() {	# TOOL COMMUNITY [--send]
	case $1 in
	sla) when=2026-11-05T12:00:00Z ;;
	digest) when=2026-11-04T00:00:00Z ;;
	*) when=2026-11-10T09:00:00Z ;;
	esac
	KRING_NOW=$when kring $1 -c kring.conf --community $2 \
		--since 2026-11-01 --until $when $3
}

test_expect_success 'tools (thanks, feedback, newsletter, sla, digest): previews in en and nl' '
	for c in kring bank; do
		for t in $TOOLS; do
			run_tool $t $c >$t.$c.mbox 2>$t.$c.err &&
			test "$($PART $t.$c.mbox count)" -ge 1 ||
				{ cat $t.$c.err; return 1; }
		done || return 1
	done &&
	check *.kring.mbox *.bank.mbox
'

test_expect_success 'thanks (thanks-subject): the names in To and Subject, decoded and one line' '
	for c in kring bank; do
		n=$($PART thanks.$c.mbox count) &&
		for i in $(seq 1 $n); do
			echo "$(to_name thanks.$c.mbox $i)|$(subject_of thanks.$c.mbox $i)"
		done >names.$c || return 1
	done &&
	grep -F "$N_HTML|Thank you for your input in Kring, $N_HTML" names.kring &&
	grep -F "$N_CRLF_SHOWN|Thank you for your input in Kring, $N_CRLF_SHOWN" names.kring &&
	grep -F "$N_EW_SHOWN|Thank you for your input in Kring, $N_EW_SHOWN" names.kring &&
	grep -F "$N_UTF|Thank you for your input in Kring, $N_UTF" names.kring &&
	grep -F "$N_HTML|Bedankt voor je inbreng in Ledenpanel, $N_HTML" names.bank &&
	grep -F "$N_EW_SHOWN|Bedankt voor je inbreng in Ledenpanel, $N_EW_SHOWN" names.bank &&
	grep -F "$N_CRLF_SHOWN|Bedankt voor je inbreng in Ledenpanel, $N_CRLF_SHOWN" names.bank &&
	grep -F "$N_UTF|Bedankt voor je inbreng in Ledenpanel, $N_UTF" names.bank
'

test_expect_success 'HTML of the tools: names, subjects and excerpts escaped, in en and nl' '
	for c in kring bank; do
		for t in thanks feedback newsletter sla digest; do
			$PART $t.$c.mbox html | tr -s " \n" "  " >$t.$c.html || return 1
		done || return 1
	done &&
	for c in kring bank; do
		grep -F "$(esc "$N_HTML")" thanks.$c.html &&
		grep -F "$(esc "<script>alert(2)</script>")" thanks.$c.html &&
		grep -F "$(esc "<script>alert(2)</script>")" feedback.$c.html &&
		grep -F "$(esc "<script>alert(5)</script>")" feedback.$c.html &&
		grep -F "$(esc "<script>alert(2)</script>")" newsletter.$c.html &&
		grep -F "$(esc "$N_HTML")" newsletter.$c.html &&
		grep -F "$S_EW_SHOWN" sla.$c.html &&
		grep -F "$(esc "<script>alert(2)</script>")" digest.$c.html || return 1
	done
'

test_expect_success 'tools with --send: through the sink, every RCPT expected' '
	for c in kring bank; do
		for t in $TOOLS; do
			run_tool $t $c --send 2>$t.$c.send || { cat $t.$c.send; return 1; }
		done || return 1
	done &&
	n=0 && for f in *.kring.mbox *.bank.mbox; do n=$((n + $($PART $f count))); done &&
	test $n = 20 &&
	sink_collect $n && check $NEW
'

test_expect_success 'kringd and the sink stop cleanly' '
	kringd_stop &&
	sink_stop
'

# ------------------------------------------------------------ templates

# Every template and the case above that covers its header values end
# to end (a mail checked by check.py); "render" only: rendered below
# with hostile values, as no mail path sends it yet (refused, notice),
# it is a web page (web-leave), or needs bounce scoring (bounce-notice,
# whose To is made as every other member mail's); "partial": part of
# every mail above.
cat >covered <<\EOF
_commands partial
_footer partial
_header partial
_status partial
announce-note round-3
application round-2
bounce-notice render
confirm round-1
decision round-3
digest tools
feedback tools
goodbye round-3
held round-1
held-note round-1
help round-1
invite round-1
list-footer round-1
member-note round-1
mod-decision round-2
newsletter tools
notice render
refused render
settings round-2
sla tools
staff-done round-3
thanks tools
web-leave render
welcome round-2
EOF

test_expect_success 'every template is listed above, with how it is covered' '
	(cd "$TEMPLATES" && ls *.txt *.html) |
		sed "s/-subject\.txt\$//; s/\.txt\$//; s/\.html\$//" | sort -u >names &&
	test "$(grep -c "" names)" -gt 25 &&
	cut -d" " -f1 covered | sort >listed &&
	test_cmp names listed
'

test_expect_success 'every HTML template, en and nl, escapes each value it shows' '
	for lang in en nl; do
		for t in "$TEMPLATES"/*.html; do
			set -- &&
			for v in $(grep -o "{{[#^]\{0,1\}[a-z_.]*}}" "$t" | tr -d "{}#^" | sort -u); do
				case $v in
				*_html|html) set -- "$@" "$v=<p>ok</p>" ;;
				*) set -- "$@" "$v=$S_HTML" ;;
				esac
			done &&
			test-template render "$TEMPLATES" $lang "$(basename "$t")" \
				"$@" >render.html 2>render.err || { cat render.err; return 1; }
			# _status.html shows a label of its own for each status.
			[ "$(basename "$t")" = _status.html ] ||
			grep -q "&lt;script&gt;alert(2)" render.html ||
				{ echo "FAIL: $lang/$(basename "$t") shows no value"; return 1; }
			# The pictures of the mail itself are <img src="cid:...">.
			! sed "s/<img src=\"cid:/[picture]/g" render.html |
				grep -qi "<script\|<img\|href=\"javascript:" ||
				{ echo "FAIL: $lang/$(basename "$t")"; grep -i "<script\|<img\|javascript" render.html; return 1; }
		done || return 1
	done
'

test_done
