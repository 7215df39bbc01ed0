#!/bin/sh
test_description='kring member: set, show and list a member'"'"'s settings (thanks=no), post counts, bad values'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"

kringd_config

member() {
	KRING_NOW=${NOW:-2024-03-01T09:00:00Z} kring member -c kring.conf "$@"
}

run_status() {
	status=0
	"$@" >out 2>err || status=$?
}

# jget FILE KEY: the value of KEY in the JSON object of FILE's first line.
jget() {
	"$PYTHON" -c 'import json, sys
v = json.loads(open(sys.argv[1]).readline())[sys.argv[2]]
print("null" if v is None else str(v).lower() if isinstance(v, bool) else v)' "$1" "$2"
}

post() {	# post FROM SUBJECT [RCPT]
	printf 'From: %s\nTo: %s\nSubject: %s\n\nHello.\n' "$1" "${3:-kring@example.org}" "$2" >post.eml &&
	swaks --server 127.0.0.1:"$KRINGD_PORT" \
		--from "$(echo "$1" | sed "s/.*<\(.*\)>.*/\1/")" \
		--to "${3:-kring@example.org}" --data @post.eml --silent 1
}

test_expect_success 'members post over SMTP' '
	kringd_start &&
	post "Anna <Anna@Example.NET>" "one" &&
	post "anna@example.net" "two" &&
	post "bert@example.net" "three" &&
	post "anna@example.net" "elsewhere" leden@bank.example &&
	kring stats -s store --json >stats &&
	grep "{\"community\":\"kring\",\"messages\":3,\"threads\":3,\"senders\":2}" stats
'

test_expect_success 'show: a member without a record has the defaults and their posts' '
	member show anna@example.net --json >show.json &&
	test "$(jget show.json address)" = anna@example.net &&
	test "$(jget show.json community)" = kring &&
	test "$(jget show.json thanks)" = true &&
	test "$(jget show.json changed)" = null &&
	test "$(jget show.json posts)" = 2 &&
	test "$(jget show.json record)" = false &&
	member show anna@example.net >actual &&
	echo "anna@example.net  thanks=yes  posts=2  changed never" >expect &&
	test_cmp expect actual
'

test_expect_success 'list: nobody has a record yet' '
	member list >actual && test ! -s actual
'

test_expect_success 'set thanks=no: stored (address in lower case), shown, listed' '
	member set ANNA@Example.net thanks=no >actual &&
	echo "anna@example.net  thanks=no  posts=2  changed 2024-03-01T09:00:00Z" >expect &&
	test_cmp expect actual &&
	member show anna@example.net --json >show.json &&
	test "$(jget show.json thanks)" = false &&
	test "$(jget show.json changed)" = 2024-03-01T09:00:00Z &&
	test "$(jget show.json record)" = true &&
	test "$(jget show.json posts)" = 2 &&
	member show Anna@EXAMPLE.net >actual2 &&
	echo "anna@example.net  thanks=no  posts=2  changed 2024-03-01T09:00:00Z" >expect &&
	test_cmp expect actual2 &&
	member list >actual && test_cmp expect actual
'

test_expect_success 'settings are per community' '
	member show anna@example.net --community bank --json >show.json &&
	test "$(jget show.json thanks)" = true &&
	test "$(jget show.json record)" = false &&
	test "$(jget show.json posts)" = 1 &&
	member list --community bank >actual && test ! -s actual
'

test_expect_success 'set thanks=yes later: the record stays, changed moves' '
	NOW=2024-04-02T10:00:00Z member set bert@example.net thanks=no &&
	NOW=2024-04-03T11:00:00Z member set anna@example.net thanks=yes &&
	member list --json >list.json &&
	test $(wc -l <list.json) = 2 &&
	cat >expect <<-\EOF &&
	{"address":"anna@example.net","community":"kring","thanks":true,"changed":"2024-04-03T11:00:00Z","posts":2,"record":true}
	{"address":"bert@example.net","community":"kring","thanks":false,"changed":"2024-04-02T10:00:00Z","posts":1,"record":true}
	EOF
	test_cmp expect list.json
'

test_expect_success 'a member who never posted can say no too' '
	member set carla@example.net thanks=no >actual &&
	grep "^carla@example.net  thanks=no  posts=0  changed" actual &&
	test $(member list | wc -l) = 3
'

test_expect_success 'bad values, settings and addresses are usage errors; nothing stored' '
	run_status member set bert@example.net thanks=maybe &&
	test $status = 64 && grep "thanks=maybe: thanks is yes or no" err &&
	run_status member set bert@example.net thanks= &&
	test $status = 64 &&
	run_status member set bert@example.net thanks=NO &&
	test $status = 64 &&
	run_status member set bert@example.net digest=no &&
	test $status = 64 && grep "digest: no such setting" err &&
	run_status member set bert@example.net thanks &&
	test $status = 64 && grep "thanks: not NAME=VALUE" err &&
	run_status member set bert@example.net &&
	test $status = 64 &&
	run_status member set bert@example.net thanks=yes thanks=maybe &&
	test $status = 64 &&
	run_status member set not-an-address thanks=no &&
	test $status = 64 && grep "not-an-address: not an address" err &&
	run_status member set "a b@example.net" thanks=no &&
	test $status = 64 &&
	run_status member set "@example.net" thanks=no &&
	test $status = 64 &&
	run_status member show "x@" &&
	test $status = 64 &&
	run_status member frob &&
	test $status = 64 && grep "frob: no such command" err &&
	run_status member &&
	test $status = 64 &&
	run_status member list extra &&
	test $status = 64 &&
	run_status member set dora@example.net thanks=no --community nowhere &&
	test $status = 64 && grep "no community \"nowhere\" in the config" err &&
	member show bert@example.net --json >show.json &&
	test "$(jget show.json thanks)" = false &&
	test "$(jget show.json changed)" = 2024-04-02T10:00:00Z &&
	test $(member list | wc -l) = 3 &&
	member --help >help && grep "^usage: kring member" help
'

test_expect_success 'settings survive a kringd restart; kringd stops cleanly' '
	kringd_stop && kringd_start &&
	member show anna@example.net --json >show.json &&
	test "$(jget show.json thanks)" = true &&
	member show carla@example.net --json >show.json &&
	test "$(jget show.json thanks)" = false &&
	kringd_stop
'

test_done
