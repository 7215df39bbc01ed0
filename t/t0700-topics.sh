#!/bin/sh
test_description='kring topic: a question from staff as a thread, replies over SMTP counted, summary, outcome, status rules, refusals'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"

# The base of kringd_config, with staff: a manager, an owner and a
# moderator for "bank" (first, so the tools take it by default); "kring"
# has no staff.
cat >kring.conf <<\EOF
hostname = "kring.test"
store = "store"
community "bank" {
	address = "leden@bank.example"
	description = "Bank members"
	outside_posts = true	# members by mail: t08xx
	staff "Mia@Bank.Example" {
		name = "Mia Manager"
		roles = { "manager" }
	}
	staff "olaf@bank.example" {
		name = "Olaf Owner"
		roles = { "owner" }
	}
	staff "mo@bank.example" {
		name = "Mo Moderator"
		roles = { "moderator" }
	}
	staff "both@bank.example" {
		roles = { "manager", "owner" }
	}
}
community "kring" { address = "kring@example.org" }
EOF

T0=2024-03-01T09:00:00Z	# "now" for the tools; kringd keeps the clock

topic() {
	KRING_NOW=${NOW:-$T0} kring topic -c kring.conf "$@"
}

# status CMD...: run CMD, put its exit status in $status and its stderr
# in err.
run_status() {
	status=0
	"$@" >out 2>err || status=$?
}

# jget FILE KEY: the value of KEY in the JSON object in FILE (lists as
# one item a line, null as "null").
jget() {
	"$PYTHON" -c 'import json, sys
v = json.load(open(sys.argv[1]))[sys.argv[2]]
if isinstance(v, list):
	for x in v: print(x if not isinstance(x, dict) else json.dumps(x, sort_keys=True))
elif v is None: print("null")
else:
	v = str(v)
	sys.stdout.write(v if v.endswith("\n") else v + "\n")' "$1" "$2"
}

# reply FROM PARENT-ID SUBJECT [MSGID]: a reply over SMTP, threaded by
# In-Reply-To.
reply() {
	{
		printf 'From: %s\nTo: leden@bank.example\nSubject: %s\n' "$1" "$3"
		[ -n "$4" ] && printf 'Message-ID: <%s>\n' "$4"
		printf 'In-Reply-To: %s\nReferences: %s\n\nMy answer.\n' "$2" "$2"
	} >reply.eml &&
	swaks --server 127.0.0.1:"$KRINGD_PORT" \
		--from "$(echo "$1" | sed "s/.*<\(.*\)>.*/\1/")" \
		--to leden@bank.example --data @reply.eml --silent 1
}

printf '# Opening hours\n\nShould the office open on *Saturdays*?\n' >q.md

test_expect_success 'kringd starts with staff in the config' '
	kringd_start
'

test_expect_success 'topic new: the question is stored From the owner, the id printed' '
	topic new --title "Opening hours" --owner OLAF@bank.example --body q.md >id &&
	echo 1 >expect && test_cmp expect id &&
	kring show -s store 1 >q.eml &&
	grep "^From: Olaf Owner <olaf@bank.example>" q.eml &&
	grep "^To: Bank members <leden@bank.example>" q.eml &&
	grep "^Reply-To: Bank members <leden@bank.example>" q.eml &&
	grep "^Subject: Opening hours" q.eml &&
	grep "^List-Id: <leden.bank.example>" q.eml &&
	grep "^Date: Fri, 01 Mar 2024 09:00:00 +0000" q.eml &&
	grep "^Should the office open on \*Saturdays\*?" q.eml &&
	grep "<em>Saturdays</em>" q.eml &&
	kring stats -s store --json >stats &&
	grep "{\"community\":\"bank\",\"messages\":1,\"threads\":1,\"senders\":1}" stats
'

test_expect_success 'topic show --json: the fields of a new topic' '
	topic show 1 --json >show.json &&
	test "$(jget show.json status)" = open &&
	test "$(jget show.json title)" = "Opening hours" &&
	test "$(jget show.json owner)" = olaf@bank.example &&
	test "$(jget show.json owner_name)" = "Olaf Owner" &&
	test "$(jget show.json created)" = $T0 &&
	test "$(jget show.json summary)" = null &&
	test "$(jget show.json outcome)" = null &&
	test "$(jget show.json outcome_rev)" = 0 &&
	test "$(jget show.json responses)" = 0 &&
	test -z "$(jget show.json participants)" &&
	jget show.json question >question && test_cmp q.md question &&
	QID=$(jget show.json message_id) &&
	grep -i "^Message-ID: $QID" q.eml
'

test_expect_success 'topic list: open, no responses yet' '
	cat >expect <<-EOF &&
	1      open          0 resp   0 ppl  $T0  olaf@bank.example  Opening hours
	EOF
	topic list >actual && test_cmp expect actual
