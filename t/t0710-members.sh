#!/bin/sh
test_description='kring member: the admin tool for a community'"'"'s members

add, show (text and --json), list (--all), set (thanks, own_posts, mode,
role, name, lang), remove, import and export CSV (a round trip into
another store), settings per community, and approve, reject and invite:
a preview (an mbox on stdout, the store untouched) unless --send, when
the mail really goes out through kringd into the SMTP sink.  Bad input
is refused with the sysexits codes: 64 for usage, 65 for a bad CSV, of
which nothing is imported.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-sink.sh"

# "kring" is open and takes posts from anyone (so that anna can post
# before she is a member); "bank" is closed, with one staff member.
cat >kring.conf <<\EOF
hostname = "kring.test"
store = "store"
community "kring" {
	address = "kring@example.org"
	description = "Kring"
	outside_posts = true
}
community "bank" {
	address = "leden@bank.example"
	description = "Bank Leden"
	policy = "closed"
	staff "carla@bank.example" { name = "Carla" }
}
EOF

T0=2024-03-01T09:00:00Z

# member_at TIME ARGS...: kring member with the clock at TIME.
member_at() {
	at_=$1
	shift
	KRING_NOW=$at_ kring member -c kring.conf "$@"
}

member() {
	member_at $T0 "$@"
}

# fields FILE KEY...: "KEY=VALUE" lines from the JSON object on FILE's
# first line (null, true, false as in JSON).
fields() {
	"$PYTHON" -c 'import json, sys
o = json.loads(open(sys.argv[1]).readline())
for k in sys.argv[2:]:
    v = o[k]
    print("%s=%s" % (k, "null" if v is None else
                     ("true" if v else "false") if isinstance(v, bool) else v))' "$@"
}

# The records of both communities and the outbox, to compare before and
# after something that must change nothing.
snapshot() {
	{
		member list --all --json &&
		member list --all --json --community bank &&
		kring outbox -c kring.conf --json
	} >"$1"
}

# csv_cols FILE N...: columns N... (from 1) of CSV FILE, "|"-separated,
# the header left out.
csv_cols() {
	"$PYTHON" -c 'import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))[1:]
for r in rows:
    print("|".join(r[int(n) - 1] for n in sys.argv[2:]))' "$@"
}

# The newest sink message to $1 whose Subject has $2: its file name.
mail_to() {
	for f in $(sink_messages); do
		grep -q "^RCPT TO:<$1>" "${f%.eml}.env" &&
			grep -q "^Subject: .*$2" "$f" && echo "$f"
	done | tail -1
}

# header FILE NAME: the (unfolded, one line) header field NAME of FILE.
header() {
	tr -d '\r' <"$1" | sed -n '/^$/q; s/^'"$2"': //p'
}

# Poll (at most 10 s) until the outbox is empty.
outbox_wait_empty() {
	i=0
	while [ -n "$(kring outbox -c kring.conf)" ]; do
		i=$((i + 1))
		[ $i -lt 200 ] || { kring outbox -c kring.conf; return 1; }
		sleep 0.05
	done
}

send() {	# send FROM TO [SUBJECT]
	swaks --server 127.0.0.1:"$KRINGD_PORT" --from "$1" --to "$2" \
		--header "Subject: ${3:-request}" --body "Please." --silent 1
}

test_expect_success 'setup: the sink, kringd, two posts from anna' '
	sink_start &&
	kringd_start -r 127.0.0.1:$SINK_PORT &&
	send anna@example.net kring@example.org "one" &&
	send Anna@Example.NET kring@example.org "two" &&
	kring stats -c kring.conf --json >stats &&
	grep "{\"community\":\"kring\",\"messages\":2,\"threads\":2,\"senders\":1}" stats
'

test_expect_success 'show: no record yet: the defaults and the posts' '
	member show anna@example.net >actual &&
	echo "anna@example.net  none  mode=each  role=member  thanks=yes  own_posts=no  weekly_digest=no  address_public=no  posts=2  joined never (unknown)  changed never" >expect &&
	test_cmp expect actual &&
	member show anna@example.net --json >show.json &&
	fields show.json address community state mode role how name lang joined changed thanks own_posts posts record >actual &&
	cat >expect <<-\EOF &&
	address=anna@example.net
	community=kring
	state=none
	mode=each
	role=member
	how=unknown
	name=
	lang=null
	joined=null
	changed=null
	thanks=true
	own_posts=false
	posts=2
	record=false
	EOF
	test_cmp expect actual &&
	member list >actual && test_cmp /dev/null actual &&
	member list --all >actual && test_cmp /dev/null actual
