#!/usr/bin/python3
"""render-mail.py: a mail's HTML part as a person sees it, in Chromium.

  render-mail.py [--widths 375,1280] [--chromium PATH] FILE [N] OUTDIR NAME
  render-mail.py [--widths ...] --many OUTDIR NAME=FILE[,N]...

FILE is an .eml file or an mbox (a tool's preview); N picks the Nth
message of an mbox (1-based, default 1).  The HTML part (the first
text/html that is not inside an attached message/rfc822) is written to
OUTDIR/NAME.html with every cid:ID rewritten to the file of the part
whose Content-ID is <ID> (extracted beside it as NAME.cid-K.EXT), so
that the browser loads the inline images of a multipart/related mail.
A cid: that names no part is left as it is: the browser cannot load
it, and the image check says so.

Headless Chromium (driven over --remote-debugging-pipe, no extra
packages) opens that file at each width (a phone: 375 px, a desktop:
1280 px; the height of a phone or a desktop screen), and the helper:
  - writes a screenshot of the whole page to OUTDIR/NAME-WIDTH.png;
  - checks that no content is wider than the viewport: the document's
    scrollWidth is at most innerWidth, and no element's box ends right
    of the viewport (a long word or URL that does not wrap, a fixed
    width table);
  - checks that every <img> is shown: it loaded (complete, naturalWidth
    > 0) and takes room on the page (width and height > 0);
  - checks that every figure of the text/plain part appears in the
    rendered text (innerText) at that width, or in the alt text of a
    picture shown (a chart's bars are its figures; t0724 checks the
    pictures against them), by the rule below.

Figures.  A figure is a number a reader would read as a fact, taken
from the text/plain part line by line after leaving out URLs, mail
addresses and <...> tokens:
  - dates, 2026-11-03, with a time after it if there is one (2026-11-03
    09:00); a time alone, 09:00;
  - percentages, 80%; durations and hours, 2.5 h, 90 min, 24 h, 1,5 uur,
    3 days, 2 dagen (the number and its unit, one space or none);
  - counts: any other number standing alone as a word, 5, 12 (so not
    the digits inside words or names such as m1 or +outcome-1-x, nor
    a line-leading list number "1. " or a "#3" reference, which HTML
    may number on its own).
A figure appears when the rendered text has it as a token of its own
(not inside a longer number), after both texts have their runs of white
space (no-break spaces too) made one space.  And because the same
number means something else under another label, each figure must
appear in the rendered text at least as often as in the text part.
Labels: where a line of the text part is LABEL and a figure (a table
row "  Member posts     5" or "label: 5"), the label must also appear
(case aside) in the rendered text; the figure being there at least as
often keeps the pair honest without knowing the layout.

Output: one JSON object on stdout: {"html": ..., "figures": [...],
"images": [cid: rewrites], "widths": [{"width", "innerWidth",
"scrollWidth", "wide": [elements past the edge], "images": [...],
"missing": [figures not shown], "screenshot"}], "problems": [...]}.
With --many, several mails in one Chromium (quicker), and on stdout one
object of such reports by NAME.  Exit status 0 when there are no
problems, 1 when there are, 2 when a mail has no HTML part or Chromium
cannot be run.
"""
import base64
import collections
import email
import email.policy
import json
import mailbox
import mimetypes
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata

CHROMIUM = "/usr/bin/chromium"
HEIGHTS = {375: 812, 1280: 900}
TIMEOUT = 30


def messages(path):
    with open(path, "rb") as f:
        head = f.read(5)
    if head == b"From ":
        return [m for m in mailbox.mbox(path, factory=None)]
    with open(path, "rb") as f:
        return [email.message_from_binary_file(f, policy=email.policy.compat32)]


def walk(part):
    """The parts of a message, not going into attached messages."""
    yield part
    if part.get_content_maintype() == "message":
        return
    if part.is_multipart():
        for p in part.get_payload():
            yield from walk(p)


def first(msg, ctype):
    for p in walk(msg):
        if p.get_content_type() == ctype:
            raw = p.get_payload(decode=True) or b""
            return raw.decode(p.get_content_charset() or "utf-8", "replace")
    return None