'

test_expect_success 'members reply over SMTP, staff too, one reply nested; one post elsewhere' '
	reply "Anna <anna@example.net>" "$QID" "Re: Opening hours" anna-1@example.net &&
	reply "bert@example.net" "$QID" "Re: Opening hours" &&
	reply "Mo <MO@bank.example>" "$QID" "Re: Opening hours" &&
	reply "carl@example.net" "<anna-1@example.net>" "Re: Re: Opening hours" &&
	reply "olaf@bank.example" "<anna-1@example.net>" "Re: Opening hours" &&
	reply "anna@example.net" "$QID" "Re: Opening hours (again)" &&
	printf "From: dora@example.net\nTo: leden@bank.example\nSubject: Parking\n\nWhere?\n" >other.eml &&
	swaks --server 127.0.0.1:"$KRINGD_PORT" --from dora@example.net \
		--to leden@bank.example --data @other.eml --silent 1 &&
	kring stats -s store --json >stats &&
	grep "\"messages\":8," stats
'

test_expect_success 'topic show --json: responses are member posts, participants all but the owner' '
	topic show 1 --json >show.json &&
	test "$(jget show.json responses)" = 4 &&
	cat >expect <<-\EOF &&
	anna@example.net
	bert@example.net
	mo@bank.example
	carl@example.net
	EOF
	jget show.json participants >actual && test_cmp expect actual &&
	jget show.json posts >posts &&
	test $(wc -l <posts) = 7 &&
	head -1 posts | grep "\"author\": \"olaf@bank.example\".*\"question\": true" &&
	grep -c "\"staff\": true" posts >n && echo 3 >expect && test_cmp expect n &&
	grep "\"author\": \"mo@bank.example\", .*\"staff\": true" posts &&
	grep "\"author\": \"carl@example.net\", .*\"staff\": false, \"subject\": \"Re: Re: Opening hours\"" posts &&
	! grep dora posts
'

test_expect_success 'topic list counts the same, text and JSON' '
	cat >expect <<-EOF &&
	1      open          4 resp   4 ppl  $T0  olaf@bank.example  Opening hours
	EOF
	topic list >actual && test_cmp expect actual &&
	topic list --json >list.json &&
	test $(wc -l <list.json) = 1 &&
	test "$(jget list.json responses)" = 4 &&
	test "$(jget list.json participants)" = 4 &&
	test "$(jget list.json status)" = open
'

test_expect_success 'topic show (text): owner, counts, participants, posts' '
	topic show 1 >show.txt &&
	grep "^topic 1: Opening hours$" show.txt &&
	grep "^status:       open$" show.txt &&
	grep "^owner:        Olaf Owner <olaf@bank.example>$" show.txt &&
	grep "^responses:    4$" show.txt &&
	grep "^participants: anna@example.net, bert@example.net, mo@bank.example, carl@example.net$" show.txt &&
	grep "^  Should the office open on \*Saturdays\*?$" show.txt &&
	grep "^summary: none yet$" show.txt &&
	grep "^posts (7):$" show.txt &&
	grep "olaf@bank.example (question)  Opening hours$" show.txt &&
	grep "mo@bank.example (staff)  Re: Opening hours$" show.txt
'

printf 'Most of you want **Saturday** mornings.\n' >summary.md
printf 'We open on Saturdays from April.\n' >outcome.md

test_expect_success 'summary --by someone not a manager is refused, nothing changes' '
	run_status topic summary 1 summary.md --by olaf@bank.example &&
	test $status = 77 &&
	grep "olaf@bank.example is staff of community \"bank\" (roles: owner) but not a community manager" err &&
	run_status topic summary 1 summary.md --by anna@example.net &&
	test $status = 77 &&
	grep "anna@example.net is not staff of community \"bank\"" err &&
	topic show 1 --json >show.json &&
	test "$(jget show.json status)" = open &&
	test "$(jget show.json summary)" = null
'

test_expect_success 'outcome before a summary is refused' '
	run_status topic outcome 1 outcome.md --status implemented &&
	test $status = 65 &&
	grep "topic 1 has no summary yet" err &&
	topic show 1 --json >show.json &&
	test "$(jget show.json status)" = open &&
	test "$(jget show.json outcome_rev)" = 0
'

test_expect_success 'summary by the manager: recorded, open becomes summarised' '
	NOW=2024-03-08T12:00:00Z topic summary 1 summary.md --by mia@bank.example >out &&
	grep "topic 1: summary recorded; status summarised" out &&
	topic show 1 --json >show.json &&
	test "$(jget show.json status)" = summarised &&
	test "$(jget show.json summary_time)" = 2024-03-08T12:00:00Z &&
	jget show.json summary >actual && test_cmp summary.md actual &&
	test "$(jget show.json outcome)" = null &&
	topic show 1 >show.txt &&
	grep "^summary (2024-03-08T12:00:00Z):$" show.txt &&
	grep "^  Most of you want \*\*Saturday\*\* mornings\.$" show.txt
