#!/bin/sh
test_description='the template engine and the shipped templates

test-template prints its own TAP first (every tag, escaping, sections,
names and the context stack, partials, standalone lines, an admin folder
over the shipped one, every error with its FILE:LINE, the limits, and
hostile values); its tests are counted in, and the tests below render
the shipped templates of every language (every kind of mail, with all
its values and with its lists empty) and run the fuzz target.'
. "$(dirname "$0")/test-lib.sh"

TEMPLATES=$TEST_DIR/../templates

if ! command -v test-template >/dev/null 2>&1; then
	echo "Bail out! no test-template in $KRING_BUILD/bin: run make"
	exit 1
fi

# The C tests, their plan left out: test_done prints one for all.
TMPDIR=$TRASH test-template >"$TRASH/unit.out" 2>"$TRASH/unit.err"
status=$?
grep -v '^1\.\.' "$TRASH/unit.out"
test_count=$(grep -c '^\(not \)\{0,1\}ok ' "$TRASH/unit.out")
test_failed=$(grep -c '^not ok ' "$TRASH/unit.out")
if [ -s "$TRASH/unit.err" ]; then
	sed 's/^/# stderr: /' "$TRASH/unit.err" | head -60
fi
if [ "$status" -ne 0 ] && [ "$test_failed" -eq 0 ] ||
    [ -s "$TRASH/unit.err" ]; then
	test_count=$((test_count + 1))
	test_failed=$((test_failed + 1))
	echo "not ok $test_count - test-template exited with $status" \
	    "or wrote to stderr"
fi

# Render template $2 of language $1 as a notice with every value set.
render_full() {
	test-template render "$TEMPLATES" "$1" "$2" \
		subject='Meeting <moved> & more' community_name='Kring' \
		greeting_name='Anna' \
		body_html='<p style="margin:0 0 16px 0;">See you on Friday.</p>' \
		body_text='See you on Friday.' \
		@items title='Agenda' url='https://example.net/a?x=1&y=2' \
		@items title='Minutes' @ \
		unsubscribe_url='https://example.net/u?t=abc&l=1'
}

test_expect_success 'notice.html renders in en and nl' '
	render_full en notice.html >en.html &&
	render_full nl notice.html >nl.html &&
	grep "<html lang=\"en\">" en.html &&
	grep "<html lang=\"nl\">" nl.html &&
	grep "<title>Meeting &lt;moved&gt; &amp; more</title>" en.html &&
	grep "<title>Meeting &lt;moved&gt; &amp; more</title>" nl.html &&
	grep "Hello Anna," en.html &&
	grep "Beste Anna," nl.html &&
	grep "<p style=\"margin:0 0 16px 0;\">See you on Friday.</p>" nl.html &&
	grep "href=\"https://example.net/a?x=1&amp;y=2\"" en.html &&
	grep "Unsubscribe</a>" en.html &&
	grep "Afmelden</a>" nl.html &&
	grep "member of Kring\." en.html &&
	grep "lid bent van Kring\." nl.html &&
	! cmp -s en.html nl.html &&
	! grep "{{\|}}" en.html nl.html
'

test_expect_success 'notice.txt renders in en and nl' '
	render_full en notice.txt >en.txt &&
	render_full nl notice.txt >nl.txt &&
	cat >expect <<-\EOF &&
	Kring

	Beste Anna,

	See you on Friday.

	* Agenda
	  https://example.net/a?x=1&y=2

	* Minutes

	Met vriendelijke groet,
	Kring

	-- 
	Je krijgt deze e-mail omdat je lid bent van Kring.
	Afmelden: https://example.net/u?t=abc&l=1
	EOF
	test_cmp expect nl.txt &&
	grep "^Hello Anna,$" en.txt &&
	grep "^Unsubscribe: https://example.net/u?t=abc&l=1$" en.txt &&
	! cmp -s en.txt nl.txt
'

test_expect_success 'without a name, items or unsubscribe link' '
	test-template render "$TEMPLATES" nl notice.txt \
		community_name=Kring body_text=Hoi >bare.txt &&
	cat >expect <<-\EOF &&
	Kring

	Hallo,

	Hoi

	Met vriendelijke groet,
	Kring

	-- 
	Je krijgt deze e-mail omdat je lid bent van Kring.
	EOF
	test_cmp expect bare.txt &&
	test-template render "$TEMPLATES" en notice.html \
		community_name=Kring >bare.html &&
	grep "Hello,</p>" bare.html &&
	! grep "Unsubscribe\|&#8226;" bare.html
'

if command -v xmllint >/dev/null 2>&1; then
test_expect_success 'the HTML parses cleanly (xmllint --html)' '
	xmllint --html --noout en.html nl.html bare.html 2>errors &&
	test_cmp /dev/null errors
'
else
	test_skip 'xmllint' 'no xmllint'
fi

test_expect_success 'every shipped template renders in every language it has a catalog for' '
	(cd "$TEMPLATES" && ls *.txt *.html) >list &&
	test "$(grep -c "" list)" -gt 60 &&
	for lang in en $(cd "$TEST_DIR/../po" && ls *.po | sed "s/\.po\$//"); do
		for file in $(grep -v "^_" list); do
			test-template render "$TEMPLATES" "$lang" "$file" \
				community_name=Kring >out &&
			test -s out || { echo "$lang $file"; return 1; }
		done || return 1
	done
'

# The kinds of mail: each renders in every language from the values of
# its kind, with every list full and with every list empty.  A member's
# text may hold markup: escaped in .html, as it is in .txt.
EVIL='Eve <script>alert(1)</script> & "quotes"'
EVIL_HTML='Eve &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;'
KINDS='newsletter thanks feedback sla confirm refused welcome goodbye help
settings member-note invite application decision'