'

test_expect_success 'add with --name, --mode, --role: a member at once (address in lower case)' '
	member add Anna@Example.NET --name "Anna de Vries" --mode digest --role moderator >actual &&
	echo "anna@example.net  member  mode=digest  role=moderator  thanks=yes  own_posts=no  weekly_digest=no  address_public=no  posts=2  joined $T0 (admin)  changed $T0  name \"Anna de Vries\"" >expect &&
	test_cmp expect actual &&
	member show ANNA@example.net >actual &&
	test_cmp expect actual &&
	member list >actual &&
	test_cmp expect actual &&
	member show anna@example.net --json >show.json &&
	fields show.json state mode role how name joined changed posts record >actual &&
	cat >expect <<-EOF &&
	state=member
	mode=digest
	role=moderator
	how=admin
	name=Anna de Vries
	joined=$T0
	changed=$T0
	posts=2
	record=true
	EOF
	test_cmp expect actual
'

test_expect_success 'add with the defaults; add again later keeps joined and how' '
	member add bert@example.net >actual &&
	echo "bert@example.net  member  mode=each  role=member  thanks=yes  own_posts=no  weekly_digest=no  address_public=no  posts=0  joined $T0 (admin)  changed $T0" >expect &&
	test_cmp expect actual &&
	member_at 2024-03-02T10:00:00Z add bert@example.net --role owner >actual &&
	echo "bert@example.net  member  mode=each  role=owner  thanks=yes  own_posts=no  weekly_digest=no  address_public=no  posts=0  joined $T0 (admin)  changed 2024-03-02T10:00:00Z" >expect &&
	test_cmp expect actual &&
	test $(member list | wc -l) -eq 2
'

test_expect_success 'add with bad values or a bad address: 64, nothing stored' '
	snapshot before &&
	test_expect_code 64 member add cees@example.net --mode weekly 2>err &&
	grep "mode=weekly: not a setting" err &&
	test_expect_code 64 member add cees@example.net --role king 2>err &&
	grep "role=king: not a setting" err &&
	test_expect_code 64 member add cees@example.net --name "$(printf "%065d" 0)" 2>err &&
	test_expect_code 64 member add cees@example.net --name "   " 2>err &&
	test_expect_code 64 member add not-an-address 2>err &&
	grep "not-an-address: not an address" err &&
	test_expect_code 64 member add cees@example.net dirk@example.net 2>err &&
	grep "^usage: kring member" err &&
	test_expect_code 64 member add 2>err &&
	snapshot after &&
	test_cmp before after &&
	member show cees@example.net --json >show.json &&
	test "$(fields show.json record)" = record=false
'

test_expect_success 'set thanks, own_posts, mode, role, name, lang: each stored, changed moves' '
	member_at 2024-03-03T11:00:00Z set Anna@example.net thanks=no own_posts=yes >actual &&
	echo "anna@example.net  member  mode=digest  role=moderator  thanks=no  own_posts=yes  weekly_digest=no  address_public=no  posts=2  joined $T0 (admin)  changed 2024-03-03T11:00:00Z  name \"Anna de Vries\"" >expect &&
	test_cmp expect actual &&
	member_at 2024-03-04T12:00:00Z set anna@example.net mode=nomail role=owner "name=  Anna   V.  " lang=nl >/dev/null &&
	member show anna@example.net --json >show.json &&
	fields show.json state mode role how name lang thanks own_posts joined changed >actual &&
	cat >expect <<-EOF &&
	state=member
	mode=nomail
	role=owner
	how=admin
	name=Anna V.
	lang=nl
	thanks=false
	own_posts=true
	joined=$T0
	changed=2024-03-04T12:00:00Z
	EOF
	test_cmp expect actual &&
	member set anna@example.net thanks=yes own_posts=no mode=each role=member name= lang= >/dev/null &&
	member show anna@example.net --json >show.json &&
	fields show.json mode role name lang thanks own_posts changed >actual &&
	cat >expect <<-EOF &&
	mode=each
	role=member
	name=
	lang=null
	thanks=true
	own_posts=false
	changed=$T0
	EOF
	test_cmp expect actual &&
	member set anna@example.net mode=digest "name=Anna de Vries" >/dev/null