'

test_expect_success 'outcome: bad, missing or non-outcome status is a usage error' '
	run_status topic outcome 1 outcome.md --status bogus &&
	test $status = 64 && grep "bogus: not the status of an outcome" err &&
	run_status topic outcome 1 outcome.md --status open &&
	test $status = 64 &&
	run_status topic outcome 1 outcome.md --status summarised &&
	test $status = 64 &&
	run_status topic outcome 1 outcome.md &&
	test $status = 64 && grep "needs --status" err &&
	run_status topic outcome 1 outcome.md --status "in progress" &&
	test $status = 64
'

test_expect_success 'outcome --by the manager (not an owner) is refused' '
	run_status topic outcome 1 outcome.md --status declined --by mia@bank.example &&
	test $status = 77 &&
	grep "mia@bank.example is staff of community \"bank\" (roles: manager) but not a topic owner" err &&
	topic show 1 --json >show.json &&
	test "$(jget show.json status)" = summarised
'

test_expect_success 'outcome by the owner: in-progress, then implemented (revision 2)' '
	printf "We are hiring for Saturdays.\n" >progress.md &&
	NOW=2024-03-10T08:00:00Z topic outcome 1 progress.md --status in-progress --by olaf@bank.example >out &&
	grep "topic 1: outcome 1 recorded; status in-progress" out &&
	topic show 1 --json >show.json &&
	test "$(jget show.json status)" = in-progress &&
	test "$(jget show.json outcome_rev)" = 1 &&
	NOW=2024-04-01T08:00:00Z topic outcome 1 outcome.md --status implemented --by both@bank.example >out &&
	grep "topic 1: outcome 2 recorded; status implemented" out &&
	topic show 1 --json >show.json &&
	test "$(jget show.json status)" = implemented &&
	test "$(jget show.json outcome_rev)" = 2 &&
	test "$(jget show.json outcome_time)" = 2024-04-01T08:00:00Z &&
	jget show.json outcome >actual && test_cmp outcome.md actual &&
	topic show 1 >show.txt &&
	grep "^outcome 2 (2024-04-01T08:00:00Z):$" show.txt &&
	grep "^  We open on Saturdays from April\.$" show.txt
'

test_expect_success 'a new summary after the outcome keeps the status' '
	printf "Corrected summary.\n" >summary2.md &&
	topic summary 1 summary2.md >out &&
	grep "status implemented" out &&
	topic show 1 --json >show.json &&
	test "$(jget show.json status)" = implemented &&
	test "$(jget show.json summary)" = "Corrected summary." &&
	test "$(jget show.json outcome_rev)" = 2
'

test_expect_success 'topic new refuses an owner who is not staff, or staff without the role' '
	run_status topic new --title "Fees" --owner anna@example.net --body q.md &&
	test $status = 65 &&
	grep "anna@example.net is not staff of community \"bank\"" err &&
	run_status topic new --title "Fees" --owner mo@bank.example --body q.md &&
	test $status = 65 &&
	grep "mo@bank.example is staff of community \"bank\" (roles: moderator) but not a topic owner" err &&
	run_status topic new --title "Fees" --owner olaf@bank.example --body q.md --community kring &&
	test $status = 65 &&
	grep "olaf@bank.example is not staff of community \"kring\"" err &&
	kring stats -s store --json >stats &&
	grep "\"community\":\"bank\",\"messages\":8," stats &&
	! grep "\"community\":\"kring\"" stats &&
	test $(topic list | wc -l) = 1
'

test_expect_success 'topic new: missing options or body file, empty body' '
	run_status topic new --title "Fees" --owner olaf@bank.example &&
	test $status = 64 && grep "needs --title, --owner and --body" err &&
	run_status topic new --owner olaf@bank.example --body q.md &&
	test $status = 64 &&
	run_status topic new --title "Fees" --owner olaf@bank.example --body nothere.md &&
	test $status = 66 && grep "nothere.md: No such file" err &&
	printf "\n \n" >empty.md &&
	run_status topic new --title "Fees" --owner olaf@bank.example --body empty.md &&
	test $status = 65 && grep "empty.md: empty" err &&
	run_status topic new --title "  " --owner olaf@bank.example --body q.md &&
	test $status = 64 && grep "the title is empty" err &&
	long=$(printf "%0201d" 0) &&
	run_status topic new --title "$long" --owner olaf@bank.example --body q.md &&
	test $status = 64 && grep "the title is longer than 200 bytes" err &&
	run_status topic new --title "${long%0}" --owner olaf@bank.example --body q.md --community kring &&
	test $status = 65 &&
	run_status topic new --title "Fees" --owner olaf@bank.example --body q.md --status open &&
	test $status = 64 && grep "topic new does not take --status" err &&
	test $(topic list | wc -l) = 1