# Render template $2 of language $1 with the values every kind gets and
# then the rest of the arguments.  "empty" is the least each kind is
# sent with: a thank-you note, a feedback digest and an alert name one
# post at least (with none there is no mail), the newsletter may have
# nothing to report.
render_kind() {
	lang=$1 name=$2
	shift 2
	test-template render "$TEMPLATES" "$lang" "$name" \
		community_name=Kring subject="Subject $EVIL" \
		unsubscribe_url='https://example.net/u?t=abc&l=1' \
		lang="$lang" "$@"
}

full_newsletter() {
	render_kind "$1" "$2" greeting_name="$EVIL" \
		period_from=2026-10-27 period_until=2026-11-09 posts=412 \
		members=97 staff_posts=88 new_members=14 \
		sla_promise_hours=24 sla_answered=131 sla_median='3.5 h' \
		sla_within_pct=87 sla_within=131 sla_due=150 \
		sla_member_posts=324 sla_unanswered=3 sla_overdue=2 \
		@days date=2026-10-27 posts=30 members=21 bar=58 \
			bar_text='##############' @ \
		@days date=2026-10-28 posts=52 members=30 bar=100 \
			bar_text='#########################' @ \
		@days date=2026-10-29 posts=5 members=1 bar=10 bar_text='##' @ \
		@days_chart cid=days_chart.1@kring.test width=600 height=250 @ \
		@sla_times from=0 to=4 posts=90 within=true @ \
		@sla_times from=48 to=52 posts=5 over=true @ \
		@sla_chart cid=sla_chart.2@kring.test width=600 height=290 @ \
		@threads_chart cid=threads_chart.3@kring.test width=600 height=106 @ \
		@topics title='Alpha <b>one</b>' owner="$EVIL" responses=48 \
			bar=100 bar_text='##########' status=in-progress \
			status_in_progress=true @ \
		@topics title=Bravo owner=Kilo responses=12 bar=25 \
			bar_text='###' status=open status_open=true @ \
		@quiet_topics title=Charlie responses=0 age_days=12 @ \
		@quiet_topics title=Delta responses=1 age_days=9 @ \
		@threads subject="$EVIL" posts=17 participants=6 \
			last=2026-11-07 @ \
		@threads subject=Echo posts=9 participants=4 last=2026-11-08 @ \
		@sla_open subject=Foxtrot author="$EVIL" age_hours=31 @ \
		@sla_open subject=Golf author=Lima age_hours=27 @ \
		@active_members name="$EVIL" posts=23 @ \
		@active_members name=Mike posts=17 @ \
		@summaries title=Hotel text='Summary Hotel.' \
			html='<p>Summary <em>Hotel</em>.</p>' @ \
		@outcomes title=India text='Outcome India.' \
			html='<p>Outcome <strong>India</strong>.</p>' \
			status=implemented status_implemented=true @ \
		@outcomes title=Juliett text='Outcome Juliett.' \
			html='<p>Outcome Juliett.</p>' status=declined \
			status_declined=true @ \
		@quotes author="$EVIL" subject=Oscar text='Quote Papa.' @ \
		@quotes author=November subject="$EVIL" text='Quote Quebec.' @
}

empty_newsletter() {
	render_kind "$1" "$2" \
		period_from=2026-10-27 period_until=2026-11-09 posts=0 \
		members=0 staff_posts=0 new_members=0 \
		sla_promise_hours=24 sla_answered=0 sla_median='-' \
		sla_within_pct=100 sla_unanswered=0
}

full_thanks() {
	render_kind "$1" "$2" greeting_name="$EVIL" \
		period_from=2026-10-27 period_until=2026-11-09 posts_count=3 \
		@topics title="$EVIL" status=open status_open=true @ \
		@topics title=Romeo status=summarised status_summarised=true @ \
		@topics title=Uniform status=implemented status_implemented=true \
			outcome_text='Outcome Uniform.
Second line.' outcome_html='<p>Outcome Uniform.<br>
Second line.</p>' @ \
		@topics title=Victor status=in-progress status_in_progress=true \
			outcome_text='Outcome Victor.' \
			outcome_html='<p>Outcome Victor.</p>' @ \
		@posts subject="$EVIL" date=2026-10-28 @ \
		@posts subject=Sierra date=2026-10-30 @ \
		@posts subject=Tango date=2026-11-02 @ \
		@outcomes title=Uniform text='Outcome Uniform.
Second line.' status=implemented status_implemented=true @ \
		@outcomes title=Victor text='Outcome Victor.' \
			status=in-progress status_in_progress=true @
}

empty_thanks() {
	render_kind "$1" "$2" \
		period_from=2026-10-27 period_until=2026-11-09 posts_count=1 \
		@posts subject=Sierra date=2026-10-30 @
}

full_feedback() {
	render_kind "$1" "$2" greeting_name="$EVIL" topic_title="$EVIL" \
		status=implemented status_implemented=true \
		question_text='Question Whiskey?' \
		question_html='<p>Question <strong>Whiskey</strong>?</p>' \
		summary_text='Summary X-ray.' \
		summary_html='<p>Summary <em>X-ray</em>.</p>' \
		outcome_text='Outcome Yankee.' \
		outcome_html='<ul><li>Outcome Yankee.</li></ul>' \
		@posts subject=Zulu date=2026-10-28 excerpt="$EVIL" @ \
		@posts subject=Alpha date=2026-10-30 excerpt='Excerpt Bravo.' @
}

empty_feedback() {
	render_kind "$1" "$2" topic_title=Whiskey \
		status=declined status_declined=true \
		question_text='Question Whiskey?' \
		question_html='<p>Question Whiskey?</p>' \
		outcome_text='Outcome Yankee.' outcome_html='<p>Outcome Yankee.</p>' \
		@posts subject=Zulu date=2026-10-28 @
}

full_sla() {
	render_kind "$1" "$2" greeting_name="$EVIL" promise_hours=24 count=3 \
		@posts subject="$EVIL" author=Alpha date=2026-11-08 \
			age_hours=31 @ \
		@posts subject=Bravo author="$EVIL" date=2026-11-08 \
			age_hours=26 @
}