'

test_expect_success 'set bad values: 64, and nothing stored (not even the good ones)' '
	snapshot before &&
	test_expect_code 64 member set anna@example.net mode=weekly 2>err &&
	grep "mode=weekly: not a setting" err &&
	test_expect_code 64 member set anna@example.net lang=fr 2>err &&
	grep "lang=fr: not a setting" err &&
	test_expect_code 64 member set anna@example.net thanks=maybe 2>err &&
	grep "thanks=maybe: not a setting" err &&
	test_expect_code 64 member set anna@example.net own_posts= &&
	test_expect_code 64 member set anna@example.net role=king &&
	test_expect_code 64 member set anna@example.net digest=no &&
	test_expect_code 64 member set anna@example.net thanks 2>err &&
	grep "thanks: not NAME=VALUE" err &&
	test_expect_code 64 member set anna@example.net "name=$(printf "%065d" 0)" &&
	test_expect_code 64 member set anna@example.net thanks=no mode=weekly &&
	test_expect_code 64 member set anna@example.net 2>err &&
	grep "^usage: kring member" err &&
	test_expect_code 64 member set not-an-address thanks=no 2>err &&
	grep "not-an-address: not an address" err &&
	snapshot after &&
	test_cmp before after
'

test_expect_success 'bad addresses: 64 for every command that takes one' '
	for a in not-an-address "a b@example.net" "@example.net" "x@" \
		"a@b@example.net" "<a@example.net>" "a,b@example.net" ""; do
		test_expect_code 64 member show "$a" 2>err &&
		grep "not an address" err &&
		test_expect_code 64 member add "$a" 2>err &&
		test_expect_code 64 member set "$a" thanks=no 2>err &&
		test_expect_code 64 member remove "$a" 2>err &&
		test_expect_code 64 member approve "$a" 2>err &&
		test_expect_code 64 member invite "$a" 2>err || return 1
	done &&
	test_expect_code 64 member show "$(printf "%065d" 0)@example.net" 2>err &&
	grep "not an address" err &&
	member list --all --json >all &&
	test $(wc -l <all) -eq 2
'

test_expect_success 'set on someone with no record: a record of state none, only in list --all' '
	member set cees@example.net thanks=no >actual &&
	echo "cees@example.net  none  mode=each  role=member  thanks=no  own_posts=no  weekly_digest=no  address_public=no  posts=0  joined never (unknown)  changed $T0" >expect &&
	test_cmp expect actual &&
	member list >list &&
	! grep cees list &&
	test $(wc -l <list) -eq 2 &&
	member list --all >all &&
	grep "^cees@example.net  none  " all &&
	test $(wc -l <all) -eq 3
'

test_expect_success 'remove: state left, gone from list, still in list --all' '
	member_at 2024-03-05T08:00:00Z remove bert@example.net >actual &&
	echo "bert@example.net  left  mode=each  role=owner  thanks=yes  own_posts=no  weekly_digest=no  address_public=no  posts=0  joined $T0 (admin)  changed 2024-03-05T08:00:00Z" >expect &&
	test_cmp expect actual &&
	member list >list &&
	echo anna@example.net >expect &&
	cut -d" " -f1 list >actual &&
	test_cmp expect actual &&
	member list --all >all &&
	grep -x "bert@example.net  left  .*changed 2024-03-05T08:00:00Z" all &&
	member show bert@example.net --json >show.json &&
	test "$(fields show.json state)" = state=left
'

test_expect_success 'remove someone who is no member: 65, nothing changed' '
	snapshot before &&
	test_expect_code 65 member remove bert@example.net 2>err &&
	grep "bert@example.net: not a member of kring" err &&
	test_expect_code 65 member remove cees@example.net &&
	test_expect_code 65 member remove nobody@example.net &&
	snapshot after &&
	test_cmp before after
'

