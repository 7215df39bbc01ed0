#!/bin/sh
test_description='the fuzz targets, run over real and hostile input

The same targets run under libFuzzer with `make fuzz`; here their plain
driver runs them over the corpora and the suite'"'"'s own messages, so the
sanitizer build checks every parser of untrusted input on all of it.'
. "$(dirname "$0")/test-lib.sh"

# Every file below the folders given, NUL-safe, as driver arguments.
run_over() {
	target=$1
	shift
	find "$@" -type f -print0 | xargs -0 -r "fuzz-$target"
}

test_expect_success 'msginfo: the suite'"'"'s own messages' '
	run_over msginfo "$TEST_DIR/data"
'

test_expect_success 'mbox: the suite'"'"'s own mbox files' '
	run_over mbox "$TEST_DIR/data"
'

test_expect_success 'smtp: hostile command lines' '
	{
		printf "MAIL FROM:<%s>\n" "$(printf "%0300d" 0)@x"
		printf "RCPT TO:<@a,@b,@c:x@y> NOTIFY=NEVER\n"
		printf "MAIL FROM:<> SIZE=99999999999999999999 BODY=\n"
		printf "MAIL FROM:<\\x01@x>\nRCPT TO:\nrcpt to:<>\n\n\n"
		printf "%04000d\n" 0
	} >hostile &&
	fuzz-smtp hostile
'

test_expect_success 'staffauth: hostile sub-addresses and Authentication-Results' '
	printf "kring+topic@example.org\nAuthentication-Results: mx.example.org; dkim=pass header.d=example.org\n\nx\n" >pass-dkim &&
	printf "kring+outcome-1-implemented.ffffffffffffffff.0123456789abcdef@x\nAuthentication-Results: mx.example.org;\n\tspf=pass smtp.mailfrom=@\n\n" >odd-spf &&
	printf "kring+summary-18446744073709551616@x\nAuthentication-Results:\nAuthentication-Results: ;;;;\nAuthentication-Results: mx.example.org; dkim=pass header.d=\n" >empty-values &&
	printf "kring+outcome-0-declined.@x\nAuthentication-Results: mx.example.org; dkim=pass header.d=org\n" >tld-only &&
	printf "+.\n" >bare &&
	printf "kring+topic@x\nAuthentication-Results" >cut-at-name &&
	printf "%0600d+topic.%0300d@x\n" 0 0 >long &&
	# A finding of fuzz-staffauth under UBSan: an expiry day so far out
	# that day * 86400 overflowed (lib/staff/staffauth.c).
	echo "K3RvcGljLitEREQ2NjY2NjY2NkRERC5A0dTRi5CPnGMucisuQHktQA==" |
		base64 -d >far-expiry &&
	# Another, of the target itself: announcements name no topic.
	printf "+announce@" >announce &&
	fuzz-staffauth pass-dkim odd-spf empty-values tld-only bare \
		cut-at-name long far-expiry announce &&
	run_over staffauth "$TEST_DIR/data"
'

test_expect_success 'membercmd: hostile command sub-addresses' '
	printf "confirm-" >confirm-empty &&
	printf "CONFIRM-S5148.0123456789ABCDEF" >confirm-upper &&
	printf "confirm-%0300d" 0 >confirm-long &&
	printf "approve-" >approve-empty &&
	printf "approve-18446744073709551616-abc" >approve-overflow &&
	printf "reject-0-abc" >reject-zero &&
	printf "approve--x" >approve-dashes &&
	printf "r\303\251sum\303\251\001\377" >eight-bit &&
	printf "%0200d" 0 >long-unknown &&
	printf "" >empty &&
	printf "Re: name Ann\001\r\nBcc: x@y" >subject-name-crlf &&
	printf "AW: naam %0100d" 0 >subject-name-long &&
	printf "resume" >resume &&
	printf "Re: hervatten" >subject-resume &&
	printf "moderate-0-a-abc" >moderate-zero &&
	printf "withdraw-x-abc" >withdraw-bad-id &&
	fuzz-membercmd confirm-empty confirm-upper confirm-long approve-empty \
		approve-overflow reject-zero approve-dashes eight-bit \
		long-unknown empty subject-name-crlf subject-name-long \
		resume subject-resume moderate-zero withdraw-bad-id
'

test_expect_success 'config: the shipped config and broken ones' '
	printf "limits {\n" >open-section &&
	printf "community \"x\" { address = \"@\" }\n" >bad-address &&
	printf "listen = { \"[::1\" }\nmap_size_mb = -1\n" >bad-values &&
	fuzz-config "$TEST_DIR/../conf/kring.conf" open-section bad-address bad-values
'

test_expect_success 'dsn: the suite'"'"'s bounces, and what is no bounce' '
	run_over dsn "$TEST_DIR/data" &&
	printf "From: a@b\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\n\n--B\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822;\nAction: FAILED\nStatus: 5.1.1 (x)\n\n--B--\n" >status-empty-rcpt &&
	printf "Content-Type: message/delivery-status\n\n%04000d\n" 0 >status-long &&
	fuzz-dsn status-empty-rcpt status-long
'

test_expect_success 'catalog: the built catalogs, and broken ones' '
	run_over catalog "$KRING_BUILD/templates" &&
	printf "\\336\\022\\004\\225" >magic-only &&
	printf "\\336\\022\\004\\225\\0\\0\\0\\0\\377\\377\\377\\377%020d" 0 >many-strings &&
	head -c 40 "$TEST_DIR/../fuzz/seeds/catalog/little.mo" >cut-short &&
	fuzz-catalog magic-only many-strings cut-short
'

test_expect_success 'http: requests at the one-click address, over a socket' '
	# A finding of fuzz-http: a form part without a name reached
	# web.c with a NULL key (strcmp on NULL).
	echo "UE9TVCAvdS9rcmluZy9hbm5AZXhhbXBsZS5vcmcvdWI5N2EuZWNkNGMyMGU4MjdlNWYzYyBIVFRQLzEuMQ0KSG9zdDoga3JpbmcudGVzdA0KQ29udGVudC1UeXBlOiBtdWx0aXBhcnQvZm9ybS1kYXRhOyBib3VuZGFyeT1YWA0KQ29udGVudC1MZW5ndGg6IDg0DQoNCi0tWFgNCkNvbnRlbnQtRGlzcG9zaXRpb25mcjogb20tZGF0YTsgbmFtZT0iTGmXi9KqbjJ1YnNjcmliZSINCg0KT25lLUNsaWNrDQotLVhYLS0NCg==" |
		base64 -d >nameless-part &&
	printf "GET /u/%s HTTP/1.1\r\n\r\n" "$(printf "%03000d" 0)" >long-path &&
	fuzz-http nameless-part long-path 2>http.log
'

test_expect_success 'every target: its seeds in fuzz/seeds' '
	for d in "$TEST_DIR"/../fuzz/seeds/*/; do
		t=$(basename "$d") &&
		run_over "$t" "$d" 2>>seeds.log || return 1
	done
'

if [ -d "$CORPORA" ]; then
test_expect_success 'msginfo and mbox: every file of the corpora' '
	run_over msginfo "$CORPORA" &&
	run_over mbox "$CORPORA"
'
else
	test_skip 'corpora' "no corpora at $CORPORA"
fi

test_done