empty_sla() {
	render_kind "$1" "$2" promise_hours=24 count=1 \
		@posts subject=Bravo author=Alpha date=2026-11-08 age_hours=26 @
}

full_confirm() {
	render_kind "$1" "$2" greeting_name="$EVIL" action_join=true \
		confirm_address='kring+confirm-4f2a@example.net' expires_hours=48
}

empty_confirm() {
	render_kind "$1" "$2" action_leave=true \
		confirm_address='kring+confirm-4f2a@example.net' expires_hours=48
}

full_refused() {
	render_kind "$1" "$2" greeting_name="$EVIL" original_subject="$EVIL" \
		reason_text='Reason Charlie.' help_text='Help Delta.'
}

empty_refused() {
	render_kind "$1" "$2" reason_text='Reason Charlie.'
}

# The command addresses, as membership.c sets them.
CMDS="list_address=kring@example.net"
for c in subscribe unsubscribe help settings each digest nomail name \
    lang-en lang-nl; do
	CMDS="$CMDS cmd_$(echo $c | tr - _)=kring+$c@example.net"
done

full_welcome() {
	render_kind "$1" "$2" greeting_name="$EVIL" address=ann@example.net \
		is_member=true mode_each=true $CMDS
}

empty_welcome() {
	render_kind "$1" "$2" address=ann@example.net is_member=true \
		mode_nomail=true $CMDS
}

full_goodbye() {
	render_kind "$1" "$2" greeting_name="$EVIL" address=ann@example.net \
		not_member=true $CMDS
}

empty_goodbye() {
	render_kind "$1" "$2" address=ann@example.net not_member=true $CMDS
}

full_help() {
	render_kind "$1" "$2" greeting_name="$EVIL" unknown_command="$EVIL" \
		is_member=true mode_digest=true $CMDS
}

empty_help() {
	render_kind "$1" "$2" not_member=true closed=true $CMDS
}

full_settings() {
	render_kind "$1" "$2" greeting_name="$EVIL" display_name="$EVIL" \
		address=ann@example.net is_member=true mode_each=true \
		lang_$1=true joined=2026-11-02 changed=true changed_name=true \
		$CMDS
}

empty_settings() {
	render_kind "$1" "$2" address=ann@example.net is_member=true \
		mode_nomail=true lang_$1=true $CMDS
}

full_member_note() {
	render_kind "$1" "$2" greeting_name="$EVIL" note_name_bad=true $CMDS
}

empty_member_note() {
	render_kind "$1" "$2" not_member=true note_token_expired=true $CMDS
}

full_invite() {
	render_kind "$1" "$2" greeting_name="$EVIL" action_invite=true \
		confirm_address='kring+confirm-4f2a@example.net' expires_hours=72
}

empty_invite() {
	render_kind "$1" "$2" action_invite=true \
		confirm_address='kring+confirm-4f2a@example.net' expires_hours=72
}

DECIDE="approve_address=kring+approve-7-a1b2@example.net
reject_address=kring+reject-7-c3d4@example.net"

full_application() {
	render_kind "$1" "$2" greeting_name="$EVIL" applicant_name="$EVIL" \
		applicant_address=ann@example.net $DECIDE expires_days=14 \
		community=kring to_staff=true
}

empty_application() {
	render_kind "$1" "$2" applicant_address=ann@example.net $DECIDE \
		expires_days=14 community=kring to_staff=true
}

full_decision() {
	render_kind "$1" "$2" greeting_name="$EVIL" \
		applicant_address=ann@example.net approved=true to_staff=true
}

empty_decision() {
	render_kind "$1" "$2" not_staff=true not_member=true
}

# Whether the text of FILE (tags dropped) is in language $1 and not in
# the other: a few common words of each, none in the values above.
is_lang() {
	sed -e 's/<[^>]*>/ /g' "$2" >words &&
	case $1 in
	en)	grep -q -w -i "the\|you\|your" words &&
		! grep -w "de\|het\|een\|je\|jij\|van\|niet\|geen" words ;;
	nl)	grep -q -w "de\|het\|een\|je\|van" words &&
		! grep -w -i "the\|you\|your\|and\|with\|none" words ;;
	esac
}

# Every heading of text rendering $1 (a line of capitals, or a line
# ending in ":") is followed by content before the next heading or the
# signature.
txt_headings_filled() {
	awk '
	function heading(s) {
		return s ~ /^[A-Z][A-Z ]+[A-Z]( \(.*\))?$/ || s ~ /^[A-Z].*:$/
	}
	/^[ \t]*$/ { next }
	{
		if (open && (heading($0) || $0 == "-- ")) {
			print "empty heading: " head
			bad = 1
		}
		open = heading($0)
		if (open)
			head = $0
	}
	END { if (open) { print "empty heading at the end: " head; bad = 1 }
	      exit bad }' "$1"
}

# The text of HTML rendering $1, a line each for its parts, headings
# (h1, h2) marked "#H# "; and every heading followed by content.
html_text() {
	sed -e "s/<h[12][^>]*>/\\
#H# /g" -e "s/<\\/h[12]>/\\
/g" "$1" | sed -e "s/<[^>]*>//g" -e "s/&nbsp;//g" \
		-e "s/^[ 	]*//" -e "s/[ 	]*$//" | grep -v "^$"
}

html_headings_filled() {
	html_text "$1" >flat &&
	awk '
	{
		if (open && /^#H# /) {
			print "empty heading: " head
			bad = 1
		}
		open = /^#H# /
		if (open)
			head = $0
	}
	END { exit bad }' flat
}

# Expect $2 occurrences of string $1 in file $3.
count_is() {
	n=$(grep -o -F "$1" "$3" | wc -l) &&
	test "$n" -eq "$2" || test_fail "$3: $n times, not $2: $1"
}

