#!/bin/sh
test_description='malformed real mail from the corpora over SMTP: 250 or a proper 5xx, kringd lives'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"
. "$TEST_DIR/lib-smtp.sh"

test_need_corpora
sets="05-mime4j-and-mimetools-testmsgs 06-dovecot-malformed-via-stalwart-mail-parser 04-cpython-email-testdata"
for set in $sets; do
	[ -d "$CORPORA/$set" ] || test_skip_all "no $set in $CORPORA"
done

# Every file of the three sets, then the mboxes and NUL files of git's
# mailinfo tests when they are there.  Read in place, never copied.
for set in $sets; do
	find "$CORPORA/$set" -type f
done | LC_ALL=C sort >files
if [ -d "$CORPORA/08-git-mailinfo-t5100" ]; then
	find "$CORPORA/08-git-mailinfo-t5100" -type f \( -name "*.mbox" -o -name "nul*" \) |
		LC_ALL=C sort >>files
fi

# One chat script for N files: in one connection, each file as one
# message (dot-stuffed by smtp-chat's >data); 250 or any 5xx will do.
# chat_script FILE-LIST
chat_script() {
	printf '< 220\n> EHLO corpus.test\n< 250\n'
	while read f; do
		printf '>raw MAIL FROM:<corpus@example.net>\\r\\nRCPT TO:<kring@example.org>\\r\\nDATA\\r\\n\n'
		printf '<< 250 250 354\n>data %s\n< 250|5xx\n' "$f"
	done <"$1"
	printf '> QUIT\n< 221\n'
}

# Check the transcripts against kringd.log and the store: every 250 was
# logged as stored or duplicate; every stored message reads back byte
# for byte (plus the CRLF smtp-chat adds to a file that lacks it).
check_store() {
	"$PYTHON" - "$@" <<\EOF
import re, subprocess, sys
log = open("kringd.log", "rb").read().decode("utf-8", "replace")
outcome = {}
for m in re.finditer(r"^kringd: ([0-9A-F]+): (stored|duplicate) id=(\d+) ", log, re.M):
    outcome[m.group(1)] = (m.group(2), int(m.group(3)))
taken = refused = compared = 0
bad = []
for transcript in sys.argv[1:]:
    current = None
    for line in open(transcript, encoding="utf-8", errors="replace"):
        if line.startswith("# data from "):
            current = line[len("# data from "):].rstrip("\n")
        elif current and line.startswith("S: 250 2.0.0 Ok: queued as "):
            qid = line.split()[-1].replace("\\r\\n", "")
            taken += 1
            if qid not in outcome:
                bad.append("%s: 250 as %s, but not logged as stored" % (current, qid))
            elif outcome[qid][0] == "stored":
                raw = subprocess.run(["kring", "show", "-s", "store", str(outcome[qid][1])],
                                     capture_output=True).stdout
                # Exactly our Received lines: the message itself may start
                # with white space.
                m = re.match(rb"Received: from [^\r\n]*\r\n\tby [^\r\n]* \(kringd\) "
                             rb"with [^\r\n]*\r\n(?:\tfor <[^\r\n]*>;\r\n)?\t[^\r\n]*\r\n", raw)
                got = raw[m.end():] if m else b"(no Received) " + raw[:100]
                want = open(current, "rb").read()
                if not want.endswith(b"\r\n"):
                    want += b"\r\n"
                compared += 1
                if got != want:
                    bad.append("%s: stored as id %d, not byte for byte" % (current, outcome[qid][1]))
            current = None
        elif current and re.match(r"S: 5\d\d ", line):
            refused += 1
            print("refused: %s: %s" % (current, line[3:].strip()))
            current = None
print("taken %d, refused %d, compared %d" % (taken, refused, compared))
for b in bad:
    print("BAD: " + b)
sys.exit(1 if bad or taken == 0 else 0)
EOF
}

test_expect_success "kringd starts ($(wc -l <files) corpus files to send)" '
	kringd_start
'

# Two connections at once: half the files each (group commits).
test_expect_success 'every file as one message: 250 or a proper 5xx, never a 4xx, a hang or a crash' '
	n=$(wc -l <files) &&
	head -n $((n / 2)) files >files.1 &&
	tail -n +$((n / 2 + 1)) files >files.2 &&
	chat_script files.1 >chat.1 &&
	chat_script files.2 >chat.2 || return 1
	"$PYTHON" "$SMTP_CHAT" -t 30 127.0.0.1:$KRINGD_PORT chat.1 >out.1 &
	pid1=$!
	"$PYTHON" "$SMTP_CHAT" -t 30 127.0.0.1:$KRINGD_PORT chat.2 >out.2 &&
	wait $pid1 || { tail -5 out.1 out.2; false; }
'

test_expect_success 'kringd is still running and answers' '
	kringd_alive &&
	printf "< 220\n> NOOP\n< 250\n> QUIT\n< 221\n" | smtp_chat
'

test_expect_success 'each 250 is in the store (or a logged duplicate), byte for byte' '
	check_store out.1 out.2
'

test_expect_success 'kring stats and kring threads still read the store' '
	kring stats -s store >stats &&
	cat stats &&
	test "$(stored_count)" = $(grep -c ": stored id=.* community=kring$" kringd.log) &&
	kring threads -s store >threads &&
	kring threads -s store --json >threads.json &&
	test -s threads &&
	test $(wc -l <threads) = $(wc -l <threads.json)
'

test_expect_success 'the same files over LMTP to two communities: one reply per recipient, both alike' '
	{
		printf "< 220\n> LHLO corpus.test\n< 250\n"
		while read f; do
			printf ">raw MAIL FROM:<corpus@example.net>\\\\r\\\\nRCPT TO:<KRING@example.org>\\\\r\\\\nRCPT TO:<leden@bank.example>\\\\r\\\\nDATA\\\\r\\\\n\n"
			printf "<< 250 250 250 354\n>data %s\n<< 250|5xx 250|5xx\n" "$f"
		done <files
		printf "> QUIT\n< 221\n"
	} >chat.lmtp &&
	lmtp_chat -t 30 <chat.lmtp >/dev/null &&
	"$PYTHON" - <<-\EOF &&
	lines = open("chat.out", errors="replace").read().split("\n")
	pairs = [(lines[i + 2][3:6], lines[i + 3][3:6])
	         for i, l in enumerate(lines) if l.startswith("# data from ")]
	odd = [p for p in pairs if p[0] != p[1]]
	print(len(pairs), "messages,", sum(p[0] == "250" for p in pairs), "taken")
	assert pairs and not odd, odd
	EOF
	test "$(stored_count bank)" -gt 0 &&
	test "$(stored_count bank)" = $(grep -c ": stored id=.*community=bank" kringd.log)
'

test_expect_success 'kringd stops cleanly' '
	kringd_stop
'

test_done
