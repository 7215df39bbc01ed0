# lib-catalogs.sh: renders the converted templates (the member-facing
# ones, the staff mails and the member digest) with fixed sets of values,
# for t0625's byte-for-byte check of the language-neutral templates and
# their catalogs against the per-language templates they
# replaced.  t/data/t0625-renderings.sha256 holds the checksums of the
# renderings of the per-language templates (made with the same sets), so
# the check needs neither git nor the old files.  (The member kinds' sums
# are those of their en/ and nl/ files as of commit 43832f4, which has
# the _header.html of the render branch; the others' of their en/ and nl/
# files just before they were converted.)

# The converted templates: every file of these kinds (and partials).
CONVERTED_KINDS='confirm welcome goodbye help settings refused notice held
held-note decision application invite bounce-notice mod-decision
member-note staff-done announce-note list-footer web-leave _header _footer
_commands newsletter thanks feedback sla digest _status'

# Every value name the templates of those kinds read, one a line: first
# those of the member-facing kinds, then the names only the staff kinds
# and the digest read (appended, so that the first keep their places in
# the "half" set and their renderings their checksums).
CATALOG_NAMES=$TEST_DIR/data/t0625-names

# converted_files DIR LANG: the file names of the converted templates
# that DIR/LANG (the old layout) or DIR (the new one) has, sorted.
converted_files() {
	for k in $CONVERTED_KINDS; do
		for f in "$k-subject.txt" "$k.txt" "$k.html"; do
			if [ -f "$1/$2/$f" ] || [ -f "$1/$f" ]; then
				echo "$f"
			fi
		done
	done | sort
}

# value_args SET: the test-template arguments of value set SET, one a
# line: "text" sets every name to a text with markup in it (every
# section once), "empty" none (every inverted section), "lists" every
# name to a list of two empty items (counts of 2), "one" every name to
# "1" (the _one forms), "half" every other name to a text.
value_args() {
	i=0
	while read -r name; do
		i=$((i + 1))
		case $1 in
		text) echo "$name=<b>$name</b> & \"'$name'\"" ;;
		lists) printf '@%s\n@%s\n@\n' "$name" "$name" ;;
		one) echo "$name=1" ;;
		half) [ $((i % 2)) -eq 0 ] && echo "$name=x&$name" ;;
		esac
	done <"$CATALOG_NAMES"
	return 0
}

# render_sets DIR LANG: "FILE SET SHA256" for every converted template
# of LANG in DIR and every value set, sorted; a rendering that fails
# shows as "FILE SET error: MESSAGE".
render_sets() {
	for set in text empty lists one half; do
		value_args $set >"args.$set" || return 1
	done
	for f in $(converted_files "$1" "$2"); do
		for set in text empty lists one half; do
			tr '\n' '\0' <"args.$set" |
				xargs -0 test-template render "$1" "$2" "$f" \
				>render.out 2>render.err
			if [ -s render.err ]; then
				echo "$f $set error: $(head -1 render.err)"
			else
				echo "$f $set $(sha256sum <render.out | cut -c1-64)"
			fi
		done
	done
}
