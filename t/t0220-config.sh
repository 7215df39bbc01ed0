#!/bin/sh
test_description='kringd -n: configuration errors exit 78 and name FILE:LINE'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"

# check_bad FILE PATTERN: kringd -n -c FILE must exit 78 (EX_CONFIG) with
# "FILE:LINE:" in its message, LINE being the line of FILE that matches
# the grep PATTERN (the first one).
check_bad() {
	line=$(grep -n -e "$2" "$1" | head -1 | cut -d: -f1)
	test -n "$line" || { test_fail "no line matches $2 in $1"; return 1; }
	status=0
	kringd -n -c "$1" >out 2>err || status=$?
	cat out err
	test "$status" = 78 || { test_fail "exit $status, not 78"; return 1; }
	grep -F "$1:$line:" err ||
		{ test_fail "no \"$1:$line:\" in the message"; return 1; }
}

# conf NAME: the good base config plus stdin as NAME.
conf() {
	{
		echo 'hostname = "kring.test"'
		echo 'store = "store"'
		echo 'community "kring" { address = "kring@example.org" }'
		cat
	} >"$1"
}

test_expect_success 'a good file: "configuration OK", exit 0' '
	kringd_config &&
	kringd -n -c kring.conf >out 2>err &&
	grep "kring.conf: configuration OK" out
'

test_expect_success 'the shipped conf/kring.conf is good' '
	kringd -n -c "$TEST_DIR/../conf/kring.conf" >out &&
	grep "configuration OK" out
'

test_expect_success 'a good file with every limit set is good' '
	conf all.conf <<-\EOF &&
	map_size_mb = 64
	listen = { "127.0.0.1:2525", "[::1]:2424/lmtp", "localhost:25/smtp" }
	limits {
		message_size = 1000000
		line_length = 1000
		recipients = 5
		connections = 10
		connections_per_client = 2
		bad_commands = 3
		timeout_command = 60
		timeout_data_block = 60
		shutdown_grace = 5
		batch_messages = 16
	}
	EOF
	kringd -n -c all.conf >out &&
	grep "configuration OK" out
'

test_expect_success 'an unknown option: 78 and FILE:LINE' '
	conf unknown.conf <<-\EOF &&
	frobnicate = 1
	EOF
	check_bad unknown.conf frobnicate
'

test_expect_success 'an unknown option inside limits { }: 78 and FILE:LINE' '
	conf unknown-limit.conf <<-\EOF &&
	limits {
		recipients = 5
		frobnicate = 1
	}
	EOF
	check_bad unknown-limit.conf frobnicate
'

test_expect_success 'limits { recipients = -1 }: 78 and FILE:LINE' '
	conf recipients.conf <<-\EOF &&
	limits {
		message_size = 100000
		recipients = -1
	}
	EOF
	check_bad recipients.conf "recipients = -1"
'

test_expect_success 'limits { recipients = many }: 78 and FILE:LINE' '
	conf many.conf <<-\EOF &&
	limits {
		recipients = many
	}
	EOF
	check_bad many.conf "recipients = many"
'

test_expect_success 'every limit = 0 or = -1 is refused: 78 and FILE:LINE' '
	accepted= &&
	for limit in message_size line_length recipients connections \
		connections_per_client bad_commands timeout_command \
		timeout_data_block shutdown_grace batch_messages
	do
		for v in 0 -1; do
			printf "limits {\n\t%s = %s\n}\n" $limit $v | conf $limit.conf &&
			check_bad $limit.conf "$limit = $v" ||
			accepted="$accepted $limit=$v"
		done
	done &&
	echo "not refused with 78 and FILE:LINE:${accepted:- none}" &&
	test -z "$accepted"
'

test_expect_success 'map_size_mb = 0: 78 and FILE:LINE' '
	echo "map_size_mb = 0" | conf map.conf &&
	check_bad map.conf map_size_mb
'

test_expect_success 'limits { line_length = 10 } (under 80): 78 and FILE:LINE' '
	conf short.conf <<-\EOF &&
	limits {
		line_length = 10
	}
	EOF
	check_bad short.conf line_length
'

test_expect_success 'bad listen addresses: 78 and FILE:LINE' '
	accepted= &&
	for addr in nowhere 127.0.0.1 127.0.0.1:99999 127.0.0.1:25/pop3 :25 "[::1:25"
	do
		printf "listen = { \"127.0.0.1:2525\", \"%s\" }\n" "$addr" | conf listen.conf &&
		check_bad listen.conf "^listen" ||
		accepted="$accepted $addr"
	done &&
	echo "not refused with 78 and FILE:LINE:${accepted:- none}" &&
	test -z "$accepted"
'

test_expect_success 'a community without address: 78 and FILE:LINE within its section' '
	conf noaddr.conf <<-\EOF &&
	community "bank" {
		description = "no address"
	}
	EOF
	status=0 &&
	kringd -n -c noaddr.conf 2>err || status=$?
	cat err &&
	test $status = 78 &&
	first=$(grep -n "community \"bank\"" noaddr.conf | cut -d: -f1) &&
	line=$(sed -n "s/.*noaddr\.conf:\([0-9]*\): community \"bank\" has no address.*/\1/p" err) &&
	test -n "$line" &&
	test "$line" -ge "$first" &&
	test "$line" -le $((first + 2))
'

test_expect_success 'a community address that is not local@domain, or has a +: 78 and FILE:LINE' '
	for a in nodomain "a+b@example.org" "@example.org" "two words@example.org"; do
		printf "community \"bad\" { address = \"%s\" }\n" "$a" | conf addr.conf &&
		check_bad addr.conf "community \"bad\"" || return 1
	done