test_expect_success 'settings are per community (--community bank)' '
	member show anna@example.net --community bank --json >show.json &&
	fields show.json community state record posts >actual &&
	printf "community=bank\nstate=none\nrecord=false\nposts=0\n" >expect &&
	test_cmp expect actual &&
	member list --community bank >actual && test_cmp /dev/null actual &&
	member set anna@example.net thanks=no --community bank >/dev/null &&
	member add bert@example.net --community bank --mode nomail >/dev/null &&
	member list --all --community bank >actual &&
	cat >expect <<-EOF &&
	anna@example.net  none  mode=each  role=member  thanks=no  own_posts=no  weekly_digest=no  address_public=no  posts=0  joined never (unknown)  changed $T0
	bert@example.net  member  mode=nomail  role=member  thanks=yes  own_posts=no  weekly_digest=no  address_public=no  posts=0  joined $T0 (admin)  changed $T0
	EOF
	test_cmp expect actual &&
	member show anna@example.net --json >show.json &&
	test "$(fields show.json thanks)" = thanks=true &&
	member show bert@example.net --json >show.json &&
	test "$(fields show.json state)" = state=left &&
	test_expect_code 64 member list --community nowhere 2>err &&
	grep "no community \"nowhere\" in the config" err
'

test_expect_success 'import CSV: header, comments and blank lines skipped, address[,name[,mode]]' '
	printf "address,name,mode\n# the savers\n\nDora@Example.NET,Dora Dekker,digest\nerik@example.net\n  fay@example.net , Fay ,nomail\ngus@example.net,\"Visser, \"\"Gus\"\"\",\r\nhans@example.net,,each\n#anna@example.net,Not imported\n" >members.csv &&
	member_at 2024-03-06T09:00:00Z import members.csv >actual &&
	echo "kring: 5 added, 0 already members" >expect &&
	test_cmp expect actual &&
	member export >export.csv &&
	cat >expect <<-\EOF &&
	address,name,mode,role,state,joined,how
	anna@example.net,Anna de Vries,digest,member,member,2024-03-01T09:00:00Z,admin
	dora@example.net,Dora Dekker,digest,member,member,2024-03-06T09:00:00Z,import
	erik@example.net,,each,member,member,2024-03-06T09:00:00Z,import
	fay@example.net,Fay,nomail,member,member,2024-03-06T09:00:00Z,import
	gus@example.net,"Visser, ""Gus""",each,member,member,2024-03-06T09:00:00Z,import
	hans@example.net,,each,member,member,2024-03-06T09:00:00Z,import
	EOF
	test_cmp expect export.csv &&
	member show gus@example.net >actual &&
	echo "gus@example.net  member  mode=each  role=member  thanks=yes  own_posts=no  weekly_digest=no  address_public=no  posts=0  joined 2024-03-06T09:00:00Z (import)  changed 2024-03-06T09:00:00Z  name \"Visser, \"Gus\"\"" >expect &&
	test_cmp expect actual &&
	member list --community bank >actual &&
	test $(wc -l <actual) -eq 1
'

test_expect_success 'import again: already members are kept as they are' '
	printf "dora@example.net,Someone Else,nomail\nivo@example.net,Ivo\n" >again.csv &&
	member_at 2024-03-07T09:00:00Z import again.csv >actual &&
	echo "kring: 1 added, 1 already members" >expect &&
	test_cmp expect actual &&
	member show dora@example.net --json >show.json &&
	fields show.json name mode joined changed >actual &&
	printf "name=Dora Dekker\nmode=digest\njoined=2024-03-06T09:00:00Z\nchanged=2024-03-06T09:00:00Z\n" >expect &&
	test_cmp expect actual &&
	member show ivo@example.net --json >show.json &&
	test "$(fields show.json state how)" = "$(printf "state=member\nhow=import")"
'

test_expect_success 'import a CSV with a bad line: 65, file:line named, nothing of it imported' '
	snapshot before &&
	printf "jan@example.net,Jan\nkees@example.net,Kees,weekly\nlot@example.net\n" >bad-mode.csv &&
	test_expect_code 65 member import bad-mode.csv 2>err &&
	grep "^kring-member: bad-mode.csv:2: mode \"weekly\" is not each, digest or nomail" err &&
	printf "address,name\njan@example.net,Jan\nlot@example.net,\"Lot\n" >bad-quote.csv &&
	test_expect_code 65 member import bad-quote.csv 2>err &&
	grep "bad-quote.csv:3: not address\[,name\[,mode\[,role\[,state\[,joined\[,how\]\]\]\]\]\]" err &&
	printf "jan@example.net,Jan,each,boss\n" >bad-role.csv &&
	test_expect_code 65 member import bad-role.csv 2>err &&
	grep "bad-role.csv:1: role \"boss\" is not member, moderator or owner" err &&
	printf "jan@example.net,Jan,each,member,member,yesterday\n" >bad-date.csv &&
	test_expect_code 65 member import bad-date.csv 2>err &&
	grep "bad-date.csv:1: joined \"yesterday\" is not a date" err &&
	printf "jan@example.net,Jan\n,Nobody\n" >no-address.csv &&
	test_expect_code 65 member import no-address.csv 2>err &&
	grep "no-address.csv:2: " err &&
	printf "jan@example.net,Jan\nlot@example.net,%065d\n" 0 >long-name.csv &&
	test_expect_code 65 member import long-name.csv 2>err &&
	grep "long-name.csv:2: name longer than 64 bytes" err &&
	{ echo jan@example.net; printf "lot@example.net,%01100d\n" 0; } >long-line.csv &&
	test_expect_code 65 member import long-line.csv 2>err &&
	grep "long-line.csv:2: line longer than 1024 bytes" err &&
	test_expect_code 66 member import no-such-file.csv 2>err &&
	snapshot after &&
	test_cmp before after