test_expect_success 'every kind renders in en and nl, full and empty' '
	for kind in $KINDS; do
		for lang in en nl; do
			for file in $kind.txt $kind.html $kind-subject.txt; do
				fn=$(echo $kind | tr - _) &&
				full_$fn $lang $file >full.$lang.$file &&
				empty_$fn $lang $file >empty.$lang.$file &&
				test -s full.$lang.$file &&
				test -s empty.$lang.$file || return 1
			done
		done
	done
'

test_expect_success 'subjects are one line, in the language' '
	for f in full.*-subject.txt empty.*-subject.txt; do
		test "$(grep -c "" $f)" -eq 1 &&
		test "$(wc -c <$f)" -gt 12 || test_fail "$f: not one line"
	done &&
	cat >expect <<-EOF &&
	Kring newsletter 2026-10-27 – 2026-11-09: 412 posts from 97 members
	Thank you for your input in Kring, $EVIL
	Your input on “$EVIL”: implemented
	Kring: 3 member posts unanswered for more than 24 h
	Confirm that you want to join Kring
	Not carried out: $EVIL
	Welcome to Kring
	You have left Kring
	Not understood: “$EVIL” – how Kring works by email
	Done: your settings in Kring
	Kring: this name cannot be used
	You are invited to join Kring
	Kring: ann@example.net asks to join
	Kring: ann@example.net is admitted
	Nieuwsbrief Kring 2026-10-27 – 2026-11-09: 412 berichten van 97 leden
	Bedankt voor je inbreng in Kring, $EVIL
	Je inbreng over “$EVIL”: doorgevoerd
	Kring: 3 berichten van leden onbeantwoord na meer dan 24 uur
	Bevestig je aanmelding bij Kring
	Niet uitgevoerd: $EVIL
	Welkom bij Kring
	Je bent afgemeld bij Kring
	Niet begrepen: “$EVIL” – zo werkt Kring per e-mail
	Gedaan: je instellingen bij Kring
	Kring: deze naam kan niet
	Je bent uitgenodigd voor Kring
	Kring: ann@example.net wil lid worden
	Kring: ann@example.net is toegelaten
	Kring newsletter 2026-10-27 – 2026-11-09: 0 posts from 0 members
	Thank you for your input in Kring
	Your input on “Whiskey”: declined
	Kring: 1 member post unanswered for more than 24 h
	Confirm that you want to leave Kring
	Not carried out: your email without a subject
	Welcome to Kring
	You have left Kring
	How Kring works by email
	Your settings in Kring
	Kring: this confirmation has expired
	You are invited to join Kring
	Kring: ann@example.net asks to join
	Kring: only staff decide on requests to join
	Nieuwsbrief Kring 2026-10-27 – 2026-11-09: 0 berichten van 0 leden
	Bedankt voor je inbreng in Kring
	Je inbreng over “Whiskey”: niet doorgevoerd
	Kring: 1 bericht van leden onbeantwoord na meer dan 24 uur
	Bevestig je afmelding bij Kring
	Niet uitgevoerd: je e-mail zonder onderwerp
	Welkom bij Kring
	Je bent afgemeld bij Kring
	Zo werkt Kring per e-mail
	Je instellingen bij Kring
	Kring: deze bevestiging is verlopen
	Je bent uitgenodigd voor Kring
	Kring: ann@example.net wil lid worden
	Kring: alleen het team beslist over verzoeken
	EOF
	for set in full empty; do
		for lang in en nl; do
			for kind in $KINDS; do
				cat $set.$lang.$kind-subject.txt || return 1
			done
		done
	done >actual &&
	test_cmp expect actual
'

test_expect_success 'the status label of each code, in each language' '
	for lang in en nl; do
		for status in open summarised in_progress implemented \
		    declined; do
			render_kind $lang feedback-subject.txt topic_title=T \
				status_$status=true || return 1
			render_kind $lang _status.html status_$status=true |
				sed -n "s/.*>\\([a-z ]*\\)<\\/span>.*/(\\1)/p" ||
				return 1
		done &&
		render_kind $lang feedback-subject.txt topic_title=T \
			status=merged || return 1
	done >actual &&
	cat >expect <<-\EOF &&
	Your input on “T”: open
	(open)
	Your input on “T”: summarised
	(summarised)
	Your input on “T”: in progress
	(in progress)
	Your input on “T”: implemented
	(implemented)
	Your input on “T”: declined
	(declined)
	Your input on “T”: merged
	Je inbreng over “T”: open
	(open)
	Je inbreng over “T”: samengevat
	(samengevat)
	Je inbreng over “T”: in behandeling
	(in behandeling)
	Je inbreng over “T”: doorgevoerd
	(doorgevoerd)
	Je inbreng over “T”: niet doorgevoerd
	(niet doorgevoerd)
	Je inbreng over “T”: merged
	EOF
	test_cmp expect actual &&
	test "$(tail -c 1 "$TEMPLATES/_status.txt")" = "}"
'

test_expect_success 'every rendering is in its language, with no tag left' '
	for f in full.* empty.*; do
		case $f in
		*-subject.txt) continue ;;
		*.en.*) is_lang en $f ;;
		*.nl.*) is_lang nl $f ;;
		esac || test_fail "$f: not in its language" || return 1
	done &&
	! grep "{{\|}}" full.* empty.* &&
	grep "<html lang=\"en\">" full.en.thanks.html &&
	grep "<html lang=\"nl\">" full.nl.thanks.html
'

