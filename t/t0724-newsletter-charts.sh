#!/bin/sh
test_description='the pictures of the staff newsletter, measured against the posts

Member posts and staff answers go through the real kringd (swaks, its
clock at each message'"'"'s time) into a community in Europe/Amsterdam:
seven threads, one with a long Dutch subject, a member named Zoë, a post
at 00:30 local time, answers within the promise, at exactly 24 h, a
minute later, far later, and none.  charts.py works out the figures
from the same table without kring, and checks the preview of kring
newsletter: the MIME tree (alternative: text, related: HTML and its
PNGs), every cid: against its part, each PNG (valid, the size the HTML
states, under 100 KB), the alt text and the text part against the
figures, and the bars in the pixels against the figures, in English
and in Dutch.  A quiet period has no pictures, a period with nothing
answered no answer-time picture, and an admin'"'"'s template that
shows fewer pictures gets fewer parts.'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-kringd.sh"

[ -x "$PYTHON" ] || test_skip_all "no $PYTHON"
"$PYTHON" -c "import PIL" 2>/dev/null || test_skip_all "no python3-pil"
PART="$PYTHON $TEST_DIR/helper/mail-part.py"
AR="Authentication-Results: mx.bank.example; dkim=pass header.d=bank.example header.s=s1"
NOW=2026-11-15T09:00:00Z
PERIOD="--since 2026-11-01 --until 2026-11-15"

# id kind from time parent subject (a reply's subject is "Re: " and its
# thread's).  Times are UTC; the community's days are Amsterdam's.
cat >posts.tab <<\EOF
m1 member ann@example.net 2026-11-02T09:00:00Z - Savings app: what do you miss?
a1 staff anna@bank.example 2026-11-02T10:00:00Z m1 -
m2 member ben@example.net 2026-11-02T12:00:00Z m1 -
a2 staff bob@bank.example 2026-11-02T15:00:00Z m2 -
m3 member zoe@example.net 2026-11-03T23:30:00Z - Zoë's idee: de pinautomaat terug in het dorp
a3 staff anna@bank.example 2026-11-04T04:30:00Z m3 -
m4 member cas@example.net 2026-11-04T10:00:00Z - Één vraag over de rente op de spaarrekening: waarom is die zo laag vergeleken met andere banken in Nederland en België?
m5 member ann@example.net 2026-11-04T11:00:00Z m4 -
m6 member dee@example.net 2026-11-04T12:00:00Z m4 -
a4 staff anna@bank.example 2026-11-05T09:00:00Z m4 -
s0 staff bob@bank.example 2026-11-05T09:00:00Z - Survey closes Friday
m7 member zoe@example.net 2026-11-05T08:00:00Z m4 -
a5 staff bob@bank.example 2026-11-05T11:00:00Z m5 -
a6 staff bob@bank.example 2026-11-05T12:01:00Z m6 -
m8 member ben@example.net 2026-11-06T09:00:00Z m4 -
a7 staff anna@bank.example 2026-11-06T14:00:00Z m7 -
m9 member eva@example.net 2026-11-07T10:00:00Z - Opening hours
m10 member ann@example.net 2026-11-07T11:00:00Z m9 -
m15 member ann@example.net 2026-11-07T15:00:00Z m10 -
a8 staff anna@bank.example 2026-11-08T11:00:00Z m8 -
m11 member cas@example.net 2026-11-10T10:00:00Z - Card swallowed
a11 staff bob@bank.example 2026-11-10T12:00:00Z m11 -
m12 member dee@example.net 2026-11-12T10:00:00Z - Mortgage letter
a12 staff anna@bank.example 2026-11-12T16:00:00Z m12 -
m13 member fay@example.net 2026-11-14T20:00:00Z - Lost PIN
m14 member ann@example.net 2026-11-14T22:30:00Z m1 -
EOF

cat >charts.py <<\EOF
"""charts.py make | check MBOX LANG SINCE UNTIL NOW | parts MBOX

make: one .eml a message of posts.tab, and "TIME FILE" lines on stdout.
check: the newsletter's pictures against the figures of posts.tab.
parts: the pictures of the message, one "NAME SIZE" a line."""
import calendar, email, email.policy, mailbox, re, sys, time, zoneinfo
from datetime import datetime, timezone
from email.message import EmailMessage
from html.parser import HTMLParser
from io import BytesIO
from PIL import Image

ZONE = zoneinfo.ZoneInfo("Europe/Amsterdam")
PROMISE = 24 * 3600
BIN = PROMISE // 6
NBINS = 13
BLUE, ORANGE, VERMILLION = (0, 114, 178), (230, 159, 0), (213, 94, 0)
NAMES = {"zoe@example.net": "Zoë de Vries"}
bad = []

def utc(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))

