#!/bin/sh
test_description='a full store (map_size_mb = 1): 452 4.3.1, kringd goes on, nothing lost'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-smtp.sh"

kringd_config - <<\EOF
map_size_mb = 1
EOF

test_expect_success 'kringd starts on a 1 MB store; 200 KB wait in its outbox' '
	kringd_start &&
	{
		printf "From: kring@example.org\nTo: someone@example.net\nSubject: queued\n\n" &&
		awk "BEGIN { for (i = 0; i < 2600; i++) printf \"%075d\\n\", i }"
	} >queued.eml &&
	kring send -c kring.conf <queued.eml &&
	kring outbox -s store --json >outbox &&
	test $(wc -l <outbox) = 1
'

test_expect_success 'send 100 KB messages until one gets 452 4.3.1' '
	: >taken && : >refused &&
	n=0 &&
	while [ $n -lt 40 ] && [ $(wc -l <refused) -lt 3 ]; do
		n=$((n + 1))
		big_message $n >msg.$n &&
		printf "< 220\n> EHLO c\n< 250\n> MAIL FROM:<a@example.net>\n< 250\n> RCPT TO:<kring@example.org>\n< 250\n> DATA\n< 354\n>data msg.$n\n< 250|452\n> NOOP\n< 250\n> QUIT\n< 221\n" |
		smtp_chat >/dev/null || { cat chat.out; return 1; }
		if grep "^S: 250 2.0.0 Ok: queued" chat.out; then
			echo $n >>taken
		elif grep "^S: 452 4.3.1" chat.out; then
			echo $n >>refused
		else
			cat chat.out; return 1
		fi
	done &&
	echo "taken: $(wc -l <taken), refused: $(wc -l <refused)" &&
	test -s taken && test -s refused &&
	grep "not stored in kring: MDB_MAP_FULL" kringd.log
'

test_expect_success 'kringd keeps running and answers' '
	kringd_alive &&
	printf "< 220\n> EHLO c\n< 250\n> NOOP\n< 250\n> QUIT\n< 221\n" | smtp_chat
'

test_expect_success 'every message that got 250 is readable, byte for byte' '
	while read n; do
		stored_body full-$n@example.net >actual &&
		cmp msg.$n actual || return 1
	done <taken
'

test_expect_success 'no message that got 452 is in the store' '
	while read n; do
		! kring show -s store full-$n@example.net || return 1
	done <refused
'

test_expect_success 'kring stats counts exactly the taken ones; kring threads reads the store' '
	test "$(stored_count)" = $(wc -l <taken) &&
	kring threads -s store >threads &&
	test $(wc -l <threads) = $(wc -l <taken)
'

# resend: the refused messages again; each must get 250 now.
resend() {
	mv refused refused.before &&
	: >refused &&
	while read n; do
		printf "< 220\n> EHLO c\n< 250\n> MAIL FROM:<a@example.net>\n< 250\n> RCPT TO:<kring@example.org>\n< 250\n> DATA\n< 354\n>data msg.$n\n< 250\n> QUIT\n< 221\n" |
		smtp_chat >/dev/null || { cat chat.out; return 1; }
		echo $n >>taken
	done <refused.before
}

test_expect_success 'room made in the map (the queued 200 KB dropped): a refused one gets 250' '
	id=$(sed -n "s/^{\"id\":\([0-9]*\),.*/\1/p" outbox) && test -n "$id" &&
	kring outbox -s store drop $id &&
	test -z "$(kring outbox -s store)" &&
	head -1 refused >refused.one && mv refused.one refused &&
	resend &&
	test "$(stored_count)" = $(wc -l <taken)
'

test_expect_success 'restarted with map_size_mb = 4, kringd takes the rest' '
	kringd_stop &&
	sed "s/^map_size_mb = 1$/map_size_mb = 4/" kring.conf >kring.conf.new &&
	mv kring.conf.new kring.conf && grep -x "map_size_mb = 4" kring.conf &&
	kringd_start &&
	: >refused &&
	for n in $(sed 1d refused.before); do echo $n >>refused; done &&
	resend &&
	test "$(stored_count)" = $(wc -l <taken)
'

test_expect_success 'kringd stops cleanly, and after a restart all is still there' '
	kringd_stop &&
	kringd_start &&
	while read n; do
		stored_body full-$n@example.net >actual &&
		cmp msg.$n actual || return 1
	done <taken &&
	kringd_stop
'

test_done
