# lib-held.sh: helpers for the moderation tests (t084x), community
# "kring" (kring@example.org), with lib-kringd.sh and lib-sink.sh.

# post FROM SUBJECT [TO [BODY]]: the Message-ID is the subject, dashed.
post() {
	swaks --server 127.0.0.1:"$KRINGD_PORT" --from "$1" \
		--to "${3:-kring@example.org}" --header "Subject: $2" \
		--header "Message-Id: <$(echo "$2" | tr -c 'a-zA-Z0-9\n' -)@t>" \
		--body "${4:-A question about savings.}" --silent 1
}

# The mail to $1 whose Subject has $2, each file name.
mails_to() {
	for f in $(sink_messages); do
		grep -q "^RCPT TO:<$1>" "${f%.eml}.env" &&
			grep -q "^Subject: .*$2" "$f" && echo "$f"
	done
}

mail_to() {
	mails_to "$@" | tail -1
}

count_to() {
	mails_to "$@" | wc -l | tr -d " "
}

# The first kring+VERB-ID-TOKEN address in mail $1.
address_in() {
	tr -d "\\r" <"$1" | grep -o "kring+$2-[0-9]*-[a-z0-9.]*@example.org" | head -1
}

reply_to() {
	tr -d "\\r" <"$1" | sed -n "s/^Reply-To: <*\\([^>]*\\)>*$/\\1/p"
}

held_log() {
	grep -c "held id=" kringd.log
}

stored() {
	kring show -s store "<$1@t>" >/dev/null 2>&1
}
