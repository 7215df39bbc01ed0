#!/bin/sh
test_description='staff acting by mail: community+topic@, +summary-ID@, +outcome-ID-STATUS@

Accepted only from staff with the role, and only with a proof: an
Authentication-Results field of our MTA (authserv-id mx.bank.example)
with dkim=pass or aligned spf=pass, or a token in the address (kring
token).  Everything else is refused at the end of DATA with the reason,
and nothing of it is stored.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"

AR_DKIM="Authentication-Results: mx.bank.example; dkim=pass header.d=bank.example header.s=s1"

write_config() {
	cat >kring.conf <<-EOF
	hostname = "kring.test"
	store = "store"
	authserv_id = "mx.bank.example"
	community "kring" {
		address = "kring@example.org"
		outside_posts = true	# members by mail: t08xx
		staff "bob@bank.example" {
			name = "Bob Jansen"
			roles = {"owner"}
		}
		staff "anna@bank.example" {
			name = "Anna de Boer"
			roles = {"manager"}
		}
	}
	EOF
}

# mail FROM TO SUBJECT BODY [HEADER]: one message over SMTP; the whole
# SMTP transcript in mail.out, the exit status swaks gives.
mail() {
	swaks --server 127.0.0.1:"$KRINGD_PORT" --from "$1" --to "$2" \
		--header "From: <$1>" --header "Subject: $3" --body "$4" \
		${5:+--header "$5"} >mail.out 2>&1
}

# The reply to the end of DATA.
data_reply() {
	sed -n '/^ -> \.$/,$p' mail.out | sed -n 's/^<[-*]* *//p' | head -1
}

topics() {
	kring topic -c kring.conf list --json
}

test_expect_success 'start kringd; its secret is made, mode 0600' '
	write_config &&
	kringd_start &&
	test -s store/hmac.key &&
	test "$(stat -c %a store/hmac.key)" = 600 &&
	test "$(stat -c %s store/hmac.key)" = 32
'

test_expect_success 'kring token works before the community has any mail, for announce too' '
	addr=$(kring token -c kring.conf --for bob@bank.example topic) &&
	echo "$addr" | grep -q "^kring+topic\.[0-9a-f]*\.[0-9a-f]*@example.org$" &&
	kring token -c kring.conf --for anna@bank.example announce | grep -q "^kring+announce\."
'

test_expect_success 'a topic without any proof: refused with the reason, nothing stored' '
	! mail bob@bank.example kring+topic@example.org "Savings goals" "What do you think?" &&
	data_reply | grep "^550 5.7.1 not authenticated" &&
	kring stats -c kring.conf --json >stats.json &&
	! grep "\"messages\":[1-9]" stats.json &&
	test -z "$(topics)"
'

test_expect_success 'a proof from another authserv-id counts for nothing' '
	! mail bob@bank.example kring+topic@example.org "Savings goals" "Q?" \
		"Authentication-Results: evil.example; dkim=pass header.d=bank.example" &&
	data_reply | grep "^550 5.7.1 not authenticated"
'

test_expect_success 'dkim=pass for another domain is not aligned with From' '
	! mail bob@bank.example kring+topic@example.org "Savings goals" "Q?" \
		"Authentication-Results: mx.bank.example; dkim=pass header.d=evil.example" &&
	data_reply | grep "^550 5.7.1 not authenticated"
'

test_expect_success 'not staff: refused even with a pass' '
	! mail eve@bank.example kring+topic@example.org "Savings goals" "Q?" "$AR_DKIM" &&
	data_reply | grep "^550 5.7.1 eve@bank.example is not staff of kring"
'

test_expect_success 'the owner with dkim=pass starts a topic' '
	mail bob@bank.example kring+topic@example.org "Savings goals: what helps you save?" \
		"What would help you save more each month?" "$AR_DKIM" &&
	data_reply | grep "^250 " &&
	topics >topics.json &&
	grep "\"id\":1," topics.json &&
	grep "\"title\":\"Savings goals: what helps you save?\"" topics.json &&
	grep "\"owner\":\"bob@bank.example\"" topics.json &&
	kring topic -c kring.conf show 1 --json | grep "help you save more each month"
'

