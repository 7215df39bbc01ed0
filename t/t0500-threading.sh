#!/bin/sh
test_description='threading of hand-written messages (t/data/threads)

Imported with kring import, as mbox files and single files; the trees of
kring thread --json and the lines of kring threads --json are compared
with trees written out by hand: late parents, placeholders on top, merges,
loops, subject fallback, empty subjects, duplicates, messages without
Message-ID, malformed headers, 200 References, and one conversation in
three arrival orders.'
. "$(dirname "$0")/test-lib.sh"

DATA=$TEST_DIR/data/threads
# Messages without a usable Date get "now".
KRING_NOW=2026-06-02T00:00:00Z
export KRING_NOW

# imp STORE ARGS...: kring import ARGS (paths relative to t/data/threads)
# into store st-STORE, community "t"; its summary line into STORE.out.
imp() {
	imp_store=$1
	shift
	(cd "$DATA" && kring import -s "$TRASH/st-$imp_store" --community t \
		"$@") >"$TRASH/$imp_store.out"
}

# tree STORE ID: kring thread --json ID of store st-STORE.
tree() {
	kring thread -s "st-$1" --json "$2"
}

threads() {
	kring threads -s "st-$1" --json
}

# canon STORE: every thread's summary and tree, lines prefixed by the
# thread's root and sorted, store ids left out: what may not depend on
# the order in which the messages came.
canon() {
	threads "$1" >"$1.threads" || return 1
	while read -r line; do
		id=${line#'{"id":'}
		id=${id%%,*}
		root=$(printf '%s\n' "$line" | sed 's/.*"root":"\([^"]*\)".*/\1/')
		{ printf '%s\n' "$line"; tree "$1" "$id"; } |
			sed 's/"id":[0-9][0-9]*,//' |
			awk -v r="$root" '{ print r " " $0 }'
	done <"$1.threads" | sort
}

T='{"id":%d,"community":"t","subject":"%s","root":"<%s@kring.test>","messages":%d,"participants":%d,"first":"2026-06-01T%sZ","last":"2026-06-01T%sZ"}\n'
N='{"message_id":"<%s@kring.test>","parent":%s,"id":%s,"depth":%d}\n'

test_expect_success 'late parent: the grandchild comes first, under two placeholders' '
	imp lp late-parent/1-grandchild.eml &&
	echo "t: 1 imported, 0 already there, 0 skipped" >expect &&
	test_cmp expect lp.out &&
	printf "$T" 1 "Re: Late parent" lp-c 1 1 12:00:00 12:00:00 >expect &&
	threads lp >actual &&
	test_cmp expect actual &&
	{
		printf "$N" lp-a null null 0
		printf "$N" lp-b "\"<lp-a@kring.test>\"" null 1
		printf "$N" lp-c "\"<lp-b@kring.test>\"" 1 2
	} >expect &&
	tree lp 1 >actual &&
	test_cmp expect actual
'

test_expect_success 'late parent: the child takes its placeholder'"'"'s place' '
	imp lp late-parent/2-child.eml &&
	printf "$T" 1 "Re: Late parent" lp-b 2 2 11:00:00 12:00:00 >expect &&
	threads lp >actual &&
	test_cmp expect actual &&
	{
		printf "$N" lp-a null null 0
		printf "$N" lp-b "\"<lp-a@kring.test>\"" 2 1
		printf "$N" lp-c "\"<lp-b@kring.test>\"" 1 2
	} >expect &&
	tree lp 1 >actual &&
	test_cmp expect actual
'

test_expect_success 'late parent: the root comes last and becomes the root' '
	imp lp late-parent/3-root.eml &&
	printf "$T" 1 "Late parent" lp-a 3 3 10:00:00 12:00:00 >expect &&
	threads lp >actual &&
	test_cmp expect actual &&
	{
		printf "$N" lp-a null 3 0
		printf "$N" lp-b "\"<lp-a@kring.test>\"" 2 1
		printf "$N" lp-c "\"<lp-b@kring.test>\"" 1 2
	} >expect &&
	tree lp 1 >actual &&
	test_cmp expect actual
'

test_expect_success 'late parent: importing the folder again stores nothing' '
	canon lp >before &&
	imp lp late-parent &&
	echo "t: 0 imported, 3 already there, 0 skipped" >expect &&
	test_cmp expect lp.out &&
	canon lp >after &&
	test_cmp before after
'

test_expect_success 'missing root: a placeholder on top; the root is the earliest real child' '
	imp mr missing-root.mbox &&
	printf "$T" 1 "Re: Where is the root?" mr-r2 3 3 10:30:00 12:00:00 >expect &&
	threads mr >actual &&
	test_cmp expect actual &&
	{
		printf "$N" mr-root null null 0
		printf "$N" mr-r2 "\"<mr-root@kring.test>\"" 3 1
		printf "$N" mr-r1 "\"<mr-root@kring.test>\"" 2 1
		printf "$N" mr-c "\"<mr-r1@kring.test>\"" 1 2
	} >expect &&
	tree mr 1 >actual &&
	test_cmp expect actual
'

test_expect_success 'merge: two threads from an mbox' '
	imp mg merge-1.mbox &&
	{
		printf "$T" 1 Apples mg-a 2 2 09:00:00 09:10:00
		printf "$T" 2 Pears mg-p 2 2 09:20:00 09:30:00
	} >expect &&
	threads mg >actual &&
	test_cmp expect actual
'

# The same tree whether the message naming both threads comes in a later
# import or in the same one (one write transaction).
cat >merge.expect <<'EOF'
{"id":1,"community":"t","subject":"Apples","root":"<mg-a@kring.test>","messages":5,"participants":5,"first":"2026-06-01T09:00:00Z","last":"2026-06-01T09:40:00Z"}
{"message_id":"<mg-a@kring.test>","parent":null,"id":1,"depth":0}
{"message_id":"<mg-b@kring.test>","parent":"<mg-a@kring.test>","id":2,"depth":1}
{"message_id":"<mg-p@kring.test>","parent":"<mg-a@kring.test>","id":3,"depth":1}
{"message_id":"<mg-q@kring.test>","parent":"<mg-p@kring.test>","id":4,"depth":2}
{"message_id":"<mg-x@kring.test>","parent":"<mg-p@kring.test>","id":5,"depth":2}
EOF

test_expect_success 'merge: a later message naming both makes them one thread' '
	imp mg merge-2.eml &&
	{ threads mg && tree mg 1; } >actual &&
	test_cmp merge.expect actual
'

test_expect_success 'merge: the same when all come in one import (one batch)' '
	imp mg1 merge-1.mbox merge-2.eml &&
	{ threads mg1 && tree mg1 1; } >actual &&
	test_cmp merge.expect actual
'

test_expect_success 'loop: a answers b, b answers a: one thread, no loop' '
	imp lo loop &&
	printf "$T" 1 "Re: Loop" loop-b 2 2 10:00:00 11:00:00 >expect &&
	threads lo >actual &&
	test_cmp expect actual &&
	{
		printf "$N" loop-b null 2 0
		printf "$N" loop-a "\"<loop-b@kring.test>\"" 1 1
	} >expect &&
	tree lo 1 >actual &&
	test_cmp expect actual
'

test_expect_success 'loop: the other order, the mirror tree' '
	imp lo2 loop/loop-b.eml loop/loop-a.eml &&
	printf "$T" 1 "Loop" loop-a 2 2 10:00:00 11:00:00 >expect &&
	threads lo2 >actual &&
	test_cmp expect actual &&
	{
		printf "$N" loop-a null 2 0
		printf "$N" loop-b "\"<loop-a@kring.test>\"" 1 1
	} >expect &&
	tree lo2 1 >actual &&
	test_cmp expect actual
'

test_expect_success 'subject: replies without headers join the original; nothing else merges' '
	imp sj subject &&
	{
		printf "$T" 1 "Weekly meeting" sj-1 4 4 09:00:00 10:00:00
		printf "$T" 2 "Weekly meeting" sj-4 1 1 09:30:00 09:30:00
		printf "$T" 3 "Re: Something else" sj-5 1 1 09:40:00 09:40:00
		printf "$T" 4 "Re: Weekly meeting" sj-6 1 1 09:50:00 09:50:00
	} >expect &&
	threads sj >actual &&
	test_cmp expect actual &&
	{
		printf "$N" sj-1 null 1 0
		printf "$N" sj-2 "\"<sj-1@kring.test>\"" 2 1
		printf "$N" sj-3 "\"<sj-1@kring.test>\"" 3 1
		printf "$N" sj-7 "\"<sj-1@kring.test>\"" 7 1
		printf "$N" sj-4 null 4 0
		printf "$N" sj-5 null 5 0
		printf "$N" sj-elsewhere null null 0
		printf "$N" sj-6 "\"<sj-elsewhere@kring.test>\"" 6 1
	} >expect &&
	for t in 1 2 3 4; do tree sj $t || return 1; done >actual &&
	test_cmp expect actual
'

test_expect_success 'subject: the original after its reply adopts it' '
	imp sl subject-late &&
	printf "$T" 1 Budget sl-o 2 2 09:00:00 10:00:00 >expect &&
	threads sl >actual &&
	test_cmp expect actual &&
	{
		printf "$N" sl-o null 2 0
		printf "$N" sl-r "\"<sl-o@kring.test>\"" 1 1
	} >expect &&
	tree sl 1 >actual &&
	test_cmp expect actual
'

test_expect_success 'empty subjects (and bare prefixes) never merge' '
	imp es empty-subject &&
	{
		printf "$T" 1 "" es-1 1 1 09:00:00 09:00:00
		printf "$T" 2 "" es-2 1 1 09:10:00 09:10:00
		printf "$T" 3 "Re:" es-3 1 1 09:20:00 09:20:00
		printf "$T" 4 "Re:" es-4 1 1 09:30:00 09:30:00
		printf "$T" 5 "AW: Re:" es-5 1 1 09:40:00 09:40:00
	} >expect &&
	threads es >actual &&
	test_cmp expect actual
'

test_expect_success 'duplicate Message-ID: stored once; the copy'"'"'s References leave no trace' '
	imp dup duplicate &&
	echo "t: 1 imported, 1 already there, 0 skipped" >expect &&
	test_cmp expect dup.out &&
	printf "$T" 1 "Once only" dup 1 1 09:00:00 09:00:00 >expect &&
	threads dup >actual &&
	test_cmp expect actual &&
	printf "$N" dup null 1 0 >expect &&
	tree dup 1 >actual &&
	test_cmp expect actual &&
	kring show -s st-dup "<dup@kring.test>" >shown &&
	cmp "$DATA/duplicate/dup-1.eml" shown
'

# The derived id: SHA-256 of the From, Date and Subject values and the
# body, each header value followed by a newline; 32 hex digits.
derive() {
	printf '%s\n%s\n%s\n%s\n' "$1" "$2" "$3" "$4" | sha256sum | cut -c1-32
}

test_expect_success 'no Message-ID: derived ids; a resend is a duplicate' '
	imp nm no-message-id &&
	echo "t: 3 imported, 1 already there, 0 skipped" >expect &&
	test_cmp expect nm.out &&
	d1=$(derive "Anna <anna@kring.test>" "Mon, 01 Jun 2026 10:00:00 +0000" \
		"No id" "My mailer forgot the Message-ID.") &&
	d3=$(derive "Bert <bert@kring.test>" "Mon, 01 Jun 2026 10:10:00 +0000" \
		"Re: Where is it?" "A reply without a Message-ID.") &&
	d4=$(derive "Carla <carla@kring.test>" "Mon, 01 Jun 2026 10:20:00 +0000" \
		"Re: Where is it?" \
		"Another reply without a Message-ID, to the same missing message.") &&
	{
		printf "$T" 1 "No id" x 1 1 10:00:00 10:00:00 |
			sed "s/<x@kring.test>/<$d1@derived.kring.invalid>/"
		printf "$T" 2 "Re: Where is it?" x 2 2 10:10:00 10:20:00 |
			sed "s/<x@kring.test>/<$d3@derived.kring.invalid>/"
	} >expect &&
	threads nm >actual &&
	test_cmp expect actual &&
	{
		printf "$N" nm-parent null null 0
		printf "$N" x "\"<nm-parent@kring.test>\"" 2 1 |
			sed "s/<x@kring.test>/<$d3@derived.kring.invalid>/"
		printf "$N" x "\"<nm-parent@kring.test>\"" 3 1 |
			sed "s/<x@kring.test>/<$d4@derived.kring.invalid>/"
	} >expect &&
	tree nm 2 >actual &&
	test_cmp expect actual
'

test_expect_success 'garbage: what has a header is stored; no header and empty are skipped' '
	(cd "$DATA" && kring import -s "$TRASH/st-ga" --community t garbage) \
		>ga.out 2>ga.err &&
	echo "t: 7 imported, 0 already there, 2 skipped" >expect &&
	test_cmp expect ga.out &&
	grep "garbage/g2.eml: message 1 skipped: no header" ga.err &&
	grep "garbage/g3.eml: message 1 skipped: empty file" ga.err
'

test_expect_success 'garbage: junk ids ignored, comments after ids, bare Message-ID, CRLF' '
	imp ga2 garbage/g1.eml garbage/g4.eml garbage/g5.eml garbage/g6.eml \
		garbage/g7.eml garbage/g8.eml garbage/g9.eml &&
	{
		printf "$T" 1 "Grüße and raw Latin-1 été" g1 2 2 08:50:00 x |
			sed "s/2026-06-01Tx/2026-06-02T00:00:00/"
		printf "$T" 2 "Header only, no newline at the end" g4 1 0 x x |
			sed "s/2026-06-01Tx/2026-06-02T00:00:00/g"
		printf "$T" 3 "[PATCH 1/2] one" g5 1 1 08:00:00 08:00:00
		printf "$T" 4 "[PATCH 2/2] two" g6 1 1 08:00:01 08:00:01
		printf "$T" 5 "Message-ID without angle brackets" g7-bare 2 2 \
			08:30:00 08:40:00
	} >expect &&
	threads ga2 >actual &&
	test_cmp expect actual &&
	{
		printf "$N" g-parent null null 0
		printf "$N" g1 "\"<g-parent@kring.test>\"" 1 1
		printf "$N" g9 "\"<g1@kring.test>\"" 7 2
		printf "$N" g7-bare null 5 0
		printf "$N" g8 "\"<g7-bare@kring.test>\"" 6 1
	} >expect &&
	{ tree ga2 1 && tree ga2 5; } >actual &&
	test_cmp expect actual
'

test_expect_success '200 References: the newest 128 as a chain of placeholders' '
	imp deep many-refs.eml &&
	printf "$T" 1 "Re: A very long thread" deep 1 1 12:00:00 12:00:00 >expect &&
	threads deep >actual &&
	test_cmp expect actual &&
	i=73 &&
	while [ $i -le 200 ]; do
		if [ $i -eq 73 ]; then
			p=null
		else
			p=$(printf "\"<ref-%03d@kring.test>\"" $((i - 1)))
		fi &&
		printf "$N" "$(printf ref-%03d $i)" "$p" null $((i - 73)) &&
		i=$((i + 1)) || return 1
	done >expect &&
	printf "$N" deep "\"<ref-200@kring.test>\"" 1 128 >>expect &&
	tree deep 1 >actual &&
	test_cmp expect actual
'

# The conversation: nine messages in a shuffled arrival order, a message
# answering one not in the archive, and a reply without headers that
# comes before the message it answers.
cat >conversation.expect <<'EOF'
{"id":1,"community":"t","subject":"Garden day on Saturday?","root":"<cv-1@kring.test>","messages":6,"participants":5,"first":"2026-06-01T09:00:00Z","last":"2026-06-01T11:30:00Z"}
{"message_id":"<cv-1@kring.test>","parent":null,"id":2,"depth":0}
{"message_id":"<cv-lost@kring.test>","parent":"<cv-1@kring.test>","id":null,"depth":1}
{"message_id":"<cv-6@kring.test>","parent":"<cv-lost@kring.test>","id":7,"depth":2}
{"message_id":"<cv-2@kring.test>","parent":"<cv-1@kring.test>","id":6,"depth":1}
{"message_id":"<cv-4@kring.test>","parent":"<cv-2@kring.test>","id":1,"depth":2}
{"message_id":"<cv-5@kring.test>","parent":"<cv-4@kring.test>","id":8,"depth":3}
{"message_id":"<cv-3@kring.test>","parent":"<cv-1@kring.test>","id":4,"depth":1}
{"id":3,"community":"t","subject":"Tools list","root":"<cv-7@kring.test>","messages":3,"participants":3,"first":"2026-06-01T12:00:00Z","last":"2026-06-01T13:00:00Z"}
{"message_id":"<cv-7@kring.test>","parent":null,"id":9,"depth":0}
{"message_id":"<cv-8@kring.test>","parent":"<cv-7@kring.test>","id":5,"depth":1}
{"message_id":"<cv-9@kring.test>","parent":"<cv-7@kring.test>","id":3,"depth":1}
EOF

# all_trees STORE: each thread's summary line, then its tree.
all_trees() {
	threads "$1" >"$1.threads" &&
	while read -r line; do
		id=${line#'{"id":'}
		id=${id%%,*}
		printf '%s\n' "$line" &&
		tree "$1" "$id" || return 1
	done <"$1.threads"
}

test_expect_success 'conversation (mbox, committed one at a time): the trees' '
	imp cv --batch 1 conversation.mbox &&
	all_trees cv >actual &&
	test_cmp conversation.expect actual &&
	kring show -s st-cv "<cv-9@kring.test>" >shown &&
	grep "^From the shed, the old one.$" shown
'

# Split the conversation into its messages, to put them in other orders.
test_expect_success 'conversation reversed and shuffled: the same trees' '
	mkdir parts &&
	awk "/^From /{ n++ } { print > sprintf(\"parts/%02d\", n) }" \
		"$DATA/conversation.mbox" &&
	test $(ls parts | wc -l) = 9 &&
	cat $(ls parts/* | sort -r) >reversed.mbox &&
	(cd parts && cat 05 01 09 03 07 02 08 04 06) >shuffled.mbox &&
	kring import -s st-cvr --community t --batch 1 reversed.mbox &&
	kring import -s st-cvs --community t --batch 1 shuffled.mbox &&
	canon cv >cv.canon &&
	canon cvr >cvr.canon &&
	canon cvs >cvs.canon &&
	test $(wc -l <cv.canon) = 12 &&
	test_cmp cv.canon cvr.canon &&
	test_cmp cv.canon cvs.canon
'

test_expect_success 'conversation in one import (one batch): the same trees' '
	imp cv1 conversation.mbox &&
	all_trees cv1 >actual &&
	test_cmp conversation.expect actual &&
	kring import -s st-cvr1 --community t reversed.mbox &&
	canon cvr1 >cvr1.canon &&
	test_cmp cv.canon cvr1.canon
'

test_expect_success 'mbox and single files together, in one import' '
	imp mix late-parent missing-root.mbox subject-late &&
	echo "t: 8 imported, 0 already there, 0 skipped" >expect &&
	test_cmp expect mix.out &&
	canon lp >lp.canon && canon mr >mr.canon && canon sl >sl.canon &&
	canon mix >mix.canon &&
	sort lp.canon mr.canon sl.canon >expect &&
	test_cmp expect mix.canon
'

test_expect_success 'every store is consistent (test-tool check-store)' '
	for s in st-*; do
		test-tool check-store "$s" || return 1
	done
'

test_done