rows = []
for line in open("posts.tab", encoding="utf-8"):
    i, kind, frm, t, parent, subj = line.rstrip("\n").split(" ", 5)
    rows.append(dict(id=i, kind=kind, frm=frm, t=utc(t), parent=parent,
                     subj=subj))
msgs = {r["id"]: r for r in rows}

def root(m):
    while m["parent"] != "-":
        m = msgs[m["parent"]]
    return m

def subject(m):
    return m["subj"] if m["parent"] == "-" else "Re: " + root(m)["subj"]

def make():
    for m in rows:
        e = EmailMessage()
        e["From"] = (NAMES[m["frm"]] + " <%s>" % m["frm"]) if m["frm"] in NAMES else m["frm"]
        e["To"] = "kring@example.org"
        e["Subject"] = subject(m)
        e["Date"] = email.utils.formatdate(m["t"])
        e["Message-ID"] = "<%s@x>" % m["id"]
        if m["parent"] != "-":
            e["In-Reply-To"] = e["References"] = "<%s@x>" % m["parent"]
        if m["kind"] == "staff":
            e["Authentication-Results"] = ("mx.bank.example; dkim=pass "
                                           "header.d=bank.example header.s=s1")
        e.set_content("The text of %s, the post itself.\n" % m["id"])
        open(m["id"] + ".eml", "wb").write(e.as_bytes(policy=email.policy.SMTP))
        print(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(m["t"])),
              m["id"] + ".eml", m["frm"])

def local_day(t):
    return datetime.fromtimestamp(t, ZONE).date()