'

test_expect_success 'two communities with one name: 78 and FILE:LINE' '
	echo "community \"kring\" { address = \"other@example.org\" }" | conf dup.conf &&
	check_bad dup.conf "other@example.org"
'

test_expect_success 'a file that is not there: 78, naming it' '
	status=0 &&
	kringd -n -c missing.conf 2>err || status=$?
	cat err &&
	test $status = 78 &&
	grep "missing.conf" err
'

test_expect_success 'kringd (not -n) on a bad file: 78, never ready' '
	status=0 &&
	timeout 10 kringd -f -c unknown.conf -l 127.0.0.1:0 2>err || status=$?
	cat err &&
	test $status = 78 &&
	! grep "ready" err
'

test_expect_success 'an error on any line of the shipped file is reported at that line' '
	shipped="$TEST_DIR/../conf/kring.conf" &&
	n=$(wc -l <"$shipped") && test "$n" -gt 100 &&
	i=0 && wrong=0 &&
	while [ $i -le "$n" ]; do
		{ head -n $i "$shipped"; echo "nosuchoption = 1"; tail -n +$((i + 1)) "$shipped"; } >at.conf &&
		status=0 && kringd -n -c at.conf 2>err || status=$?
		if [ $status != 78 ] || ! grep -q "^kringd: at.conf:$((i + 1)): no such option .nosuchoption.$" err; then
			echo "after line $i: exit $status, $(cat err)"; wrong=$((wrong + 1))
		fi
		i=$((i + 1))
	done &&
	test $wrong = 0
'

test_expect_success 'a bad value in the shipped file: the line of that option' '
	shipped="$TEST_DIR/../conf/kring.conf" &&
	sed "s/^map_size_mb = .*/map_size_mb = x/" "$shipped" >value.conf &&
	check_bad value.conf "^map_size_mb = x" &&
	grep -q "invalid integer value for option .map_size_mb." err
'

test_expect_success 'comments of each kind, and # and // inside quotes, count as they should' '
	printf "# one\n// two\n/* three\n   four */\nhostname = \"a#b//c\" # five\nstore = \"st/*x*/\"\ncommunity \"k\" {\n\taddress = \"k@example.org\"\n\tdescription = \"Kring #1 // the first\"\n}\nbogus = 2\n" >kinds.conf &&
	check_bad kinds.conf "^bogus" && grep -q "kinds.conf:11: no such option .bogus." err &&
	sed "/^bogus/d" kinds.conf >kinds-ok.conf &&
	kringd -n -c kinds-ok.conf
'

test_expect_success 'a block left open: 78 and the line it opens on' '
	printf "hostname = \"h\"\ncommunity \"a\" {\n\taddress = \"a@example.org\"\n" >open.conf &&
	check_bad open.conf "^community" && grep -q "a block opened here is not closed" err &&
	printf "community \"a\" {\n\taddress = \"a@example.org\"\n\tstaff \"s@example.org\" {\n\t\troles = { \"owner\" }\n}\n" >open2.conf &&
	check_bad open2.conf "^community" && grep -q "open2.conf:1: a block opened here is not closed" err
'

test_expect_success 'the tools read KRING_CONFIG also when given a store' '
	printf "store = \"elsewhere\"\ncommunity \"leden\" { address = \"leden@bank.example\" }\n" >env.conf &&
	printf "From x@y Mon Dec  7 10:00:00 2026\nFrom: a@example.net\nSubject: hi\nMessage-ID: <env1@example.net>\n\nhello\n" >one.mbox &&
	KRING_CONFIG=env.conf kring import -s envstore one.mbox >out &&
	grep -x "leden: 1 imported, 0 already there, 0 skipped" out &&
	KRING_CONFIG=env.conf KRING_STORE=envstore kring stats >out &&
	grep -x "leden: 1 messages, 1 threads, 1 senders" out &&
	test ! -e elsewhere &&
	KRING_CONFIG=bad-missing.conf kring stats -s envstore 2>err; test $? = 78 &&
	grep -q "bad-missing.conf" err
'

test_expect_success 'an unknown staff role: 78 at the line of the role, also in a list over lines' '
	printf "community \"a\" {\n\taddress = \"a@example.org\"\n\tstaff \"s@example.org\" {\n\t\troles = { \"boss\" }\n\t}\n}\n" >role.conf &&
	check_bad role.conf "boss" && grep -q "staff role \"boss\" is not manager, owner or moderator" err &&
	printf "community \"a\" {\n\taddress = \"a@example.org\"\n\tstaff \"s@example.org\" {\n\t\troles = {\n\t\t\t\"owner\",\n\t\t\t\"chief\" }\n\t}\n}\n" >role2.conf &&
	check_bad role2.conf "chief"
'

test_expect_success 'a wrong type and a duplicate community: 78 at their lines' '
	printf "# a comment\nhostname = \"h\"\nstore = { \"a\" }\n" >type.conf &&
	check_bad type.conf "^store" &&
	printf "community \"a\" {\n\taddress = \"a@example.org\"\n}\n\ncommunity \"a\" { # again\n\taddress = \"b@example.org\"\n}\n" >twice.conf &&
	check_bad twice.conf "# again" && grep -q "duplicate" err
'

test_expect_success 'a bad -l on the command line: 78' '
	status=0 &&
	kringd -n -c kring.conf -l nowhere 2>err || status=$?
	cat err &&
	test $status = 78 &&
	grep "nowhere" err
'

test_done