test_expect_success 'member text is escaped in .html, as it is in .txt' '
	! grep -F "<script" full.*.html empty.*.html &&
	! grep -F "\"quotes\"" full.*.html &&
	for lang in en nl; do
		count_is "$EVIL" 7 full.$lang.newsletter.txt &&
		# one of them in the alt text of the threads picture
		count_is "$EVIL_HTML" 9 full.$lang.newsletter.html &&
		count_is "$EVIL" 3 full.$lang.thanks.txt &&
		count_is "$EVIL_HTML" 4 full.$lang.thanks.html &&
		count_is "$EVIL" 3 full.$lang.feedback.txt &&
		count_is "$EVIL_HTML" 4 full.$lang.feedback.html &&
		count_is "$EVIL" 3 full.$lang.sla.txt &&
		count_is "$EVIL_HTML" 4 full.$lang.sla.html &&
		count_is "$EVIL" 1 full.$lang.confirm.txt &&
		count_is "$EVIL_HTML" 2 full.$lang.confirm.html &&
		count_is "$EVIL" 2 full.$lang.refused.txt &&
		count_is "$EVIL_HTML" 3 full.$lang.refused.html &&
		count_is "$EVIL" 1 full.$lang.welcome.txt &&
		count_is "$EVIL_HTML" 2 full.$lang.welcome.html &&
		count_is "$EVIL" 1 full.$lang.goodbye.txt &&
		count_is "$EVIL_HTML" 2 full.$lang.goodbye.html &&
		count_is "$EVIL" 2 full.$lang.help.txt &&
		count_is "$EVIL_HTML" 3 full.$lang.help.html &&
		count_is "$EVIL" 2 full.$lang.settings.txt &&
		count_is "$EVIL_HTML" 3 full.$lang.settings.html &&
		count_is "$EVIL" 1 full.$lang.member-note.txt &&
		count_is "$EVIL_HTML" 3 full.$lang.member-note.html &&
		count_is "$EVIL" 1 full.$lang.invite.txt &&
		count_is "$EVIL_HTML" 2 full.$lang.invite.html &&
		count_is "$EVIL" 2 full.$lang.application.txt &&
		count_is "$EVIL_HTML" 3 full.$lang.application.html &&
		count_is "$EVIL" 1 full.$lang.decision.txt &&
		count_is "$EVIL_HTML" 3 full.$lang.decision.html &&
		grep -F "<title>Subject $EVIL_HTML</title>" \
			full.$lang.sla.html &&
		grep -F "Alpha &lt;b&gt;one&lt;/b&gt;" \
			full.$lang.newsletter.html &&
		grep -F "<p>Summary <em>Hotel</em>.</p>" \
			full.$lang.newsletter.html &&
		grep -F "<p>Outcome <strong>India</strong>.</p>" \
			full.$lang.newsletter.html &&
		grep -F "<p>Question <strong>Whiskey</strong>?</p>" \
			full.$lang.feedback.html &&
		grep -F "<p>Summary <em>X-ray</em>.</p>" \
			full.$lang.feedback.html &&
		grep -F "<ul><li>Outcome Yankee.</li></ul>" \
			full.$lang.feedback.html || return 1
	done
'

test_expect_success 'member mail: the commands each reader can use' '
	for lang in en nl; do
		grep -o "kring[+a-z-]*@example.net" full.$lang.help.txt |
			sort -u >member.cmds &&
		grep -o "kring[+a-z-]*@example.net" empty.$lang.help.txt |
			sort -u >newcomer.cmds &&
		test "$(wc -l <member.cmds)" -eq 10 &&
		! grep "+subscribe@" member.cmds &&
		printf "%s\n" kring+help@example.net \
			kring+subscribe@example.net >expect &&
		test_cmp expect newcomer.cmds &&
		test "$(grep -o "mailto:kring[+a-z-]*@" full.$lang.help.html |
			sort -u | wc -l)" -eq 10 || return 1
	done &&
	grep -x "  Delivery       each post by email" full.en.settings.txt &&
	grep -x "  Bezorging      geen berichten per e-mail" \
		empty.nl.settings.txt &&
	grep -x "  Name           the one your email program sends" \
		empty.en.settings.txt &&
	grep -x "  Taal           Nederlands" empty.nl.settings.txt &&
	grep -x "  Language       English" empty.en.settings.txt &&
	grep -x "  Member since   2026-11-02" full.en.settings.txt &&
	! grep "Member since\|Lid sinds" empty.en.settings.txt \
		empty.nl.settings.txt &&
	grep -x "Done: the name shown for you is changed." full.en.settings.txt &&
	! grep "Done\|Gedaan" empty.en.settings.txt empty.nl.settings.txt
'

test_expect_success 'member mail: each note says its own thing, in each language' '
	for lang in en nl; do
		for flag in already_member not_member applied rejected \
		    name_bad token_expired token_used token_forged \
		    token_malformed token_other; do
			render_kind $lang member-note-subject.txt \
				note_$flag=true $CMDS >>subjects.$lang &&
			render_kind $lang member-note.txt note_$flag=true \
				$CMDS >note.txt &&
			sed -n "4,/^\(For everything\|Alles wat\)/p" note.txt |
				grep -v "^$" | sed "\$d" >para &&
			test -s para &&
			cat para >>paras.$lang &&
			echo >>paras.$lang || return 1
		done &&
		test "$(grep -c "" subjects.$lang)" -eq 10 &&
		test "$(sort -u subjects.$lang | wc -l)" -eq 8 &&
		test "$(grep -c "^$" paras.$lang)" -eq 10 &&
		is_lang $lang paras.$lang || return 1
	done &&
	grep "^Your request to join Kring was not accepted$" subjects.en &&
	grep "^Je verzoek om lid te worden van Kring ligt bij het team$" \
		subjects.nl
'

test_expect_success 'the footer says why the reader gets the mail' '
	grep -x "You get this email in answer to a request for this address at" \
		full.en.goodbye.txt &&
	grep -x "Je krijgt deze e-mail omdat je bent uitgenodigd voor" \
		full.nl.invite.txt &&
	grep "because you were invited to join Kring\." full.en.invite.html &&
	grep -x "You get this email because you are a member of Kring." \
		full.en.welcome.txt &&
	grep "omdat iemand zich met dit adres wil aanmelden" \
		full.nl.confirm.html &&
	grep -x "You get this email as staff of Kring." full.en.application.txt &&
	grep "als teamlid van Kring\." full.nl.decision.html &&
	grep -x "You get this email in answer to a request for this address at" \
		empty.en.decision.txt
