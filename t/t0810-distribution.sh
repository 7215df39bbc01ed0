#!/bin/sh
test_description='distribution of posts to the members: who gets a copy, and what it looks like

The real kringd delivers into the real SMTP sink (t/helper/sink.py);
swaks plays the members.  Every copy is read back from the sink and
checked field by field (values, not only presence), and MIME bodies are
parsed with Python'"'"'s email module.  A negative ("nobody else got it")
is only checked after a barrier: a marker post to the community "marks"
has arrived and the outbox is empty.  Fan-outs are expanded in the order
of the posts'"'"' store ids, so any copy of an earlier post would have been
made, and delivered, by then.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-sink.sh"

cat >kring.conf <<\EOF
hostname = "kring.test"
store = "store"
web_url = "https://kring.example.org/lists"
delivery {
	retry_min = 1
	retry_max = 2
}
community "kring" {
	address = "kring@example.org"
	description = "Kring"
	subject_tag = "[Kring]"
	archive_url = "https://kring.example.org/archive"
}
community "open" {
	address = "open@example.org"
	description = "Open House"
	outside_posts = true
	dmarc_rewrite = "never"
	footer = false
}
community "listy" {
	address = "listy@example.org"
	description = "Listy"
	reply_to = "list"
}
community "central" {
	address = "central@example.org"
	description = "Central"
}
community "local" {
	address = "local@example.org"
	description = "Local"
	parent = "central"
}
community "marks" {
	address = "marks@example.org"
	footer = false
}
EOF

# --- helpers --------------------------------------------------------

# mail.py: reads the sink's copies with Python's email module.
cat >mail.py <<\EOF
import glob, hashlib, os, re, sys
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesParser
from email.utils import getaddresses

def load(path, pol=policy.compat32):
    with open(path, "rb") as f:
        return BytesParser(policy=pol).parse(f)

def unfold(v):
    return re.sub(r"\r?\n(?=[ \t])", "", str(v)).strip()

def decoded(v):
    return str(make_header(decode_header(unfold(v))))

cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "copies":		# copies DIR MSGID: "rcpt file" per copy
    d, want = args
    for eml in sorted(glob.glob(os.path.join(d, "[0-9]*.eml"))):
        m = load(eml)
        if unfold(m.get("Message-ID", "")) != want:
            continue
        with open(eml[:-4] + ".env") as f:
            for line in f:
                if line.startswith("RCPT TO:<"):
                    print(line[9:].rstrip().rstrip(">"), eml)
elif cmd == "hdr":		# hdr FILE NAME: each value, unfolded
    for v in load(args[0]).get_all(args[1]) or []:
        print(unfold(v))
elif cmd == "addrs":		# addrs FILE NAME: "name<TAB>address", decoded
    vals = [unfold(v) for v in load(args[0]).get_all(args[1]) or []]
    for name, addr in getaddresses(vals):
        print("%s\t%s" % (decoded(name), addr))
elif cmd == "reply":		# reply FILE: where "reply to sender" goes
    m = load(args[0])
    vals = m.get_all("Reply-To") or m.get_all("From") or []
    for name, addr in getaddresses([unfold(v) for v in vals]):
        print(addr)
elif cmd == "body":		# body FILE: the body, LF line ends
    with open(args[0], "rb") as f:
        raw = f.read().replace(b"\r\n", b"\n")
    sys.stdout.buffer.write(raw.split(b"\n\n", 1)[1])
elif cmd == "mime":		# mime FILE: the tree, one line a part
    m = load(args[0], policy.default)
    print("defects %d" % len(m.defects))
    for part in m.walk():
        line = [part.get_content_type()]
        if part.is_multipart():
            line.append("parts=%d" % len(part.get_payload()))
        else:
            data = part.get_payload(decode=True) or b""
            if part.get_content_maintype() == "text":
                data = data.replace(b"\r\n", b"\n")
            line.append("file=%s" % part.get_filename())
            line.append("sha256=%s" % hashlib.sha256(data).hexdigest())
            line.append("defects=%d" % len(part.defects))
        print(" ".join(line))
elif cmd == "part":		# part FILE N: leaf N (from 1), decoded text
    m = load(args[0], policy.default)
    leaves = [p for p in m.walk() if not p.is_multipart()]
    sys.stdout.write(leaves[int(args[1]) - 1].get_content().replace("\r\n", "\n"))
elif cmd == "sha":		# sha FILE: sha256 of the file
    with open(args[0], "rb") as f:
        print(hashlib.sha256(f.read()).hexdigest())
EOF

mail() {
	"$PYTHON" "$TRASH/mail.py" "$@"
}

# relay_of FILE COMMUNITY: the address in FILE's From, when it is a
# genuine relay address of COMMUNITY (t/helper/relay.py checks the MAC).
relay_of() {
	a=$(mail addrs "$1" From | cut -f2) &&
	"$PYTHON" "$TEST_DIR/helper/relay.py" check store "$2" "$a" >/dev/null &&
	echo "$a"
}