'

test_expect_success 'unknown topics, bad ids and commands' '
	run_status topic show 99 &&
	test $status = 65 && grep "topic 99: no such topic in community \"bank\"" err &&
	run_status topic summary 99 summary.md &&
	test $status = 65 && grep "topic 99: no such topic" err &&
	run_status topic outcome 99 outcome.md --status declined &&
	test $status = 65 &&
	run_status topic show 1 --community kring &&
	test $status = 65 && grep "no such topic in community \"kring\"" err &&
	run_status topic show abc &&
	test $status = 64 && grep "abc: not a topic id" err &&
	run_status topic summary 1 nothere.md &&
	test $status = 66 &&
	run_status topic frobnicate &&
	test $status = 64 && grep "frobnicate: no such command" err &&
	run_status topic &&
	test $status = 64 &&
	run_status topic show &&
	test $status = 64 &&
	run_status topic summary 1 summary.md --status open &&
	test $status = 64 &&
	run_status topic show 1 --community nowhere &&
	test $status = 78 && grep "no community \"nowhere\" in the config" err &&
	topic --help >help && grep "^usage: kring topic" help
'

test_expect_success 'a title with line ends and a header stays one Subject line' '
	title=$(printf "Fees\r\nBcc: evil@example.com\n\tX-Evil: 1") &&
	topic new --title "$title" --owner olaf@bank.example --body q.md >id &&
	echo 2 >expect && test_cmp expect id &&
	topic show 2 --json >show.json &&
	test "$(jget show.json thread)" -gt 1 &&
	test "$(jget show.json title)" = "Fees Bcc: evil@example.com X-Evil: 1" &&
	kring show -s store "$(jget show.json message_id)" >fees.eml &&
	grep "^Subject: Fees Bcc: evil@example.com X-Evil: 1" fees.eml &&
	test $(grep -c "^Subject:" fees.eml) = 1 &&
	! grep -i "^Bcc:" fees.eml &&
	! grep -i "^X-Evil:" fees.eml &&
	! grep -i "^[[:space:]]*X-Evil" fees.eml
'

test_expect_success 'the body from stdin, a UTF-8 title; list in id order' '
	printf "Wat vindt u van de **koffie**?\n" |
		NOW=2024-05-01T10:00:00Z topic new --title "Koffie in het café" \
		--owner both@bank.example --body - >id &&
	echo 3 >expect && test_cmp expect id &&
	topic show 3 --json >show.json &&
	test "$(jget show.json question)" = "Wat vindt u van de **koffie**?" &&
	test "$(jget show.json owner_name)" = "" &&
	kring show -s store "$(jget show.json message_id)" >koffie.eml &&
	grep "^Subject: Koffie in het =?UTF-8?B?Y2Fmw6k=?=" koffie.eml &&
	grep "^From: both@bank.example" koffie.eml &&
	cat >expect <<-EOF &&
	1      implemented   4 resp   4 ppl  $T0  olaf@bank.example  Opening hours
	2      open          0 resp   0 ppl  $T0  olaf@bank.example  Fees Bcc: evil@example.com X-Evil: 1
	3      open          0 resp   0 ppl  2024-05-01T10:00:00Z  both@bank.example  Koffie in het café
	EOF
	topic list >actual && test_cmp expect actual &&
	topic list --json >list.json && test $(wc -l <list.json) = 3 &&
	"$PYTHON" -c "import json, sys
ids = [json.loads(l)[\"id\"] for l in open(\"list.json\")]
sys.exit(ids != [1, 2, 3])"
'

test_expect_success 'topic new --json: id, Message-ID and thread' '
	printf "Tea?\n" | topic new --title Tea --owner olaf@bank.example --body - --json >new.json &&
	test "$(jget new.json id)" = 4 &&
	topic show 4 --json >show4.json &&
	test "$(jget new.json message_id)" = "$(jget show4.json message_id)" &&
	test "$(jget new.json thread)" = "$(jget show4.json thread)" &&
	kring thread -s store "$(jget new.json thread)" >tree &&
	test $(wc -l <tree) = 1 && grep "olaf@bank.example  Tea" tree
'

test_expect_success 'a reply to a new topic counts there, not in the first' '
	reply "erik@example.net" "$(jget show.json message_id)" "Re: Koffie" &&
	topic show 3 --json >show3.json &&
	test "$(jget show3.json responses)" = 1 &&
	test "$(jget show3.json participants)" = erik@example.net &&
	topic show 1 --json >show.json &&
	test "$(jget show.json responses)" = 4
'

test_expect_success 'the other community has no topics' '
	topic list --community kring >actual &&
	test ! -s actual
'

test_expect_success 'kringd stops cleanly' '
	kringd_stop
'

test_done