'

test_expect_success 'the application: both addresses, the days, the commands' '
	for lang in en nl; do
		f=full.$lang.application.txt &&
		grep -x "  kring+approve-7-a1b2@example.net" $f &&
		grep -x "  kring+reject-7-c3d4@example.net" $f &&
		grep -x "  kring member --community kring approve ann@example.net --send" $f &&
		grep "mailto:kring+approve-7-a1b2@example.net" \
			full.$lang.application.html &&
		grep "mailto:kring+reject-7-c3d4@example.net" \
			full.$lang.application.html &&
		grep -w 14 $f || return 1
	done &&
	grep -F "$EVIL <ann@example.net> asks to join" full.en.application.txt &&
	grep -x "ann@example.net asks to join Kring." empty.en.application.txt
'

test_expect_success 'no heading without content, full or empty' '
	for f in full.*.txt empty.*.txt; do
		case $f in *-subject.txt) continue ;; esac
		txt_headings_filled $f || test_fail "$f" || return 1
	done &&
	for f in full.*.html empty.*.html; do
		html_headings_filled $f || test_fail "$f" || return 1
	done
'

test_expect_success 'newsletter.txt: numbers, charts and every list' '
	f=full.en.newsletter.txt &&
	grep "^COMMUNITY NEWSLETTER 2026-10-27 – 2026-11-09$" $f &&
	grep "^  Member posts  *412$" $f &&
	grep "^  Members who posted  *97$" $f &&
	grep "^  Staff posts  *88$" $f &&
	grep "^  First-time posters  *14$" $f &&
	grep "^STAFF ANSWERS TO MEMBER POSTS (our promise: within 24 h)$" $f &&
	grep "^  Within the promise  *87% (131 of 150 due)$" $f &&
	grep "^PAST THE PROMISE, STILL WITHOUT A STAFF ANSWER (2)$" $f &&
	grep "^  Posts answered  *131$" $f &&
	grep "^  Median answer time  *3.5 h$" $f &&
	grep "^  Still unanswered  *3$" $f &&
	grep "^2026-10-28 #########################  52 posts, 30 members$" $f &&
	grep "^2026-10-29 ##  5 posts, 1 member$" $f &&
	grep -x "  Answer times" $f &&
	grep -x "    0–4 h: 90" $f &&
	grep -x "    more than 48 h: 5" $f &&
	grep -F -x -e "- Alpha <b>one</b> (in progress), by $EVIL" $f &&
	grep -x "  ##########  48" $f &&
	grep -x -- "- Bravo (open), by Kilo" $f &&
	grep -x "  responses: 1, days open: 9" $f &&
	grep -x "  member posts: 9, members: 4, last post: 2026-11-08" $f &&
	grep -F -x "  by $EVIL, waiting 31 h" $f &&
	grep -x -- "- Mike: 17" $f &&
	grep -x "\\* India (implemented)" $f &&
	grep -x "\\* Juliett (declined)" $f &&
	grep -x "Summary Hotel\\." $f &&
	grep -F -x "  November, in \"$EVIL\"" $f &&
	! grep "^None\\|^No .* in this period" $f &&
	f=full.nl.newsletter.txt &&
	grep "^NIEUWSBRIEF VAN DE COMMUNITY 2026-10-27 – 2026-11-09$" $f &&
	grep "^  Berichten van leden  *412$" $f &&
	grep "^  Op tijd beantwoord  *87% (131 van de 150 die al een antwoord moesten hebben)$" $f &&
	grep "^2026-10-28 #########################  52 berichten, 30 leden$" $f &&
	grep "^2026-10-29 ##  5 berichten, 1 lid$" $f &&
	grep -x "    0–4 uur: 90" $f &&
	grep -x "    meer dan 48 uur: 5" $f &&
	grep -F -x -e "- Alpha <b>one</b> (in behandeling), van $EVIL" $f &&
	grep -F -x "  van $EVIL, wacht al 31 uur" $f &&
	grep -x "\\* Juliett (niet doorgevoerd)" $f &&
	! grep "^Geen" $f
'

test_expect_success 'newsletter with every list empty: no empty section, no figure of nothing' '
	for f in empty.en.newsletter.txt empty.nl.newsletter.txt; do
		sed -n "/^[A-Z][A-Z ]*[A-Z]\( (.*)\)\?\$/p" $f >headings &&
		test "$(grep -c "" headings)" -eq 2 || return 1
	done &&
	grep -x "No member posts in this period: nothing to answer\." \
		empty.en.newsletter.txt &&
	html_text empty.en.newsletter.html |
		grep -x "No member posts in this period: nothing to answer\." &&
	grep -x "Geen berichten van leden in deze periode: niets te beantwoorden\." \
		empty.nl.newsletter.txt &&
	! grep "%\|Median\|QUIET\|POSTS PER DAY\|None\|^2026" \
		empty.en.newsletter.txt &&
	! grep "%</strong>\|median answer" empty.en.newsletter.html &&
	! grep "^[-*] \|#" empty.en.newsletter.txt empty.nl.newsletter.txt &&
	! grep "<h3\|bgcolor=\"#1a5fb4\"" empty.en.newsletter.html &&
	grep "Hello,$" empty.en.newsletter.txt &&
	grep "^Here is how Kring did in this period, at a glance\.$" \
		empty.en.newsletter.html &&
	grep -x "Zo ging het in deze periode in Kring, in één oogopslag\." \
		empty.nl.newsletter.txt
'