'

test_expect_success 'export, then import into a new store: role, mode, name and joined come back; non-members stay out' '
	member set dora@example.net role=moderator &&
	member export --all >all.csv &&
	printf "zed@example.net,Zed,each,member,left,2024-01-01T00:00:00Z,mail\n" >>all.csv &&
	rm -rf other &&
	member_at 2024-04-01T09:00:00Z -s other import all.csv >actual &&
	left=$(csv_cols all.csv 5 | grep -vcx member) &&
	test "$left" -ge 2 &&
	grep "^kring: [0-9]* added, 0 already members, $left not members in the file (left out)$" actual &&
	member -s other export >back.csv &&
	csv_cols all.csv 1 2 3 4 5 6 | grep "|member|[^|]*$" >expect &&
	csv_cols back.csv 1 2 3 4 5 6 >actual &&
	test_cmp expect actual &&
	grep -q "^dora@example.net,Dora Dekker,digest,moderator,member,2024-03-06T09:00:00Z,import$" back.csv
'

test_expect_success 'import a CSV with a bad address: 65, file:line named, nothing imported' '
	snapshot before &&
	printf "# two\njan@example.net,Jan\nnot-an-address,Kees\n" >bad-address.csv &&
	test_expect_code 65 member import bad-address.csv 2>err &&
	cat err &&
	grep "bad-address.csv:3: " err &&
	grep "not-an-address" err &&
	snapshot after &&
	test_cmp before after
'

test_expect_success 'import: a first line is a header only when it is one' '
	printf "addresses@example.net,The Admin\nmia@example.net\n" >no-header.csv &&
	member import no-header.csv >actual &&
	echo "kring: 2 added, 0 already members" >expect &&
	test_cmp expect actual &&
	member show addresses@example.net --json >show.json &&
	test "$(fields show.json state)" = state=member
'

test_expect_success 'export, import into another store: address, name and mode come through' '
	member export >export.csv &&
	head -1 export.csv >actual &&
	echo "address,name,mode,role,state,joined,how" >expect &&
	test_cmp expect actual &&
	test $(wc -l <export.csv) -ge 8 &&
	member_at 2024-04-01T09:00:00Z -s store2 import export.csv >actual &&
	echo "kring: $(($(wc -l <export.csv) - 1)) added, 0 already members" >expect &&
	test_cmp expect actual &&
	member -s store2 export >export2.csv &&
	csv_cols export.csv 1 2 3 >expect &&
	csv_cols export2.csv 1 2 3 >actual &&
	test_cmp expect actual &&
	csv_cols export.csv 1 4 5 6 | sed "s/\$/|import/" >expect &&
	csv_cols export2.csv 1 4 5 6 7 >actual &&
	test_cmp expect actual &&
	member -s store2 export --community bank >actual &&
	head -1 export.csv >expect &&
	test_cmp expect actual
'

test_expect_success 'export --all has who left too' '
	member export --all >all.csv &&
	grep -x "bert@example.net,,each,owner,left,2024-03-01T09:00:00Z,admin" all.csv &&
	grep -x "cees@example.net,,each,member,none,,unknown" all.csv &&
	! grep "^bert@" export.csv
'