def figures(since, until, now):
    member = [m for m in rows if m["kind"] == "member" and since <= m["t"] < until]
    member.sort(key=lambda m: m["t"])
    f = {"days": [], "bins": [0] * NBINS, "answered": 0, "due": 0,
         "within": 0, "threads": []}
    d = local_day(since)
    while d <= local_day(until - 1):
        ms = [m for m in member if local_day(m["t"]) == d]
        f["days"].append((d.isoformat(), len(ms), len({m["frm"] for m in ms})))
        d = d.fromordinal(d.toordinal() + 1)
    for m in member:
        a = [c["t"] for c in rows if c["parent"] == m["id"] and
             c["kind"] == "staff" and c["t"] <= now]
        if a:
            dt = min(a) - m["t"]
            f["answered"] += 1
            f["due"] += 1
            f["within"] += dt <= PROMISE
            f["bins"][min(0 if dt <= 0 else (dt - 1) // BIN, NBINS - 1)] += 1
        elif now - m["t"] > PROMISE:
            f["due"] += 1
    th = {}
    for m in member:
        r = th.setdefault(root(m)["id"], [root(m)["subj"], 0, 0])
        r[1] += 1
        r[2] = m["t"]
    f["threads"] = [(s, n) for s, n, last in
                    sorted(th.values(), key=lambda r: (-r[1], -r[2]))][:5]
    return f

def plural(n, one, more):
    return one if n == 1 else more

WORDS = {
    "en": dict(
        days=lambda d, p, m: "%s: %d %s, %d %s. " % (d, p, plural(p, "post", "posts"), m, plural(m, "member", "members")),
        days_alt="Member posts and members who posted per day: ",
        sla_alt=lambda n: "Hours to the first staff answer of the %d answered %s: " % (n, plural(n, "post", "posts")),
        bin=lambda a, b: "%d–%d h" % (a, b), over=lambda a: "more than %d h" % a,
        sla_end=lambda f: "Within the promise of 24 h: %d%% (%d of %d due)." % (f["within"] * 100 // f["due"], f["within"], f["due"]),
        threads_alt="Member posts in the busiest threads: ",
        times="  Answer times", day_re=r"^(\d{4}-\d\d-\d\d) #* *(\d+) posts?, (\d+) members?$"),
    "nl": dict(
        days=lambda d, p, m: "%s: %d %s, %d %s. " % (d, p, plural(p, "bericht", "berichten"), m, plural(m, "lid", "leden")),
        days_alt="Berichten van leden en leden die schreven, per dag: ",
        sla_alt=lambda n: "Uren tot het eerste antwoord van een medewerker, %d %s: " % (n, plural(n, "beantwoord bericht", "beantwoorde berichten")),
        bin=lambda a, b: "%d–%d uur" % (a, b), over=lambda a: "meer dan %d uur" % a,
        sla_end=lambda f: "Op tijd (binnen 24 uur): %d%% (%d van de %d)." % (f["within"] * 100 // f["due"], f["within"], f["due"]),
        threads_alt="Berichten van leden in de drukste gesprekken: ",
        times="  Antwoordtijden", day_re=r"^(\d{4}-\d\d-\d\d) #* *(\d+) (?:bericht|berichten), (\d+) (?:lid|leden)$"),
}

def bin_texts(f, w):
    out = []
    for i, n in enumerate(f["bins"]):
        if n:
            label = w["over"](i * 4) if i == NBINS - 1 else w["bin"](i * 4, i * 4 + 4)
            out.append((label, n))
    return out

def expected_alts(f, w):
    alts = {}
    if any(p for d, p, m in f["days"]):
        alts["days_chart"] = w["days_alt"] + "".join(w["days"](*d) for d in f["days"])
    if f["answered"]:
        alts["sla_chart"] = (w["sla_alt"](f["answered"]) + "".join(
            "%s: %d. " % b for b in bin_texts(f, w)) + w["sla_end"](f))
    if f["threads"]:
        alts["threads_chart"] = w["threads_alt"] + "".join(
            "%s: %d. " % t for t in f["threads"])
    return alts

class Imgs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.imgs = []
    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.imgs.append(dict(attrs))

def fail(why):
    bad.append(why)

def message(path):
    raw = next(iter(mailbox.mbox(path, factory=None))).as_bytes()
    return email.message_from_bytes(raw, policy=email.policy.default)

def check_tree(msg):
    """alternative{ text/plain, related{ text/html, image/png... } }:
    the HTML and the pictures by Content-ID."""
    if msg.get_content_type() != "multipart/alternative":
        fail("the body is %s" % msg.get_content_type())
        return None, {}
    text, rel = msg.get_payload()
    if text.get_content_type() != "text/plain" or \
            rel.get_content_type() != "multipart/related":
        fail("alternative of %s and %s" % (text.get_content_type(),
                                           rel.get_content_type()))
        return None, {}
    if rel.get_param("type") != "text/html":
        fail("related without type=text/html")
    html, *images = rel.get_payload()
    if html.get_content_type() != "text/html":
        fail("related starts with %s" % html.get_content_type())
    parts = {}
    for p in images:
        cid = (p["Content-ID"] or "").strip("<>")
        if p.get_content_type() != "image/png" or not cid or \
                p.get_content_disposition() != "inline" or not p.get_filename():
            fail("a part %s, Content-ID %r, %s, filename %r" % (
                p.get_content_type(), cid, p.get_content_disposition(),
                p.get_filename()))
        parts[cid] = p
    return html.get_content(), parts

def runs(img, y, colours):
    """The runs of pixels of a colour of COLOURS along row Y: (x0, x1, colour)."""
    out, x, w = [], 0, img.size[0]
    while x < w:
        c = img.getpixel((x, y))
        if c in colours:
            x0 = x
            while x < w and img.getpixel((x, y)) == c:
                x += 1
            out.append((x0, x, c))
        else:
            x += 1
    return out

def vertical_bars(img, colours):
    """The bars standing on the lowest row holding a colour of COLOURS,
    left to right: (colour, height in pixels)."""
    base = max(y for y in range(img.size[1])
               if any(img.getpixel((x, y)) in colours for x in range(img.size[0])))
    bars = []
    for x0, x1, c in runs(img, base, colours):
        x, y = (x0 + x1) // 2, base
        while y >= 0 and img.getpixel((x, y)) == c:
            y -= 1
        bars.append((c, base - y))
    return bars

def horizontal_bars(img):
    """The blue bars from the left margin, top to bottom: their widths."""
    x0 = 24
    widths, inside = [], False
    for y in range(img.size[1]):
        if img.getpixel((x0, y)) == BLUE:
            if not inside:
                x = x0
                while x < img.size[0] and img.getpixel((x, y)) == BLUE:
                    x += 1
                widths.append(x - x0)
            inside = True
        else:
            inside = False
    return widths

def proportional(what, lengths, figures):
    """Each length is its figure times one scale, to a pixel."""
    if len(lengths) != len(figures):
        fail("%s: %d bars for %d figures" % (what, len(lengths), len(figures)))
        return
    k = max(lengths) / max(figures)
    for l, n in zip(lengths, figures):
        if abs(l - n * k) > 1.01:
            fail("%s: a bar of %d px for %d (%.1f px a post)" % (what, l, n, k))

def check_pixels(name, img, f):
    if name == "days_chart":
        bars = vertical_bars(img, (BLUE, ORANGE))
        for colour, i, what in ((BLUE, 1, "posts"), (ORANGE, 2, "members")):
            proportional("days %s" % what, [h for c, h in bars if c == colour],
                         [d[i] for d in f["days"] if d[i]])
    elif name == "sla_chart":
        bars = vertical_bars(img, (BLUE, VERMILLION))
        want = [(BLUE if i < 6 else VERMILLION, n) for i, n in enumerate(f["bins"]) if n]
        if [c for c, h in bars] != [c for c, n in want]:
            fail("sla: the colours of the bars %s, not %s" % (bars, want))
        proportional("sla", [h for c, h in bars], [n for c, n in want])
    else:
        proportional("threads", horizontal_bars(img), [n for s, n in f["threads"]])

def check_picture(img_attrs, part, f, lang):
    data = part.get_content()
    name = img_attrs["src"][4:].split(".")[0]
    img = Image.open(BytesIO(data))
    img.verify()
    img = Image.open(BytesIO(data)).convert("RGB")
    w, h = int(img_attrs["width"]), int(img_attrs["height"])
    if img.size != (2 * w, 2 * h) or len(data) >= 100 * 1024:
        fail("%s: %dx%d px, %d bytes; the HTML says %dx%d" % (
            name, img.size[0], img.size[1], len(data), w, h))
    if "max-width:%dpx" % w not in img_attrs.get("style", "") or \
            "width:100%" not in img_attrs.get("style", ""):
        fail("%s: style %r" % (name, img_attrs.get("style")))
    check_pixels(name, img, f)
    print("PNG %s %s %dx%d %d bytes" % (lang, name, img.size[0], img.size[1], len(data)))

def check_text(msg_text, f, w):
    days = [(m.group(1), int(m.group(2)), int(m.group(3))) for m in
            (re.match(w["day_re"], l) for l in msg_text.splitlines()) if m]
    if days != f["days"]:
        fail("the text part's days %s, the posts' %s" % (days, f["days"]))
    lines = msg_text.splitlines()
    times = []
    if w["times"] in lines:
        for l in lines[lines.index(w["times"]) + 1:]:
            m = re.match(r"^    (.*): (\d+)$", l)
            if not m:
                break
            times.append((m.group(1), int(m.group(2))))
    if times != bin_texts(f, w):
        fail("the text part's answer times %s, the posts' %s" % (times, bin_texts(f, w)))
    for s, n in f["threads"]:
        if "- " + s not in lines:
            fail("the text part lacks thread %r" % s)

def check(path, lang, since, until, now):
    f = figures(utc(since), utc(until), utc(now))
    w = WORDS[lang]
    msg = message(path)
    html, parts = check_tree(msg)
    if html is None:
        return
    p = Imgs()
    p.feed(html)
    srcs = {i["src"][4:]: i for i in p.imgs if i.get("src", "").startswith("cid:")}
    if len(srcs) != len(p.imgs) or set(srcs) != set(parts):
        fail("cid: in the HTML %s, parts %s" % (sorted(srcs), sorted(parts)))
    alts = {cid.split(".")[0]: i.get("alt") for cid, i in srcs.items()}
    want = expected_alts(f, w)
    for name in sorted(set(alts) | set(want)):
        if alts.get(name) != want.get(name):
            fail("%s: alt\n  %r, the posts say\n  %r" % (name, alts.get(name), want.get(name)))
    for cid, i in srcs.items():
        if cid in parts:
            check_picture(i, parts[cid], f, lang)
    check_text(msg.get_body(("plain",)).get_content(), f, w)

def list_parts(path):
    msg = message(path)
    for p in msg.walk():
        if p.get_content_maintype() == "image":
            print(p.get_filename(), len(p.get_content()))

if sys.argv[1] == "make":
    make()
elif sys.argv[1] == "check":
    check(*sys.argv[2:7])
elif sys.argv[1] == "parts":
    list_parts(sys.argv[2])
if bad:
    sys.exit("\n".join(bad))
EOF

# write_config LANG [TOP]: the community in Amsterdam's time, taking
# posts from outside too.
write_config() {
	savers_config "$1" "${2-}" 'timezone = "Europe/Amsterdam"
	outside_posts = true'
}

test_expect_success 'the posts, through kringd at their times' '
	write_config en &&
	$PYTHON charts.py make | sort >sends &&
	test $(grep -c "" sends) = $(grep -c "" posts.tab) &&
	for when in $(cut -d" " -f1 sends | uniq); do
		KRING_NOW=$when kringd_start &&
		grep "^$when " sends | while read -r t file from; do
			swaks --server 127.0.0.1:$KRINGD_PORT --from $from \
				--to kring@example.org --data @$file >swaks.out 2>&1 ||
				{ cat swaks.out; exit 1; }
		done &&
		kringd_stop || return 1
	done &&
	kring stats -c kring.conf --community kring --json >stats.json &&
	grep "\"messages\":$(grep -c "" posts.tab)," stats.json
'

# news LANG FILE ARGS: the preview of the newsletter at NOW.
news() {
	write_config $1 "$3" &&
	KRING_NOW=$NOW kring newsletter -c kring.conf --community kring $2 \
		>news.$1.mbox 2>news.$1.err
}

for lang in en nl; do
	test_expect_success "$lang: MIME tree, cid: parts, PNGs, alt text, text part and bars agree with the posts" '
		news $lang "$PERIOD" &&
		$PART news.$lang.mbox structure >structure &&
		printf "%s\n" multipart/alternative "  text/plain" \
			"  multipart/related" "    text/html" "    image/png" \
			"    image/png" "    image/png" >expect &&
		test_cmp expect structure &&
		$PYTHON charts.py check news.$lang.mbox $lang 2026-10-31T23:00:00Z \
			2026-11-14T23:00:00Z $NOW >sizes.$lang &&
		cat sizes.$lang &&
		test $(grep -c "^PNG " sizes.$lang) = 3 &&
		$PART news.$lang.mbox html >news.$lang.html &&
		xmllint --html --noout news.$lang.html
	'
done

test_expect_success 'the words in the pictures are the language'"'"'s' '
	$PYTHON charts.py parts news.en.mbox >parts.en &&
	$PYTHON charts.py parts news.nl.mbox >parts.nl &&
	test $(grep -c "" parts.en) = 3 &&
	! test_cmp parts.en parts.nl
'

test_expect_success 'nothing answered: no answer-time picture, the others stay' '
	news en "--since 2026-11-14 --until 2026-11-15" &&
	$PYTHON charts.py check news.en.mbox en 2026-11-13T23:00:00Z \
		2026-11-14T23:00:00Z $NOW &&
	$PYTHON charts.py parts news.en.mbox >parts &&
	cut -d" " -f1 parts >names &&
	printf "%s\n" days_chart.png threads_chart.png >expect &&
	test_cmp expect names &&
	$PART news.en.mbox text >text &&
	! grep "Answer times" text
'

test_expect_success 'a quiet period: no pictures, no parts, nothing said about them' '
	for lang in en nl; do
		news $lang "--since 2026-11-20 --until 2026-11-21" &&
		$PART news.$lang.mbox structure >structure &&
		printf "%s\n" multipart/alternative "  text/plain" "  text/html" >expect &&
		test_cmp expect structure &&
		$PART news.$lang.mbox html >quiet.html &&
		! grep -i "<img\|cid:" quiet.html &&
		! grep "POSTS PER DAY\|BERICHTEN PER DAG\|Answer times\|Antwoordtijden" \
			news.$lang.mbox || return 1
	done
'

test_expect_success 'an admin'"'"'s template without the days picture: that part is not attached' '
	mkdir -p mine/en &&
	sed "/{{#days_chart}}/,/{{\/days_chart}}/d" \
		"$TEST_DIR/../templates/newsletter.html" >mine/en/newsletter.html &&
	! grep "{{#days_chart}}" mine/en/newsletter.html &&
	news en "$PERIOD" "templates = { \"mine\", \"$TEST_DIR/../templates\" }" &&
	$PYTHON charts.py parts news.en.mbox | cut -d" " -f1 >names &&
	printf "%s\n" threads_chart.png sla_chart.png >expect &&
	test_cmp expect names &&
	$PART news.en.mbox html >mine.html &&
	test $(grep -c "<img src=\"cid:" mine.html) = 2
'

test_done