member() {
	kring member -c kring.conf "$@" >/dev/null
}

# post ENVELOPE-FROM RCPT FILE: swaks sends FILE; fails unless 250.
# swaks ends the data with CRLF . CRLF after the file's last line end,
# which would add an empty line: the file goes without it.
post() {
	printf '%s' "$(cat "$3")" >"$3.data" &&
	swaks --server 127.0.0.1:"$KRINGD_PORT" --from "$1" --to "$2" \
		--data "@$3.data" --silent 1
}

# The recipients of the copies of MSGID, one a line, sorted (a member
# twice shows twice).
rcpts_of() {
	mail copies "$SINK_DIR" "$1" | cut -d" " -f1 | sort
}

# The copy of MSGID to ADDRESS (the file; empty when none).
copy_to() {
	mail copies "$SINK_DIR" "$1" | awk -v a="$2" '$1 == a { print $2 }' | tail -1
}

# wait_copies MSGID N: poll (20 s at most) until N copies of MSGID are in.
wait_copies() {
	i=0
	while [ "$(rcpts_of "$1" | wc -l)" -lt "$2" ]; do
		i=$((i + 1))
		if [ $i -gt 200 ]; then
			echo "$(rcpts_of "$1" | wc -l) copies of $1, not $2, after 20 s" >&2
			tail -5 kringd.log >&2
			return 1
		fi
		sleep 0.1
	done
}

# Wait (up to 20 s) until the outbox is empty: all delivered.
outbox_wait_empty() {
	i=0
	while [ -n "$(kring outbox -s store)" ]; do
		i=$((i + 1))
		[ $i -lt 400 ] || { kring outbox -s store; return 1; }
		sleep 0.05
	done
}

# The barrier: a marker post, its one copy in, the outbox empty.
marks=0
settle() {
	marks=$((marks + 1))
	printf 'From: Poster <poster@example.net>\nTo: marks@example.org\nSubject: marker %s\nMessage-ID: <marker-%s@example.net>\n\nmarker\n' \
		$marks $marks >marker.eml &&
	post poster@example.net marks@example.org marker.eml &&
	wait_copies "<marker-$marks@example.net>" 1 &&
	outbox_wait_empty &&
	test "$(rcpts_of "<marker-$marks@example.net>")" = mark@example.net
}

# expect_total N: the sink holds exactly N messages (our own count of
# every copy the tests caused, markers included).
total=0
expect_total() {
	test "$(sink_count)" -eq "$1" ||
		test_fail "the sink holds $(sink_count) messages, not $1"
}

# The store id kringd logged for MSGID.
store_id() {
	sed -n "s/.*stored id=\([0-9]*\) message-id=$1 .*/\1/p" kringd.log | tail -1
}

# hdr_is FILE NAME VALUE: NAME occurs exactly once, with VALUE.
hdr_is() {
	mail hdr "$1" "$2" >hdr.out &&
	printf '%s\n' "$3" >hdr.want &&
	test_cmp hdr.want hdr.out
}

# The footer of a community, as list-footer.txt should render it.
footer_of() {	# footer_of NAME LOCAL [ARCHIVE_URL]
	printf -- '-- \nYou get this post as a member of %s.\nTo write to everyone: %s@example.org\nYour settings: %s+settings@example.org - help: %s+help@example.org\nTo leave: %s+unsubscribe@example.org\n' \
		"$1" "$2" "$2" "$2" "$2"
	if [ -n "$3" ]; then printf 'Earlier posts: %s\n' "$3"; fi
}

# --- the tests ------------------------------------------------------

test_expect_success 'setup: members of six communities, the sink, kringd' '
	member add ann@example.net --name "Ann Smith" &&
	member add bob@example.net &&
	member add cleo@example.net --name "Cléo Dupont" &&
	member add dave@example.net --mode digest &&
	member add erin@example.net --mode nomail &&
	member --community open add ann@example.net --name "Ann Smith" &&
	member --community open add bob@example.net &&
	member --community listy add ann@example.net --name "Ann Smith" &&
	member --community listy add bob@example.net &&
	member --community central add ann@example.net --name "Ann Smith" &&
	member --community central add gina@example.net &&
	member --community central add both@example.net &&
	member --community local add both@example.net &&
	member --community local add lena@example.net --name "Lena" &&
	member --community marks add mark@example.net &&
	member --community marks add poster@example.net &&
	member set ann@example.net address_public=yes &&
	member --community listy set ann@example.net address_public=yes &&
	kring member -c kring.conf list >list &&
	test "$(wc -l <list)" -eq 5 &&
	grep "^dave@example.net  member  mode=digest" list &&
	grep "^erin@example.net  member  mode=nomail" list &&
	sink_start &&
	kringd_start -r 127.0.0.1:$SINK_PORT &&
	settle && total=1 && expect_total $total