test_expect_success 'newsletter.html: tiles, bars as table cells, pictures, lists' '
	for lang in en nl; do
		f=full.$lang.newsletter.html &&
		grep ">412</div>" $f &&
		grep ">3.5 h</div>" $f &&
		grep "<td width=\"87%\" height=\"14\" bgcolor=\"#2e7d46\" style=\"width:87%;" $f &&
		count_is "bgcolor=\"#1a5fb4\"" 2 $f &&
		count_is "<h3 " 3 $f &&
		count_is "<img src=\"cid:" 3 $f &&
		grep "<img src=\"cid:days_chart.1@kring.test\" width=\"600\" height=\"250\" alt=\"[^\"]*2026-10-29: 5 [a-z]*, 1 [a-z]*\. \" style=\"display:block;width:100%;max-width:600px;height:auto;border:0;\">" $f &&
		grep "<img src=\"cid:sla_chart.2@kring.test\" [^>]*alt=\"[^\"]*: 90\. [^\"0-9]*48 [^\"]*: 5\. [^\"]*87% (131 [^\"]*150[^\"]*)\.\"" $f &&
		grep "<img src=\"cid:threads_chart.3@kring.test\" [^>]*alt=\"[^\"]*: 17\. Echo: 9\. \"" $f &&
		! grep "<svg\\|<style" $f || return 1
	done &&
	grep ">in progress</span>" full.en.newsletter.html &&
	grep ">in behandeling</span>" full.nl.newsletter.html &&
	grep ">Busiest threads</h2>" full.en.newsletter.html &&
	grep ">Drukste gesprekken</h2>" full.nl.newsletter.html
'

test_expect_success 'thanks: posts, topics and what came of each; no empty section' '
	cat >expect <<-EOF &&
	Kring

	Hello $EVIL,

	Thank you for taking part in Kring from 2026-10-27
	to 2026-11-09. Your questions, ideas and experiences help other
	members, and they show us what we can do better. We read every post.

	Your 3 posts:
	- 2026-10-28  $EVIL
	- 2026-10-30  Sierra
	- 2026-11-02  Tango

	The 4 topics you took part in, and what came of them:

	* $EVIL (open)
	  No decision yet: we will let you know when there is news.

	* Romeo (summarised)
	  We have summarised what we heard; the decision follows.

	* Uniform (implemented)
	Outcome Uniform.
	Second line.

	* Victor (in progress)
	Outcome Victor.

	Thank you again, and see you soon in Kring.

	Warm regards,
	The Kring team

	-- 
	You get this email because you are a member of Kring.
	Unsubscribe: https://example.net/u?t=abc&l=1
	EOF
	test_cmp expect full.en.thanks.txt &&
	grep -x "Your post:" empty.en.thanks.txt &&
	grep -x "Je bericht:" empty.nl.thanks.txt &&
	grep -x "Je 3 berichten:" full.nl.thanks.txt &&
	grep -x "De 4 onderwerpen waarin je meepraatte, en wat ermee gebeurd is:" \
		full.nl.thanks.txt &&
	! grep -i "topic\|none\|nothing" empty.en.thanks.txt &&
	! grep -i "onderwerp\|geen" empty.nl.thanks.txt &&
	grep -x "\* Uniform (doorgevoerd)" full.nl.thanks.txt &&
	grep "^Hoi $EVIL,$" full.nl.thanks.txt &&
	grep "^Hallo,$" empty.nl.thanks.txt &&
	grep -F ">Bedankt, $EVIL_HTML!</h1>" full.nl.thanks.html &&
	grep ">Bedankt!</h1>" empty.nl.thanks.html &&
	grep -F "<p>Outcome Uniform.<br>" full.en.thanks.html &&
	grep ">Your 3 posts</h2>" full.en.thanks.html &&
	grep ">Your post</h2>" empty.en.thanks.html &&
	! grep ">in progress</span>\|<h2[^>]*>The" empty.en.thanks.html
'

test_expect_success 'feedback: question, summary, outcome, own posts' '
	for lang in en nl; do
		grep -x "Question Whiskey?" full.$lang.feedback.txt &&
		grep -x "Summary X-ray\\." full.$lang.feedback.txt &&
		grep -x "Outcome Yankee\\." full.$lang.feedback.txt &&
		grep -F -x "  “$EVIL”" full.$lang.feedback.txt &&
		grep -x -- "- 2026-10-30  Alpha" full.$lang.feedback.txt &&
		! grep "X-ray" empty.$lang.feedback.txt empty.$lang.feedback.html &&
		grep "“Excerpt Bravo.”" full.$lang.feedback.txt || return 1
	done &&
	grep -x "Status: implemented" full.en.feedback.txt &&
	grep -x "Status: niet doorgevoerd" empty.nl.feedback.txt &&
	grep -x "What we heard:" full.en.feedback.txt &&
	! grep "What we heard" empty.en.feedback.txt empty.en.feedback.html &&
	grep -x "Your post in this topic:" empty.en.feedback.txt &&
	grep -x "Your 2 posts in this topic:" full.en.feedback.txt &&
	grep -x "Je bericht in dit onderwerp:" empty.nl.feedback.txt &&
	grep -x "Je 2 berichten in dit onderwerp:" full.nl.feedback.txt &&
	html_text full.nl.feedback.html | grep -x "#H# Je 2 berichten in dit onderwerp" &&
	! grep -x "None\\.\\|Geen\\." empty.*.feedback.txt &&
	grep "helped make this happen" full.en.feedback.txt &&
	grep "not the answer everyone hoped for" empty.en.feedback.html &&
	grep "heeft meegewogen in het besluit" empty.nl.feedback.txt &&
	grep ">doorgevoerd</span>" full.nl.feedback.html &&
	grep -F ">$EVIL_HTML</div>" full.en.feedback.html
'