def extract(msg, outdir, name):
    """The HTML part with cid: rewritten to extracted files."""
    html = first(msg, "text/html")
    if html is None:
        return None, []
    files = {}
    for p in walk(msg):
        cid = p.get("Content-ID")
        if not cid or p.is_multipart():
            continue
        cid = cid.strip().strip("<>")
        ext = mimetypes.guess_extension(p.get_content_type()) or ".bin"
        fname = "%s.cid-%d%s" % (name, len(files) + 1, ext)
        with open(os.path.join(outdir, fname), "wb") as f:
            f.write(p.get_payload(decode=True) or b"")
        files[cid] = fname
    rewrites = []

    def cid(m):
        ref = m.group(2)
        target = files.get(ref)
        rewrites.append({"cid": ref, "file": target})
        return m.group(1) + (target if target else "cid:" + ref)
    html = re.sub(r"""(["'(])cid:([^"')\s>]+)""", cid, html)
    return html, rewrites


# The figures of a text, by the rule in the docstring.
UNIT = r"(?:%|\s?(?:h|min|uur|hours?|days?|dagen|dag)\b)"
FIGURE = re.compile(
    r"(?<![\w.,:+#/-])(?:"
    r"\d{4}-\d{2}-\d{2}(?:\s\d{1,2}:\d{2})?"
    r"|\d{1,2}:\d{2}"
    r"|\d+(?:[.,]\d+)?" + UNIT +
    r"|\d+(?:[.,]\d+)?"
    r")(?![\w%:/-]|[.,]\d)")
NOISE = re.compile(r"(?:https?|mailto):\S+|\S+@\S+|<[^>\s]*>")
LISTNUM = re.compile(r"^\s*\d+\.\s")
# the words right before a figure, ending in ": " or in two spaces or
# more (a table row), after the start of the line or a ", ".
LABEL = re.compile(r"(?:^|,\s|^\s*[-*]\s)\s*([^\W\d_][\w ()/'’-]*?[\w)])(?::\s*|\s{2,})$")


def norm(s):
    s = unicodedata.normalize("NFKC", s)
    return re.sub(r"\s+", " ", s).strip()


def figures_of(text):
    out = []
    for line in text.splitlines():
        line = NOISE.sub(" ", line.replace("\xa0", " "))
        line = LISTNUM.sub("", line)
        for m in FIGURE.finditer(line):
            lab = LABEL.search(line[:m.start()])
            out.append({"figure": norm(m.group(0)),
                        "label": norm(lab.group(1)) if lab else None,
                        "line": norm(line)})
    return out


def count_in(fig, text):
    pat = r"(?<![\w.,:-])" + re.escape(fig).replace(r"\ ", r"\s?") + \
        r"(?![\w%/-]|[.,:]\d)"
    return len(re.findall(pat, text))


def missing_figures(figs, text):
    text = norm(text)
    low = text.casefold()
    need = collections.Counter(f["figure"] for f in figs)
    missing = []
    for fig, n in need.items():
        got = count_in(fig, text)
        if got < n:
            missing.append({"figure": fig, "text_part": n, "shown": got,
                            "lines": [f["line"] for f in figs if f["figure"] == fig]})
    for f in figs:
        if f["label"] and f["label"].casefold() not in low:
            missing.append({"label": f["label"], "figure": f["figure"],
                            "line": f["line"]})
    return missing