test_expect_success 'two apply to the closed community by mail: state applied' '
	n=$(sink_count) &&
	swaks --server 127.0.0.1:"$KRINGD_PORT" --from olga@example.net \
		--to leden+subscribe@bank.example \
		--header "From: Olga Ollongren <olga@example.net>" --silent 1 &&
	send piet@example.net leden+subscribe@bank.example &&
	sink_wait_count $((n + 2)) &&
	for who in olga piet; do
		f=$(mail_to $who@example.net "Confirm") &&
		confirm=$(header "$f" Reply-To | sed "s/^<\(.*\)>$/\1/") &&
		case $confirm in leden+confirm-*@bank.example) ;; *) return 1 ;; esac &&
		echo "$confirm" >confirm.$who || return 1
	done &&
	swaks --server 127.0.0.1:"$KRINGD_PORT" --from olga@example.net \
		--to "$(cat confirm.olga)" --header "Subject: Re: confirm" \
		--header "From: Olga Ollongren <olga@example.net>" --silent 1 &&
	send piet@example.net "$(cat confirm.piet)" "Re: confirm" &&
	sink_wait_count $((n + 6)) &&
	test -n "$(mail_to carla@bank.example "olga@example.net asks to join")" &&
	test -n "$(mail_to carla@bank.example "piet@example.net asks to join")" &&
	member show olga@example.net --community bank --json >show.json &&
	fields show.json state how name >actual &&
	printf "state=applied\nhow=mail\nname=Olga Ollongren\n" >expect &&
	test_cmp expect actual &&
	member list --community bank >list &&
	grep "^olga@example.net  applied  " list &&
	grep "^piet@example.net  applied  " list &&
	test $(wc -l <list) -eq 3 &&
	outbox_wait_empty
'

test_expect_success 'approve, reject of a non-applicant: 65; nothing changed' '
	snapshot before &&
	test_expect_code 65 member approve bert@example.net --community bank 2>err &&
	grep "bert@example.net: has not applied to bank" err &&
	test_expect_code 65 member reject olga@example.net 2>err &&
	grep "olga@example.net: has not applied to kring" err &&
	test_expect_code 64 member approve olga@example.net piet@example.net --community bank &&
	snapshot after &&
	test_cmp before after
'

test_expect_success 'stop kringd, so that anything a preview queued would stay in the outbox' '
	kringd_stop
'

test_expect_success 'approve previews: the welcome as an mbox, nothing changed' '
	snapshot before &&
	member approve olga@example.net --community bank >approve.mbox 2>err &&
	echo "olga@example.net: approved (preview: nothing changed; --send to act)" >expect &&
	test_cmp expect err &&
	test $(grep -c "^From " approve.mbox) -eq 1 &&
	head -1 approve.mbox | grep "^From " &&
	header approve.mbox To | grep "olga@example.net" &&
	test "$(header approve.mbox Subject)" = "Welcome to Bank Leden" &&
	snapshot after &&
	test_cmp before after
'

test_expect_success 'reject previews: the note as an mbox, nothing changed' '
	snapshot before &&
	member reject piet@example.net --community bank >reject.mbox 2>err &&
	echo "piet@example.net: turned down (preview: nothing changed; --send to act)" >expect &&
	test_cmp expect err &&
	test $(grep -c "^From " reject.mbox) -eq 1 &&
	header reject.mbox To | grep "piet@example.net" &&
	test "$(header reject.mbox Subject)" = "Your request to join Bank Leden was not accepted" &&
	snapshot after &&
	test_cmp before after
'

test_expect_success 'invite previews: one invitation each, nothing changed' '
	snapshot before &&
	printf "address,name\nrosa@example.net,Rosa Rood\n" >invite.csv &&
	member invite quinn@example.net anna@example.net --csv invite.csv >invite.mbox 2>err &&
	echo "kring: 2 invited, 1 already members (preview: nothing sent; --send to act)" >expect &&
	test_cmp expect err &&
	test $(grep -c "^From " invite.mbox) -eq 2 &&
	tr -d "\r" <invite.mbox | grep "^To: " >to &&
	grep -x "To: quinn@example.net" to &&
	grep -x "To: Rosa Rood <rosa@example.net>" to &&
	test $(wc -l <to) -eq 2 &&
	test $(tr -d "\r" <invite.mbox | grep -c -x "Subject: You are invited to join Kring") -eq 2 &&
	tr -d "\r" <invite.mbox | grep -x "Reply-To: <*kring+confirm-[^@]*@example.org>*" &&
	snapshot after &&
	test_cmp before after &&
	member show quinn@example.net --json >show.json &&
	test "$(fields show.json record)" = record=false
'

