#!/bin/sh
test_description='one layout per mail, the words per language in catalogs

The member-facing templates are language-neutral (templates/NAME) with
their texts marked {{#_}}..{{/_}}, translated by po/LANG.po, which make
compiles into the build'"'"'s templates/LANG/kring.mo.  Checked here:
every converted template renders in en and nl byte for byte as the
per-language templates it replaced did (t/data/t0625-renderings.sha256,
made from those with the same values); po/kring.pot is what the
templates hold and po/nl.po translates all of it; a text a catalog lacks
stays English; an admin'"'"'s per-language file, neutral file and catalog
each win over the shipped ones; translations are escaped as template text
is; a broken catalog is an error naming it; a third language works from
one .po file; make install ships the catalogs.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-catalogs.sh"

TOP=$(cd "$TEST_DIR/.." && pwd)
TEMPLATES=$TOP/templates
PART="$PYTHON $TEST_DIR/helper/mail-part.py"

if ! command -v msgfmt >/dev/null 2>&1; then
	echo "Bail out! no msgfmt: scripts/install-deps installs gettext"
	exit 1
fi

test_expect_success 'every converted template renders in en and nl as before, byte for byte' '
	for lang in en nl; do
		render_sets "$TEMPLATES" $lang | sed "s/^/$lang /" || return 1
	done >renderings &&
	test_cmp "$TEST_DIR/data/t0625-renderings.sha256" renderings
'

test_expect_success 'the converted templates are neutral only: no en/ or nl/ copy is left' '
	for lang in en nl; do
		for f in $(converted_files "$TEMPLATES" $lang); do
			test -f "$TEMPLATES/$f" &&
			! test -e "$TEMPLATES/$lang/$f" || { echo "$lang/$f"; return 1; }
		done || return 1
	done
'

test_expect_success 'po/kring.pot is what the templates hold (make pot)' '
	(cd "$TOP" && KRING_BUILD="$KRING_BUILD" scripts/extract-pot templates) >kring.pot &&
	test_cmp "$TOP/po/kring.pot" kring.pot
'

test_expect_success 'po/nl.po translates every text of the templates, none fuzzy' '
	msgcmp "$TOP/po/nl.po" "$TOP/po/kring.pot" &&
	grep -c "^msgid" "$TOP/po/kring.pot" >count &&
	test $(cat count) -gt 200 &&
	msgattrib --only-fuzzy --no-obsolete "$TOP/po/nl.po" >fuzzy &&
	test_cmp /dev/null fuzzy &&
	msgattrib --untranslated --no-obsolete "$TOP/po/nl.po" >untranslated &&
	test_cmp /dev/null untranslated &&
	test -s "$KRING_BUILD/templates/nl/kring.mo"
'

# A folder of our own: a neutral template, and catalogs made from .po
# files written here.
mkdir -p own/de own/nl
cat >own/t.txt <<\EOF
{{#_}}Hello {{name}},{{/_}}
{{#_}}This text has no translation.{{/_}}
{{#_ menu}}Open{{/_}} {{#_}}Open{{/_}}
EOF
cat >own/t.html <<\EOF
<p>{{#_}}Hello {{name}},{{/_}} {{#_}}<b>{{count}}</b> new{{/_}}</p>
EOF

# po_file LANG MSGID MSGSTR...: a catalog for LANG of these pairs into
# own/LANG/kring.mo.
po_file() {
	lang=$1
	shift
	{
		printf 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n'
		while [ $# -ge 2 ]; do
			printf '\nmsgid "%s"\nmsgstr "%s"\n' "$1" "$2"
			shift 2
		done
	} >"$lang.po" &&
	msgfmt --check -o "own/$lang/kring.mo" "$lang.po"
}

test_expect_success 'a text the catalog lacks stays English; a context is its own text' '
	po_file de "Hello {{name}}," "Hallo {{name}}," &&
	printf "msgctxt \"menu\"\nmsgid \"Open\"\nmsgstr \"Öffnen\"\n" >>de.po &&
	printf "\nmsgid \"Open\"\nmsgstr \"Offen\"\n" >>de.po &&
	msgfmt --check -o own/de/kring.mo de.po &&
	test-template render own de t.txt name=Anna >out &&
	printf "Hallo Anna,\nThis text has no translation.\nÖffnen Offen\n" >expect &&
	test_cmp expect out &&
	test-template render own en t.txt name=Anna >out &&
	printf "Hello Anna,\nThis text has no translation.\nOpen Open\n" >expect &&
	test_cmp expect out
'

test_expect_success 'a translation is template text: its markup stays, its values are escaped' '
	po_file de "Hello {{name}}," "{{name}}, hallo!" \
		"<b>{{count}}</b> new" "<b>{{count}}</b> neu & frisch" &&
	test-template render own de t.html "name=<i>A&B</i>" count=3 >out &&
	echo "<p>&lt;i&gt;A&amp;B&lt;/i&gt;, hallo! <b>3</b> neu & frisch</p>" >expect &&
	test_cmp expect out &&
	test-template render own en t.html "name=<i>A&B</i>" count=3 >out &&
	echo "<p>Hello &lt;i&gt;A&amp;B&lt;/i&gt;, <b>3</b> new</p>" >expect &&
	test_cmp expect out
'

test_expect_success 'a language with neither its templates nor a catalog is an error' '
	test_expect_code 1 test-template render "$TEMPLATES" fr welcome.txt \
		2>err &&
	grep "fr/welcome.txt: no catalog fr/kring.mo (nor fr/welcome.txt) in" err
'

test_expect_success 'an admin'"'"'s nl/NAME wins, and so does a neutral NAME of theirs' '
	mkdir -p admin/nl &&
	echo "Eigen welkom, {{greeting_name}}." >admin/nl/welcome.txt &&
	test-template render "admin:$TEMPLATES" nl welcome.txt \
		greeting_name=Bram >out &&
	echo "Eigen welkom, Bram." >expect &&
	test_cmp expect out &&
	test-template render "admin:$TEMPLATES" en welcome.txt \
		greeting_name=Bram >out &&
	grep "^Hello Bram,$" out &&
	echo "{{#_}}Kind regards,{{/_}} {{greeting_name}}" >admin/goodbye.txt &&
	test-template render "admin:$TEMPLATES" nl goodbye.txt \
		greeting_name=Bram >out &&
	echo "Met vriendelijke groet, Bram" >expect &&
	test_cmp expect out
'

test_expect_success 'an admin'"'"'s catalog needs only the texts it changes' '
	rm -rf admin && mkdir -p admin/nl &&
	printf "msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\\\n\"\n\nmsgid \"Kind regards,\"\nmsgstr \"Hartelijke groet,\"\n" >admin.po &&
	msgfmt --check -o admin/nl/kring.mo admin.po &&
	test-template render "admin:$TEMPLATES" nl welcome.txt \
		community_name=Kring greeting_name=Bram >out &&
	grep "^Hartelijke groet,$" out &&
	grep "^Hallo Bram,$" out &&
	! grep "Met vriendelijke groet" out
'

test_expect_success 'a partial is looked up the same way: a per-language template finds the neutral footer' '
	mkdir -p own2/nl &&
	printf "Hoi\n{{> _footer}}" >own2/nl/x.txt &&
	test-template render "own2:$TEMPLATES" nl x.txt community_name=Kring >out &&
	grep "^Je krijgt deze e-mail omdat je lid bent van Kring\.$" out &&
	test-template render "$TEMPLATES" nl newsletter.txt community_name=Kring \
		to_staff=1 >out &&
	grep "^Je krijgt deze e-mail als teamlid van Kring\.$" out
'

# mo_broken CODE ERROR: own/xx/kring.mo made from the German catalog by
# the Python CODE (d: its bytes), and the render error it gives.
mo_broken() {
	mkdir -p own/xx &&
	printf "import struct\nd = bytearray(open(\"own/de/kring.mo\", \"rb\").read())\n%s\nopen(\"own/xx/kring.mo\", \"wb\").write(d)\n" "$1" >broken.py &&
	"$PYTHON" broken.py &&
	test_expect_code 1 test-template render own xx t.txt name=A \
		>out 2>err &&
	test_cmp /dev/null out &&
	grep "own/xx/kring.mo: $2" err
}

test_expect_success 'a broken catalog is an error naming it, never a crash' '
	mo_broken "d = d[:20]" "20 bytes: too short for a catalog" &&
	mo_broken "d[0:4] = bytes(4)" "bad magic number" &&
	mo_broken "d[4:8] = struct.pack(\"<I\", 7 << 16)" "revision 7.0" &&
	mo_broken "d[12:16] = struct.pack(\"<I\", len(d) - 4)" "a string table is past the end" &&
	mo_broken "d[8:12] = struct.pack(\"<I\", 0xffffffff)" "4294967295 strings: more than the file holds" &&
	mo_broken "o = struct.unpack(\"<I\", d[16:20])[0]; d[o + 12:o + 16] = struct.pack(\"<I\", 0xfffffff0)" "translation 1 is past the end" &&
	mo_broken "o = struct.unpack(\"<I\", d[16:20])[0]; n, s = struct.unpack(\"<II\", d[o + 8:o + 16]); d[s + n] = 65" "translation 1 does not end in NUL" &&
	mo_broken "o = struct.unpack(\"<I\", d[16:20])[0]; n, s = struct.unpack(\"<II\", d[o + 8:o + 16]); d[s] = 0xff" "translation 1 is not valid UTF-8"
'

test_expect_success 'a broken translation is an error naming its catalog and text' '
	po_file de "Hello {{name}}," "Hallo {{name}," &&
	test_expect_code 1 test-template render own de t.txt 2>err &&
	grep "own/de/kring.mo (msgid \"Hello {{name}},\"):1: {{ without }}" err
'

test_expect_success 'a catalog of another charset is refused' '
	mkdir -p own/xx &&
	printf "msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=ISO-8859-1\\\\n\"\n\nmsgid \"Open\"\nmsgstr \"Auf\"\n" >latin.po &&
	msgfmt -o own/xx/kring.mo latin.po &&
	test_expect_code 1 test-template render own xx t.txt 2>err &&
	grep "own/xx/kring.mo: charset ISO-8859-1, not UTF-8" err
'

# A third language: one .po file, compiled into a folder of templates
# the config lists, and a community whose language is "de".
test_expect_success 'a third language is one .po file: an invitation in German' '
	mkdir -p third/de &&
	cat >third.po <<-\EOF &&
	msgid ""
	msgstr "Content-Type: text/plain; charset=UTF-8\n"

	msgid "You are invited to join {{community_name}}"
	msgstr "Sie sind zu {{community_name}} eingeladen"

	msgid "Kind regards,"
	msgstr "Mit freundlichen Grüßen,"
	EOF
	msgfmt --check -o third/de/kring.mo third.po &&
	cat >kring.conf <<-\EOF &&
	hostname = "kring.test"
	store = "store"
	templates = { "third" }
	community "kring" {
		address = "kring@example.org"
		description = "Kring"
		language = "de"
	}
	EOF
	KRING_NOW=2024-03-01T09:00:00Z kring member -c kring.conf \
		invite quinn@example.net >invite.mbox &&
	test "$($PART invite.mbox header:Subject)" = "Sie sind zu Kring eingeladen" &&
	$PART invite.mbox text >text &&
	grep "^Mit freundlichen Grüßen,$" text &&
	grep "^You get this email because you were invited to join$" text &&
	$PART invite.mbox html >html &&
	grep "<html lang=\"de\">" html &&
	grep "Mit freundlichen Grüßen,<br>" html
'

test_expect_success 'make install puts the catalogs beside the shipped templates' '
	make -s -C "$TOP" install DESTDIR="$TRASH/root" PREFIX=/usr \
		SYSCONFDIR=/etc/kring >install.out 2>&1 &&
	share="$TRASH/root/usr/share/kring/templates" &&
	cmp "$TOP/build/templates/nl/kring.mo" "$share/nl/kring.mo" &&
	test -s "$share/welcome.txt" &&
	test-template render "$share" nl welcome.txt greeting_name=Bram >out &&
	grep "^Hallo Bram,$" out
'

test_done