test_expect_success 'a manager may not start a topic' '
	! mail anna@bank.example kring+topic@example.org "Another" "Q?" \
		"Authentication-Results: mx.bank.example; dkim=pass header.d=bank.example" &&
	data_reply | grep "^550 5.7.1 anna@bank.example does not have the owner role"
'

test_expect_success 'an outcome before a summary is refused' '
	! mail bob@bank.example kring+outcome-1-implemented@example.org "Done" "Done." "$AR_DKIM" &&
	data_reply | grep "^550 5.7.1 topic 1 has no summary yet"
'

test_expect_success 'spf=pass from a subdomain of From: the manager records the summary' '
	mail anna@bank.example kring+summary-1@example.org "Summary" \
		"Most members want a savings goal with a picture." \
		"Authentication-Results: mx.bank.example; spf=pass smtp.mailfrom=bounces@mail.bank.example" &&
	data_reply | grep "^250 " &&
	kring topic -c kring.conf show 1 --json >show.json &&
	grep "\"status\":\"summarised\"" show.json &&
	grep "savings goal with a picture" show.json
'

test_expect_success 'spf=pass for an unrelated domain is refused' '
	! mail anna@bank.example kring+summary-1@example.org "Summary" "x" \
		"Authentication-Results: mx.bank.example; spf=pass smtp.mailfrom=x@evil.example" &&
	data_reply | grep "^550 5.7.1 not authenticated"
'

test_expect_success 'no topic 99' '
	! mail anna@bank.example kring+summary-99@example.org "Summary" "x" "$AR_DKIM" &&
	data_reply | grep "^550 5.1.1 no topic 99 in kring"
'

test_expect_success 'a token in the address is proof enough: the outcome' '
	addr=$(kring token -c kring.conf --for bob@bank.example outcome-1-implemented) &&
	echo "$addr" | grep -E "^kring\+outcome-1-implemented\.[0-9a-f]+\.[0-9a-f]{16}@example.org\$" &&
	mail bob@bank.example "$addr" "Outcome" "The app shows savings goals from March." &&
	data_reply | grep "^250 " &&
	kring topic -c kring.conf show 1 --json >show.json &&
	grep "\"status\":\"implemented\"" show.json &&
	grep "\"outcome_rev\":1" show.json &&
	grep "savings goals from March" show.json
'

test_expect_success 'the same token from someone else, tampered, or expired: refused' '
	addr=$(kring token -c kring.conf --for bob@bank.example outcome-1-declined) &&
	! mail anna@bank.example "$addr" "Outcome" "x" &&
	data_reply | grep "^550 5.7.1 anna@bank.example does not have the owner role" &&
	tampered=$(echo "$addr" | sed "s/\.\([0-9a-f]\)[0-9a-f]\([0-9a-f]*@\)/.\10\2/;s/\.\([0-9a-f]*\)\([0-9a-f]\)@/.\1x@/") &&
	! mail bob@bank.example "$tampered" "Outcome" "x" &&
	data_reply | grep "^550 5.7.1 not authenticated" &&
	old=$(KRING_NOW=2020-01-01 kring token -c kring.conf --for bob@bank.example \
		--days 1 outcome-1-declined) &&
	! mail bob@bank.example "$old" "Outcome" "x" &&
	data_reply | grep "^550 5.7.1 not authenticated" &&
	kring topic -c kring.conf show 1 --json | grep "\"outcome_rev\":1"
'

test_expect_success 'a token is for one action only' '
	addr=$(kring token -c kring.conf --for bob@bank.example outcome-1-implemented) &&
	other=$(echo "$addr" | sed "s/implemented/declined/") &&
	! mail bob@bank.example "$other" "Outcome" "x" &&
	data_reply | grep "^550 5.7.1 not authenticated"
'

test_expect_success 'a sub-address that is no staff action is a member command: taken, not stored' '
	mail m1@example.net kring+anything@example.org "Hello" "Just a post." &&
	data_reply | grep "^250 " &&
	kring stats -c kring.conf --json | grep "\"messages\":3" &&
	grep "member help from=<m1@example.net>" kringd.log
'

test_expect_success 'kring token refuses what it cannot sign' '
	test_expect_code 65 kring token -c kring.conf --for eve@bank.example topic &&
	test_expect_code 64 kring token -c kring.conf --for bob@bank.example frobnicate
'

test_expect_success 'stop' '
	kringd_stop
'

test_done