test_expect_success 'invite: bad input is 64, nothing changed' '
	snapshot before &&
	test_expect_code 64 member invite 2>err &&
	grep "^usage: kring member" err &&
	test_expect_code 64 member invite quinn@example.net bad-address 2>err &&
	grep "bad-address: not an address" err &&
	printf "quinn@example.net\nrosa@example.net,Rosa,weekly\n" >bad-invite.csv &&
	test_expect_code 65 member invite --csv bad-invite.csv 2>err &&
	grep "bad-invite.csv:2: " err &&
	snapshot after &&
	test_cmp before after
'

test_expect_success 'approve, reject, invite --send: the store changes, the mail goes out' '
	kringd_start -r 127.0.0.1:$SINK_PORT &&
	n=$(sink_count) &&
	member_at 2024-05-01T09:00:00Z approve olga@example.net --community bank --send >out 2>err &&
	test_cmp /dev/null out &&
	echo "olga@example.net: approved" >expect &&
	test_cmp expect err &&
	member_at 2024-05-01T09:00:00Z reject piet@example.net --community bank --send 2>err &&
	echo "piet@example.net: turned down" >expect &&
	test_cmp expect err &&
	member_at 2024-05-01T09:00:00Z invite quinn@example.net anna@example.net --csv invite.csv --send >out 2>err &&
	test_cmp /dev/null out &&
	echo "kring: 2 invited, 1 already members" >expect &&
	test_cmp expect err &&
	member show olga@example.net --community bank --json >show.json &&
	fields show.json state how joined changed >actual &&
	printf "state=member\nhow=approval\njoined=2024-05-01T09:00:00Z\nchanged=2024-05-01T09:00:00Z\n" >expect &&
	test_cmp expect actual &&
	member show piet@example.net --community bank --json >show.json &&
	fields show.json state joined changed >actual &&
	printf "state=none\njoined=null\nchanged=2024-05-01T09:00:00Z\n" >expect &&
	test_cmp expect actual &&
	member show rosa@example.net --json >show.json &&
	fields show.json state name >actual &&
	printf "state=invited\nname=Rosa Rood\n" >expect &&
	test_cmp expect actual &&
	member list >list &&
	grep "^quinn@example.net  invited  " list &&
	grep "^rosa@example.net  invited  " list &&
	member list --community bank >list &&
	grep "^olga@example.net  member  " list &&
	! grep "^piet@" list &&
	member list --all --community bank >all &&
	grep "^piet@example.net  none  " all &&
	sink_wait_count $((n + 4)) &&
	outbox_wait_empty &&
	test $(sink_count) -eq $((n + 4))
'

test_expect_success 'the mail that went out: the right To and Subject' '
	f=$(mail_to olga@example.net "Welcome to Bank Leden") &&
	test -n "$f" &&
	header "$f" To | grep "olga@example.net" &&
	test "$(header "$f" From)" = "Bank Leden <leden@bank.example>" &&
	f=$(mail_to piet@example.net "Your request to join Bank Leden was not accepted") &&
	test -n "$f" &&
	header "$f" To | grep "piet@example.net" &&
	f=$(mail_to quinn@example.net "You are invited to join Kring") &&
	test -n "$f" &&
	test "$(header "$f" To)" = quinn@example.net &&
	header "$f" Reply-To | grep "kring+confirm-.*@example.org" &&
	f=$(mail_to rosa@example.net "You are invited to join Kring") &&
	test -n "$f" &&
	test "$(header "$f" To)" = "Rosa Rood <rosa@example.net>" &&
	test -z "$(mail_to anna@example.net "invited")"
'

test_expect_success 'unknown command, no command, extra arguments, --help' '
	test_expect_code 64 member frob 2>err &&
	grep "frob: no such command" err &&
	grep "^usage: kring member" err &&
	test_expect_code 64 member 2>err &&
	grep "^usage: kring member" err &&
	test_expect_code 64 member list extra 2>err &&
	test_expect_code 64 member export extra 2>err &&
	test_expect_code 64 member show 2>err &&
	test_expect_code 64 member import 2>err &&
	test_expect_code 64 member list --frob 2>err &&
	member --help >help 2>err &&
	test_cmp /dev/null err &&
	head -1 help | grep "^usage: kring member" &&
	grep "Modes: each, digest, nomail.  Roles: member, moderator, owner." help
'

test_expect_success 'kringd and the sink stop cleanly' '
	kringd_stop &&
	sink_stop
'

test_done