'

cat >p1.eml <<\EOF
Return-Path: <ann@example.net>
Delivered-To: kring@example.org
X-Original-To: kring@example.org
Errors-To: ann@example.net
From: Ann Smith <ann@example.net>
To: Kring <kring@example.org>
Subject: Savings rates
Message-ID: <p1@example.net>
Date: Sun, 06 Dec 2026 10:00:00 +0000
List-Id: Other list <other.lists.example.com>
List-Unsubscribe: <mailto:other-leave@lists.example.com>
List-Post: <mailto:other@lists.example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

What do you think of the savings rates?
Regards, Ann
EOF

test_expect_success 'a member post: one copy to each other member in mode each' '
	post ann@example.net kring@example.org p1.eml &&
	wait_copies "<p1@example.net>" 2 &&
	settle && total=$((total + 3)) &&
	rcpts_of "<p1@example.net>" >actual &&
	printf "bob@example.net\ncleo@example.net\n" >expect &&
	test_cmp expect actual &&
	expect_total $total
'

test_expect_success 'the copy is stored as the post, byte for byte in the store' '
	kring show -s store "<p1@example.net>" | strip_received | tr -d "\\r" >stored &&
	test_cmp p1.eml stored
'

test_expect_success 'each copy: its own VERP return path naming the member and the post, signed' '
	post_id=$(store_id "<p1@example.net>") &&
	test -n "$post_id" &&
	for who in bob cleo; do
		f=$(copy_to "<p1@example.net>" $who@example.net) &&
		sink_envelope "$f" >env.$who &&
		test "$(grep -c "^MAIL FROM:" env.$who)" -eq 1 &&
		test "$(grep -c "^RCPT TO:" env.$who)" -eq 1 &&
		sed -n "s/^MAIL FROM:<kring+bounce-m\\([0-9][0-9]*\\)-$post_id-[0-9a-f]\\{10\\}@example\\.org>\$/\\1/p" \
			env.$who >mid.$who &&
		test -s mid.$who || { cat env.$who; return 1; }
	done &&
	test "$(cat mid.bob)" != "$(cat mid.cleo)"
'

test_expect_success 'each copy: List-Id, List-Post, List-Help, List-Subscribe, List-Archive, Precedence' '
	for who in bob cleo; do
		f=$(copy_to "<p1@example.net>" $who@example.net) &&
		hdr_is "$f" List-Id "\"Kring\" <kring.example.org>" &&
		hdr_is "$f" List-Post "<mailto:kring@example.org>" &&
		hdr_is "$f" List-Help "<mailto:kring+help@example.org>" &&
		hdr_is "$f" List-Subscribe "<mailto:kring+subscribe@example.org>" &&
		hdr_is "$f" List-Archive "<https://kring.example.org/archive>" &&
		hdr_is "$f" Precedence "list" &&
		hdr_is "$f" List-Unsubscribe-Post "List-Unsubscribe=One-Click" ||
			return 1
	done
'

test_expect_success 'each copy: List-Unsubscribe, mailto and the member'"'"'s own https link' '
	for who in bob cleo; do
		f=$(copy_to "<p1@example.net>" $who@example.net) &&
		mail hdr "$f" List-Unsubscribe >lu.$who &&
		test "$(wc -l <lu.$who)" -eq 1 &&
		grep -x "<mailto:kring+unsubscribe@example.org>, <https://kring.example.org/lists/u/kring/$who%40example.net/[A-Za-z0-9._-]*>" lu.$who ||
			{ cat lu.$who; return 1; }
	done &&
	! test_cmp lu.bob lu.cleo >/dev/null &&
	token_bob=$(sed "s|.*/||; s|>\$||" lu.bob) &&
	token_cleo=$(sed "s|.*/||; s|>\$||" lu.cleo) &&
	test -n "$token_bob" && test "$token_bob" != "$token_cleo"
'

test_expect_success 'each copy: the other list'"'"'s fields and the sender side'"'"'s are gone' '
	for who in bob cleo; do
		f=$(copy_to "<p1@example.net>" $who@example.net) &&
		for h in Return-Path Delivered-To X-Original-To Errors-To; do
			test -z "$(mail hdr "$f" $h)" || { echo "$h left in"; return 1; }
		done &&
		! grep -i "other.lists.example.com\|other-leave" "$f" || return 1
	done
'