test_expect_success 'sla: the waiting posts, in the singular for one' '
	grep -F -x -- "- $EVIL" full.en.sla.txt &&
	grep -x "  by Alpha on 2026-11-08, waiting 31 h" full.en.sla.txt &&
	grep -F -x "  van $EVIL op 2026-11-08, wacht al 26 uur" full.nl.sla.txt &&
	grep -x "These 3 member posts have waited longer than our promise of" \
		full.en.sla.txt &&
	grep -x "This member post has waited longer than our promise of" \
		empty.en.sla.txt &&
	grep "pick$" empty.en.sla.txt && grep -x "it up?" empty.en.sla.txt &&
	grep -x "Deze 3 berichten van leden wachten langer dan de beloofde" \
		full.nl.sla.txt &&
	grep -x "Dit bericht van een lid wacht langer dan de beloofde" \
		empty.nl.sla.txt &&
	grep -x "een collega het oppakken?" empty.nl.sla.txt &&
	! grep "None\|Geen" empty.*.sla.txt &&
	grep "font-weight:bold;color:#a51d2d;\">3</td>" full.en.sla.html &&
	grep ">member posts unanswered for more than 24 h" full.en.sla.html &&
	grep ">member post unanswered for more than 24 h" empty.en.sla.html &&
	grep ">bericht van leden na meer dan 24 uur" empty.nl.sla.html &&
	grep ">26 uur</td>" full.nl.sla.html
'

test_expect_success 'confirm: join or leave, the address and the time' '
	grep "asked to join Kring with this" full.en.confirm.txt &&
	grep "someone asked to join Kring" full.en.confirm.txt &&
	! grep "member of Kring" full.en.confirm.txt full.en.confirm.html &&
	grep "take this email address off" empty.en.confirm.txt &&
	grep "member of Kring" empty.en.confirm.txt &&
	grep -x "Please do this within 48 hours\\." full.en.confirm.txt &&
	grep "aanmelden bij$" full.nl.confirm.txt &&
	grep "iemand zich met dit adres wil aanmelden" full.nl.confirm.html &&
	grep "afmelden bij$" empty.nl.confirm.txt &&
	grep -x "Doe dit binnen 48 uur\\." empty.nl.confirm.txt &&
	for f in full.*.confirm.txt; do
		grep "kring+confirm-4f2a@example.net\\.$" $f || return 1
	done &&
	grep "href=\"mailto:kring+confirm-4f2a@example.net\"" \
		full.en.confirm.html full.nl.confirm.html &&
	grep ">Bevestig je afmelding</h1>" empty.nl.confirm.html &&
	! grep "Bevestig je verzoek" full.nl.confirm.* empty.nl.confirm.*
'

test_expect_success 'refused: the subject, the reason, the help if any' '
	grep -F -x "Kring did not carry out your email “$EVIL”." \
		full.en.refused.txt &&
	grep -x "Kring did not carry out your email without a subject\\." \
		empty.en.refused.txt &&
	grep -F -x "Kring heeft je e-mail “$EVIL” niet uitgevoerd." \
		full.nl.refused.txt &&
	for lang in en nl; do
		grep -x "Reason Charlie\\." full.$lang.refused.txt &&
		grep -x "Reason Charlie\\." empty.$lang.refused.txt &&
		grep -x "Help Delta\\." full.$lang.refused.txt &&
		grep "pre-line;\">Help Delta.</p>" full.$lang.refused.html &&
		! grep "Delta" empty.$lang.refused.txt \
			empty.$lang.refused.html || return 1
	done &&
	grep -x "How to do it:" full.en.refused.txt &&
	grep -x "Zo doe je het wel:" full.nl.refused.txt &&
	! grep "How to do it" empty.en.refused.html
'

# list-footer.txt: the values one community's copies share.
render_footer() {	# render_footer LANG [post_community=NAME]
	test-template render "$TEMPLATES" "$1" list-footer.txt \
		community_name=Local list_address=local@example.org \
		cmd_unsubscribe=local+unsubscribe@example.org \
		cmd_help=local+help@example.org \
		cmd_settings=local+settings@example.org ${2:+"$2"}
}

test_expect_success 'list-footer.txt: whose post, whose member, how to leave, in en and nl' '
	render_footer en >own.en &&
	printf -- "-- \nYou get this post as a member of Local.\nTo write to everyone: local@example.org\nYour settings: local+settings@example.org - help: local+help@example.org\nTo leave: local+unsubscribe@example.org\n" >expect &&
	test_cmp expect own.en &&
	render_footer en post_community=Central >parent.en &&
	{ printf -- "-- \nThis post was written to Central; you get it as a member of\nLocal.\n"; tail -n +3 own.en; } >expect &&
	test_cmp expect parent.en &&
	render_footer nl >own.nl &&
	printf -- "-- \nJe krijgt dit bericht als lid van Local.\nIedereen schrijven: local@example.org\nJe instellingen: local+settings@example.org - hulp: local+help@example.org\nAfmelden: local+unsubscribe@example.org\n" >expect &&
	test_cmp expect own.nl &&
	render_footer nl post_community=Central >parent.nl &&
	{ printf -- "-- \nDit bericht is geschreven aan Central; je krijgt het als lid\nvan Local.\n"; tail -n +3 own.nl; } >expect &&
	test_cmp expect parent.nl
'

if command -v xmllint >/dev/null 2>&1; then
test_expect_success 'the HTML of every kind parses cleanly (xmllint --html)' '
	xmllint --html --noout full.*.html empty.*.html 2>errors &&
	test_cmp /dev/null errors
'
else
	test_skip 'xmllint of every kind' 'no xmllint'
fi

test_expect_success 'fuzz-template: the shipped templates and hostile ones' '
	printf "{{#a}}{{#b}}{{/a}}{{/b}}" >cross &&
	printf "{{> t}}{{> t}}{{> _p}}" >self &&
	printf "{{#items}}{{#items}}{{> _p}}{{/items}}{{/items}}" >lists &&
	printf "{{{{{{name}}}}}}{{&}}{{!}}{{^}}{{/}}{{>}}{{" >braces &&
	printf "\\377{{name}}\\000{{a.b.c}}" >bytes &&
	printf "  {{#yes}}  \\r\\n{{.}}\\r\\n  {{/yes}}\\r" >standalone &&
	fuzz-template "$TEMPLATES"/*.txt "$TEMPLATES"/*.html cross self lists braces bytes standalone
'

test_done