class Chromium:
    """Chromium's DevTools protocol over --remote-debugging-pipe."""

    def __init__(self, path):
        self.profile = tempfile.mkdtemp(prefix="render-mail.")
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()
        os.set_inheritable(to_r, True)
        os.set_inheritable(from_w, True)

        def fds():
            os.dup2(to_r, 3)
            os.dup2(from_w, 4)
        self.proc = subprocess.Popen(
            [path, "--headless", "--no-sandbox", "--disable-gpu",
             "--remote-debugging-pipe", "--user-data-dir=" + self.profile,
             "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--disable-background-networking",
             "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", "--mute-audio", "--font-render-hinting=none",
             "about:blank"],
            preexec_fn=fds, pass_fds=(3, 4),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.profile, "stderr"), "wb"))
        os.close(to_r)
        os.close(from_w)
        self.stderr = os.path.join(self.profile, "stderr")
        self.buf = b""
        self.next_id = 0
        self.events = []

    def send(self, method, session=None, **params):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        os.write(self.to_w, json.dumps(msg).encode() + b"\0")
        return self.wait(lambda m: m.get("id") == self.next_id)

    def read(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.from_r], [], [], left)[0]:
                raise TimeoutError("no answer from chromium")
            chunk = os.read(self.from_r, 1 << 20)
            if not chunk:
                raise EOFError("chromium exited")
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)

    def wait(self, pred, timeout=TIMEOUT):
        for m in self.events:
            if pred(m):
                self.events.remove(m)
                return m
        deadline = time.monotonic() + timeout
        while True:
            m = self.read(deadline)
            if pred(m):
                if "error" in m:
                    raise RuntimeError("chromium: %s" % m["error"])
                return m
            if "method" in m:
                self.events.append(m)

    def close(self):
        try:
            self.send("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


# What the page says of itself once it has loaded (and its fonts).
PROBE = r"""
(async (vw) => {
  await document.fonts.ready;
  const past = Array.from(document.body.querySelectorAll('*')).filter(el => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.right > vw + 0.5;
  });
  // the innermost of them: what sticks out, not all that holds it
  const wide = past.filter(el => !past.some(o => o !== el && el.contains(o)))
    .slice(0, 10).map(el => ({tag: el.tagName.toLowerCase(),
      right: Math.round(el.getBoundingClientRect().right),
      text: (el.innerText || el.getAttribute('src') || '').slice(0, 60)}));
  const images = Array.from(document.images).map(img => ({
    src: img.getAttribute('src'), alt: img.getAttribute('alt'),
    complete: img.complete, naturalWidth: img.naturalWidth,
    width: img.getBoundingClientRect().width,
    height: img.getBoundingClientRect().height,
    shown: img.complete && img.naturalWidth > 0 &&
           img.getBoundingClientRect().width > 0 &&
           img.getBoundingClientRect().height > 0}));
  return {innerWidth: window.innerWidth,
          scrollWidth: document.documentElement.scrollWidth,
          scrollHeight: document.documentElement.scrollHeight,
          wide: wide, images: images, text: document.body.innerText};
})(%d)
"""


def render(chrome, url, width, shot):
    target = chrome.send("Target.createTarget", url="about:blank")["result"]["targetId"]
    s = chrome.send("Target.attachToTarget", targetId=target,
                    flatten=True)["result"]["sessionId"]
    chrome.send("Page.enable", s)
    chrome.send("Emulation.setDeviceMetricsOverride", s, width=width,
                height=HEIGHTS.get(width, 900), deviceScaleFactor=1,
                mobile=width < 600)
    chrome.send("Page.navigate", s, url=url)
    chrome.wait(lambda m: m.get("method") == "Page.loadEventFired" and
                m.get("sessionId") == s)
    r = chrome.send("Runtime.evaluate", s, expression=PROBE % width, awaitPromise=True,
                    returnByValue=True)["result"]
    if "exceptionDetails" in r:
        raise RuntimeError("probe: %s" % r["exceptionDetails"])
    found = r["result"]["value"]
    png = chrome.send("Page.captureScreenshot", s, format="png",
                      captureBeyondViewport=True,
                      clip={"x": 0, "y": 0, "scale": 1,
                            "width": max(found["scrollWidth"], width),
                            "height": found["scrollHeight"]})["result"]["data"]
    with open(shot, "wb") as f:
        f.write(base64.b64decode(png))
    chrome.send("Target.closeTarget", targetId=target)
    return found


def load(path, n):
    msgs = messages(path)
    if n < 1 or n > len(msgs):
        raise LookupError("%s: no message %d (of %d)" % (path, n, len(msgs)))
    return email.message_from_bytes(msgs[n - 1].as_bytes(),
                                    policy=email.policy.compat32)


def shown_text(found):
    """The rendered text and the alt text of each picture shown: a chart
    shows its figures as bars, and its alt text says them in words."""
    alts = [img["alt"] or "" for img in found["images"] if img["shown"]]
    return "\n".join([found["text"]] + alts)


def check(chrome, msg, outdir, name, widths):
    """The report on one mail (see the top of this file)."""
    html, rewrites = extract(msg, outdir, name)
    if html is None:
        raise LookupError("%s: no text/html part" % name)
    htmlfile = os.path.abspath(os.path.join(outdir, name + ".html"))
    with open(htmlfile, "w", encoding="utf-8") as f:
        f.write(html)
    figs = figures_of(first(msg, "text/plain") or "")
    report = {"html": htmlfile, "figures": figs, "images": rewrites,
              "widths": [], "problems": []}
    problems = report["problems"]
    for r in rewrites:
        if not r["file"]:
            problems.append("cid:%s names no part of the mail" % r["cid"])
    for w in widths:
        shot = os.path.abspath(os.path.join(outdir, "%s-%d.png" % (name, w)))
        found = render(chrome, "file://" + htmlfile, w, shot)
        missing = missing_figures(figs, shown_text(found))
        report["widths"].append(dict(width=w, screenshot=shot,
                                     missing=missing, **found))
        if max(found["scrollWidth"], found["innerWidth"]) > w:
            problems.append("%d px: the page is %d px wide" %
                            (w, max(found["scrollWidth"], found["innerWidth"])))
        for el in found["wide"]:
            problems.append("%d px: <%s> ends at %d px: %s" %
                            (w, el["tag"], el["right"], el["text"]))
        for img in found["images"]:
            if not img["shown"]:
                problems.append("%d px: image %s not shown" % (w, img["src"]))
            if not img["alt"]:
                problems.append("%d px: image %s has no alt text" % (w, img["src"]))
        for m in missing:
            if "label" in m:
                problems.append("%d px: label \"%s\" (of %s) not shown" %
                                (w, m["label"], m["figure"]))
            else:
                problems.append("%d px: figure \"%s\" shown %d time(s), "
                                "the text part has it %d time(s): %s" %
                                (w, m["figure"], m["shown"], m["text_part"],
                                 " | ".join(m["lines"])[:200]))
    return report


def main():
    args = sys.argv[1:]
    widths, chromium, many = [375, 1280], CHROMIUM, False
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if opt == "--widths":
            widths = [int(w) for w in args.pop(0).split(",")]
        elif opt == "--chromium":
            chromium = args.pop(0)
        elif opt == "--many":
            many = True
        else:
            sys.exit(__doc__)
    if many:
        if len(args) < 2:
            sys.exit(__doc__)
        outdir, jobs = args[0], []
        for a in args[1:]:
            name, _, mail = a.partition("=")
            path, _, n = mail.partition(",")
            if not name or not path:
                sys.exit(__doc__)
            jobs.append((name, path, int(n or 1)))
    else:
        if len(args) not in (3, 4):
            sys.exit(__doc__)
        outdir = args[-2]
        jobs = [(args[-1], args[0], int(args[1]) if len(args) == 4 else 1)]
    os.makedirs(outdir, exist_ok=True)
    try:
        mails = [(name, load(path, n)) for name, path, n in jobs]
    except (OSError, LookupError) as e:
        print(e, file=sys.stderr)
        sys.exit(2)
    try:
        chrome = Chromium(chromium)
    except OSError as e:
        print("cannot run %s: %s" % (chromium, e), file=sys.stderr)
        sys.exit(2)
    reports = {}
    try:
        for name, msg in mails:
            reports[name] = check(chrome, msg, outdir, name, widths)
    except LookupError as e:
        print(e, file=sys.stderr)
        chrome.close()
        sys.exit(2)
    except (TimeoutError, EOFError, RuntimeError) as e:
        print("chromium: %s" % e, file=sys.stderr)
        with open(chrome.stderr, errors="replace") as f:
            sys.stderr.write("".join(f.readlines()[-20:]))
        chrome.close()
        sys.exit(2)
    chrome.close()
    json.dump(reports if many else reports[jobs[0][0]], sys.stdout,
              indent=1, ensure_ascii=False)
    print()
    sys.exit(1 if any(r["problems"] for r in reports.values()) else 0)


main()