test_expect_success 'each copy: Message-ID, Date, To kept; Subject tagged; DMARC From' '
	f=$(copy_to "<p1@example.net>" bob@example.net) &&
	hdr_is "$f" Message-ID "<p1@example.net>" &&
	hdr_is "$f" Date "Sun, 06 Dec 2026 10:00:00 +0000" &&
	hdr_is "$f" To "Kring <kring@example.org>" &&
	hdr_is "$f" Subject "[Kring] Savings rates" &&
	mail addrs "$f" From >from &&
	printf "Ann Smith via Kring\\tkring@example.org\\n" >expect &&
	test_cmp expect from &&
	hdr_is "$f" X-Original-From "Ann Smith <ann@example.net>" &&
	mail addrs "$f" Reply-To >rt &&
	printf "Ann Smith\\tann@example.net\\n" >expect &&
	test_cmp expect rt &&
	test -z "$(mail hdr "$f" Cc)"
'

test_expect_success 'each copy: the body as posted, then the footer (text/plain)' '
	f=$(copy_to "<p1@example.net>" bob@example.net) &&
	mail body "$f" >body &&
	{ sed "1,/^\$/d" p1.eml && echo &&
	  footer_of Kring kring https://kring.example.org/archive; } >expect &&
	test_cmp expect body &&
	mail mime "$f" >tree && head -1 tree | grep -x "defects 0"
'

test_expect_success 'the copies differ only in List-Unsubscribe (one shared body)' '
	fb=$(copy_to "<p1@example.net>" bob@example.net) &&
	fc=$(copy_to "<p1@example.net>" cleo@example.net) &&
	sed "/^List-Unsubscribe:/,/^[^ ]/{/^List-Unsubscribe-Post:/!d}" "$fb" >b.rest &&
	sed "/^List-Unsubscribe:/,/^[^ ]/{/^List-Unsubscribe-Post:/!d}" "$fc" >c.rest &&
	test_cmp b.rest c.rest &&
	grep "^List-Id:" b.rest
'

test_expect_success 'a private reply: the copy'"'"'s Reply-To leads to the author' '
	f=$(copy_to "<p1@example.net>" bob@example.net) &&
	test "$(mail reply "$f")" = ann@example.net
'

cat >p2.eml <<\EOF
From: bob@example.net
To: kring@example.org
Subject: Re: [Kring] Savings rates
Message-ID: <p2@example.net>
In-Reply-To: <p1@example.net>
References: <p0@example.net>
 <p1@example.net>
Date: Sun, 06 Dec 2026 11:00:00 +0000

Higher, please.
EOF

test_expect_success 'a reply: tag not doubled, threading fields kept; no name, no address: "A member" at a relay address' '
	post bob@example.net kring@example.org p2.eml &&
	wait_copies "<p2@example.net>" 2 &&
	settle && total=$((total + 3)) &&
	rcpts_of "<p2@example.net>" >actual &&
	printf "ann@example.net\ncleo@example.net\n" >expect &&
	test_cmp expect actual &&
	f=$(copy_to "<p2@example.net>" ann@example.net) &&
	hdr_is "$f" Subject "Re: [Kring] Savings rates" &&
	hdr_is "$f" In-Reply-To "<p1@example.net>" &&
	hdr_is "$f" References "<p0@example.net> <p1@example.net>" &&
	hdr_is "$f" Message-ID "<p2@example.net>" &&
	relay=$(relay_of "$f" kring) &&
	mail addrs "$f" From >from &&
	printf "A member via Kring\\t%s\\n" "$relay" >expect &&
	test_cmp expect from &&
	test "$(mail reply "$f")" = "$relay" &&
	! grep -i "bob@example" "$f" &&
	expect_total $total
'

cat >p3.eml <<\EOF
From: =?utf-8?q?Cl=C3=A9o_Dupont?= <cleo@example.net>
Reply-To: Cleo at home <cleo@home.example>
To: kring@example.org
Subject: Re: Savings rates
Message-ID: <p3@example.net>
In-Reply-To: <p1@example.net>

Reply to my home address, please.
EOF

test_expect_success 'a member who keeps the address private: name kept, relay From and Reply-To, no address anywhere' '
	post cleo@example.net kring@example.org p3.eml &&
	wait_copies "<p3@example.net>" 2 &&
	settle && total=$((total + 3)) &&
	rcpts_of "<p3@example.net>" >actual &&
	printf "ann@example.net\nbob@example.net\n" >expect &&
	test_cmp expect actual &&
	f=$(copy_to "<p3@example.net>" bob@example.net) &&
	hdr_is "$f" Subject "[Kring] Re: Savings rates" &&
	relay=$(relay_of "$f" kring) &&
	mail addrs "$f" From >from &&
	printf "Cléo Dupont via Kring\\t%s\\n" "$relay" >expect &&
	test_cmp expect from &&
	test -z "$(mail hdr "$f" X-Original-From)" &&
	mail addrs "$f" Reply-To >rt &&
	test_cmp expect rt &&
	! grep -i "cleo@" "$f" &&
	expect_total $total
'

test_expect_success 'own_posts=yes: the author gets a copy too, once' '
	member set ann@example.net own_posts=yes &&
	sed "s/<p1@/<p4@/; s/^Subject: .*/Subject: Mine too/" p1.eml >p4.eml &&
	post ann@example.net kring@example.org p4.eml &&
	wait_copies "<p4@example.net>" 3 &&
	settle && total=$((total + 4)) &&
	rcpts_of "<p4@example.net>" >actual &&
	printf "ann@example.net\nbob@example.net\ncleo@example.net\n" >expect &&
	test_cmp expect actual &&
	f=$(copy_to "<p4@example.net>" ann@example.net) &&
	mail hdr "$f" List-Unsubscribe >lu.ann &&
	grep -x "<mailto:kring+unsubscribe@example.org>, <https://kring.example.org/lists/u/kring/ann%40example.net/[A-Za-z0-9._-]*>" lu.ann &&
	member set ann@example.net own_posts=no &&
	expect_total $total
'

test_expect_success 'the author'"'"'s address in another case: still the author, no copy' '
	sed "s/<p1@/<p5@/; s/^From: .*/From: Ann Smith <Ann@Example.NET>/" p1.eml >p5.eml &&
	post Ann@Example.NET kring@example.org p5.eml &&
	wait_copies "<p5@example.net>" 2 &&
	settle && total=$((total + 3)) &&
	rcpts_of "<p5@example.net>" >actual &&
	printf "bob@example.net\ncleo@example.net\n" >expect &&
	test_cmp expect actual &&
	expect_total $total
'

test_expect_success 'digest and nomail members got none of the posts' '
	for id in p1 p2 p3 p4 p5; do
		rcpts_of "<$id@example.net>" || return 1
	done >all &&
	! grep "dave@\|erin@" all
'

cat >z1.eml <<\EOF
From: Zed <zed@example.com>
To: kring@example.org
Subject: Cheap watches
Message-ID: <z1@example.com>

Buy now.
EOF

test_expect_success 'a non-member: 550 5.7.1 with the reason; nothing stored, nothing sent' '
	kring stats -s store --json | grep "\"community\":\"kring\"" >stats.before &&
	status=0 &&
	printf "%s" "$(cat z1.eml)" >z1.data &&
	swaks --server 127.0.0.1:"$KRINGD_PORT" --from zed@example.com \
		--to kring@example.org --data @z1.data >swaks.out 2>&1 || status=$? &&
	test "$status" -ne 0 &&
	grep -x "<\\*\\* 550 5.7.1 <zed@example.com>: only members of kring@example.org may post; to join, write to kring+subscribe@example.org" swaks.out &&
	grep "refused from=<zed@example.com>: 5.7.1 <zed@example.com>: only members of kring@example.org may post" kringd.log &&
	! kring show -s store "<z1@example.com>" >/dev/null 2>&1 &&
	settle && total=$((total + 1)) &&
	test -z "$(rcpts_of "<z1@example.com>")" &&
	! grep -l "zed@example.com" $(sink_messages) &&
	kring stats -s store --json | grep "\"community\":\"kring\"" >stats.after &&
	test_cmp stats.before stats.after &&
	expect_total $total
'

test_expect_success 'a non-member with the null envelope sender: refused too' '
	status=0 &&
	swaks --server 127.0.0.1:"$KRINGD_PORT" --from "" \
		--to kring@example.org --data @z1.data >swaks.out 2>&1 || status=$? &&
	test "$status" -ne 0 &&
	grep "^<\\*\\* 550 5.7.1 <zed@example.com>: only members of kring@example.org may post" swaks.out &&
	! kring show -s store "<z1@example.com>" >/dev/null 2>&1
'

cat >z2.eml <<\EOF
From: Zed <zed@example.com>
Reply-To: Zed at home <zed@home.example>
To: open@example.org
Subject: Open house question
Message-ID: <z2@example.com>

May I ask something?
EOF

test_expect_success 'outside_posts = true: a non-member'"'"'s post is taken and distributed' '
	post zed@example.com open@example.org z2.eml &&
	wait_copies "<z2@example.com>" 2 &&
	settle && total=$((total + 3)) &&
	rcpts_of "<z2@example.com>" >actual &&
	printf "ann@example.net\nbob@example.net\n" >expect &&
	test_cmp expect actual &&
	expect_total $total
'

test_expect_success 'DMARC never, no tag, no footer, no archive: From, Reply-To, Subject and body as posted' '
	f=$(copy_to "<z2@example.com>" bob@example.net) &&
	hdr_is "$f" From "Zed <zed@example.com>" &&
	test -z "$(mail hdr "$f" X-Original-From)" &&
	hdr_is "$f" Reply-To "Zed at home <zed@home.example>" &&
	hdr_is "$f" Subject "Open house question" &&
	hdr_is "$f" List-Id "\"Open House\" <open.example.org>" &&
	hdr_is "$f" List-Post "<mailto:open@example.org>" &&
	test -z "$(mail hdr "$f" List-Archive)" &&
	hdr_is "$f" Precedence list &&
	mail body "$f" >body &&
	sed "1,/^\$/d" z2.eml >expect &&
	test_cmp expect body &&
	sink_envelope "$f" | grep -x "MAIL FROM:<open+bounce-m[0-9]*-$(store_id "<z2@example.com>")-[0-9a-f]\{10\}@example.org>"
'

cat >l1.eml <<\EOF
From: Ann Smith <ann@example.net>
To: listy@example.org
Cc: Carl <carl@example.com>
Subject: Reply to the list
Message-ID: <l1@example.net>

Answers to the list, please.
EOF

test_expect_success 'reply_to = "list" with DMARC: Reply-To the list, the author in Cc' '
	post ann@example.net listy@example.org l1.eml &&
	wait_copies "<l1@example.net>" 1 &&
	settle && total=$((total + 2)) &&
	test "$(rcpts_of "<l1@example.net>")" = bob@example.net &&
	f=$(copy_to "<l1@example.net>" bob@example.net) &&
	mail addrs "$f" Reply-To >rt &&
	printf "\\tlisty@example.org\\n" >expect &&
	test_cmp expect rt &&
	mail addrs "$f" From >from &&
	printf "Ann Smith via Listy\\tlisty@example.org\\n" >expect &&
	test_cmp expect from &&
	test "$(mail hdr "$f" Cc | wc -l)" -eq 1 &&
	mail addrs "$f" Cc >cc &&
	printf "Carl\\tcarl@example.com\\nAnn Smith\\tann@example.net\\n" >expect &&
	test_cmp expect cc &&
	test "$(mail reply "$f")" = listy@example.org &&
	expect_total $total
'

test_expect_success 'reply_to = "list" with DMARC, no Cc in the post: the author is the Cc' '
	sed "/^Cc:/d; s/<l1@/<l2@/" l1.eml >l2.eml &&
	post ann@example.net listy@example.org l2.eml &&
	wait_copies "<l2@example.net>" 1 &&
	settle && total=$((total + 2)) &&
	f=$(copy_to "<l2@example.net>" bob@example.net) &&
	mail addrs "$f" Cc >cc &&
	printf "Ann Smith\\tann@example.net\\n" >expect &&
	test_cmp expect cc &&
	hdr_is "$f" Reply-To "listy@example.org" &&
	expect_total $total
'

# A multipart/mixed post: text, an attachment, and an epilogue.
attach_b64=$(printf 'rate,value\n2026,3.1\n' | base64)
cat >m1.eml <<EOF
From: Ann Smith <ann@example.net>
To: kring@example.org
Subject: The figures
Message-ID: <m1@example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=-b1-="

This is a multi-part message in MIME format.

--=-b1-=
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

The figures are attached.

--=-b1-=
Content-Type: text/csv; name="rates.csv"
Content-Disposition: attachment; filename="rates.csv"
Content-Transfer-Encoding: base64

$attach_b64

--=-b1-=--
EOF

test_expect_success 'footer on multipart/mixed: a part of its own; the MIME still parses' '
	post ann@example.net kring@example.org m1.eml &&
	wait_copies "<m1@example.net>" 2 &&
	settle && total=$((total + 3)) &&
	f=$(copy_to "<m1@example.net>" bob@example.net) &&
	mail mime "$f" >tree &&
	mail mime m1.eml >orig &&
	{ head -4 orig | sed "s/parts=2/parts=3/" &&
	  printf "%s" "$(footer_of Kring kring https://kring.example.org/archive)" >footer.txt &&
	  echo "text/plain file=None sha256=$(mail sha footer.txt) defects=0"; } >expect &&
	test_cmp expect tree &&
	printf "rate,value\n2026,3.1\n" >csv && grep "sha256=$(mail sha csv)" tree &&
	mail part "$f" 3 >got.footer &&
	test_cmp footer.txt got.footer &&
	mail part "$f" 1 >got.text &&
	printf "The figures are attached.\n" >expect &&
	test_cmp expect got.text &&
	hdr_is "$f" Content-Type "multipart/mixed; boundary=\"=-b1-=\"" &&
	expect_total $total
'

cat >a1.eml <<\EOF
From: Ann Smith <ann@example.net>
To: kring@example.org
Subject: Alternative
Message-ID: <a1@example.net>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain

plain
--alt
Content-Type: text/html

<p>html</p>
--alt--
EOF

test_expect_success 'multipart/alternative: the body is left as it was (no footer)' '
	post ann@example.net kring@example.org a1.eml &&
	wait_copies "<a1@example.net>" 2 &&
	settle && total=$((total + 3)) &&
	f=$(copy_to "<a1@example.net>" bob@example.net) &&
	mail body "$f" >body &&
	sed "1,/^\$/d" a1.eml >expect &&
	test_cmp expect body &&
	expect_total $total
'

cat >loop1.eml <<\EOF
From: Bob <bob@example.net>
To: kring@example.org
Subject: [Kring] Savings rates
Message-ID: <loop1@example.net>
List-Id: "Kring" <kring.example.org>

A copy of ours, come back.
EOF

cat >auto1.eml <<\EOF
From: Bob <bob@example.net>
To: kring@example.org
Subject: Out of office: [Kring] Savings rates
Message-ID: <auto1@example.net>
Auto-Submitted: auto-replied

I am away until Monday.
EOF

cat >vac1.eml <<\EOF
From: Cleo <cleo@example.net>
To: kring@example.org
Subject: Away
Message-ID: <vac1@example.net>
X-Autoreply: yes

On holiday.
EOF

cat >rp1.eml <<\EOF
From: Ann Smith <ann@example.net>
To: kring@example.org
Subject: Bounced back
Message-ID: <rp1@example.net>

Sent with our own return path as the sender.
EOF

test_expect_success 'a loop, auto-replies, our return path as sender: kept apart, not posts, not distributed' '
	before=$(kring stats -s store --community kring --json) &&
	post bob@example.net kring@example.org loop1.eml &&
	post bob@example.net kring@example.org auto1.eml &&
	post cleo@example.net kring@example.org vac1.eml &&
	post "kring+bounce-m1-1@example.org" kring@example.org rp1.eml &&
	for id in loop1 auto1 vac1 rp1; do
		kring show -s store --community .robots "<$id@example.net>" >/dev/null || return 1
	done &&
	test "$(kring stats -s store --community kring --json)" = "$before" &&
	kring stats -s store --community .robots --json | grep -q "\"messages\":4," &&
	test "$(grep -c "from a robot or a loop: kept apart in .robots, not distributed" kringd.log)" -eq 4 &&
	settle && total=$((total + 1)) &&
	for id in loop1 auto1 vac1 rp1; do
		test -z "$(rcpts_of "<$id@example.net>")" || return 1
	done &&
	expect_total $total
'

test_expect_success 'Auto-Submitted: no is a person: distributed' '
	sed "s/auto1@/auto2@/; s/auto-replied/no/" auto1.eml >auto2.eml &&
	post bob@example.net kring@example.org auto2.eml &&
	wait_copies "<auto2@example.net>" 2 &&
	settle && total=$((total + 3)) &&
	rcpts_of "<auto2@example.net>" >actual &&
	printf "ann@example.net\ncleo@example.net\n" >expect &&
	test_cmp expect actual &&
	expect_total $total
'

cat >c1.eml <<\EOF
From: Ann Smith <ann@example.net>
To: central@example.org
Subject: From the centre
Message-ID: <c1@example.net>

News for everyone.
EOF

test_expect_success 'parent: a central post reaches the local members; a member of both once' '
	post ann@example.net central@example.org c1.eml &&
	wait_copies "<c1@example.net>" 3 &&
	settle && total=$((total + 4)) &&
	rcpts_of "<c1@example.net>" >actual &&
	printf "both@example.net\ngina@example.net\nlena@example.net\n" >expect &&
	test_cmp expect actual &&
	expect_total $total
'

test_expect_success 'parent: every copy is the central one; each leaves the community it is in' '
	c1=$(store_id "<c1@example.net>") &&
	for who in both gina lena; do
		f=$(copy_to "<c1@example.net>" $who@example.net) &&
		hdr_is "$f" List-Id "\"Central\" <central.example.org>" &&
		hdr_is "$f" List-Post "<mailto:central@example.org>" &&
		sink_envelope "$f" |
			grep -x "MAIL FROM:<central+bounce-m[0-9]*-$c1-[0-9a-f]\{10\}@example.org>" ||
			return 1
	done &&
	for who in both gina; do
		f=$(copy_to "<c1@example.net>" $who@example.net) &&
		mail hdr "$f" List-Unsubscribe >lu &&
		grep -x "<mailto:central+unsubscribe@example.org>, <https://kring.example.org/lists/u/central/$who%40example.net/[A-Za-z0-9._-]*>" lu ||
			{ cat lu; return 1; }
	done &&
	f=$(copy_to "<c1@example.net>" lena@example.net) &&
	mail hdr "$f" List-Unsubscribe >lu &&
	grep -x "<mailto:local+unsubscribe@example.org>, <https://kring.example.org/lists/u/local/lena%40example.net/[A-Za-z0-9._-]*>" lu
'

test_expect_success 'parent: each copy says which community it comes through and how to leave it' '
	f=$(copy_to "<c1@example.net>" gina@example.net) &&
	mail body "$f" >body &&
	{ sed "1,/^\$/d" c1.eml && echo && footer_of Central central; } >expect &&
	test_cmp expect body &&
	f=$(copy_to "<c1@example.net>" lena@example.net) &&
	mail body "$f" >body &&
	{ sed "1,/^\$/d" c1.eml && echo &&
	  printf -- "-- \nThis post was written to Central; you get it as a member of\nLocal.\n" &&
	  printf "To write to everyone: local@example.org\n" &&
	  printf "Your settings: local+settings@example.org - help: local+help@example.org\n" &&
	  printf "To leave: local+unsubscribe@example.org\n"; } >expect &&
	test_cmp expect body
'

test_expect_success 'parent: the bodies of a central post are gone once every copy is out' '
	settle && total=$((total + 1)) &&
	for db in outbox_body outbox_bref fanout; do
		mdb_stat -s $db store >stat.$db &&
		grep -x "  Entries: 0" stat.$db || { cat stat.$db; return 1; }
	done &&
	expect_total $total
'

cat >c2.eml <<\EOF
From: Lena <lena@example.net>
To: central@example.org
Subject: A local voice
Message-ID: <c2@example.net>

From the region.
EOF

test_expect_success 'parent: a local member may post centrally, and gets no copy of it' '
	post lena@example.net central@example.org c2.eml &&
	wait_copies "<c2@example.net>" 3 &&
	settle && total=$((total + 4)) &&
	rcpts_of "<c2@example.net>" >actual &&
	printf "ann@example.net\nboth@example.net\ngina@example.net\n" >expect &&
	test_cmp expect actual &&
	expect_total $total
'

test_expect_success 'parent: a local post stays local' '
	sed "s/central@/local@/; s/<c2@/<c3@/" c2.eml >c3.eml &&
	post lena@example.net local@example.org c3.eml &&
	wait_copies "<c3@example.net>" 1 &&
	settle && total=$((total + 2)) &&
	test "$(rcpts_of "<c3@example.net>")" = both@example.net &&
	f=$(copy_to "<c3@example.net>" both@example.net) &&
	hdr_is "$f" List-Id "\"Local\" <local.example.org>" &&
	expect_total $total
'

test_expect_success 'kring import of an mbox while kringd runs: stored, distributed to nobody' '
	for i in 1 2 3; do
		printf "From ann@example.net Sun Nov 22 10:00:00 2026\n"
		printf "From: Ann Smith <ann@example.net>\nTo: kring@example.org\n"
		printf "Subject: Old post %s\nMessage-ID: <old-%s@example.net>\n" $i $i
		printf "Date: Sun, 22 Nov 2026 10:0%s:00 +0000\n\nFrom the old archive.\n\n" $i
	done >old.mbox &&
	kring import -c kring.conf --community kring old.mbox >import.out 2>&1 &&
	cat import.out &&
	for i in 1 2 3; do
		kring show -s store "<old-$i@example.net>" >/dev/null || return 1
	done &&
	settle && total=$((total + 1)) &&
	for i in 1 2 3; do
		test -z "$(rcpts_of "<old-$i@example.net>")" || return 1
	done &&
	expect_total $total
'

test_expect_success 'kring import while kringd is stopped: nothing sent after the start either' '
	kringd_stop &&
	sed "s/old-/older-/g" old.mbox >older.mbox &&
	kring import -c kring.conf --community kring older.mbox &&
	kringd_start -r 127.0.0.1:$SINK_PORT &&
	settle && total=$((total + 1)) &&
	for i in 1 2 3; do
		test -z "$(rcpts_of "<older-$i@example.net>")" || return 1
	done &&
	expect_total $total
'

test_expect_success 'without web_url: List-Unsubscribe only mailto, no List-Unsubscribe-Post' '
	kringd_stop &&
	sed "/^web_url/d" kring.conf >kring.conf.new && mv kring.conf.new kring.conf &&
	kringd_start -r 127.0.0.1:$SINK_PORT &&
	sed "s/<p1@/<p6@/" p1.eml >p6.eml &&
	post ann@example.net kring@example.org p6.eml &&
	wait_copies "<p6@example.net>" 2 &&
	settle && total=$((total + 3)) &&
	for who in bob cleo; do
		f=$(copy_to "<p6@example.net>" $who@example.net) &&
		hdr_is "$f" List-Unsubscribe "<mailto:kring+unsubscribe@example.org>" &&
		test -z "$(mail hdr "$f" List-Unsubscribe-Post)" &&
		hdr_is "$f" List-Id "\"Kring\" <kring.example.org>" || return 1
	done &&
	expect_total $total
'

test_expect_success 'every post so far: no member got any copy twice' '
	for f in $(sink_messages); do
		mid=$(mail hdr "$f" Message-ID) &&
		sed -n "s/^RCPT TO:<\\(.*\\)>\$/\\1/p" "${f%.eml}.env" |
			sed "s|^|$mid |" || return 1
	done | sort | uniq -d >dups &&
	test ! -s dups
'

test_expect_success 'kringd stops cleanly; the sink too' '
	kringd_stop &&
	sink_stop
'

test_done
