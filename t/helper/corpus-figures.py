#!/usr/bin/python3
"""corpus-figures.py: the staff tools' figures of a real archive, worked
out without kring, for t/t0740-corpora-staff.sh.

  corpus-figures.py staff N MBOX...
      the N most frequent sender addresses of the archive, one a line
      (most posts first; ties by address).
  corpus-figures.py figures --staff A,B,... --since T --until T --now T
                    [--import-now T] [--promise-hours H] MBOX...
      KEY=VALUE lines (see below) for the period [since, until) as the
      newsletter, thanks and sla tools would report it at "now".

T is an ISO date ("2017-12-04", its midnight UTC) or time
("2017-12-18T00:00:00Z").  --import-now is KRING_NOW at import: the
time of a message with neither a From_ date nor a usable Date.

The archive is read the way `kring import` takes it (tools/kring-import.c,
lib/store/mbox.c, lib/mail/msginfo.c, lib/store/ingest.c), but with Python's own parsers:
  - an mbox is split at "From " lines at the start of the file or after an
    empty line; ">From " (any number of '>') loses one '>'; the empty line
    before the next From_ line is the format's, not the message's;
  - empty messages and messages that start with an empty line are
    skipped; a Message-ID seen before is not stored again (the first copy
    counts); a message without one gets kring's derived id;
  - a message's time is its From_ line's date (asctime form, UTC; a line
    of 128 bytes or more has none), else its Date header, else
    --import-now;
  - the author is the first mailbox address of the first From field,
    lower-cased; staff are the --staff addresses (any case).
A member post (not by staff) is answered by the earliest direct reply
from a staff address: a message whose parent is the post, the parent
being the In-Reply-To id, else the last References id (ids without '@'
ignored, as kring does; t/helper/thread-check.py's gmime-like parser).
Any reply in the archive counts, also one after the period.

Output of "figures" (one a line):
  MESSAGES, DUPLICATES, SKIPPED      the archive as a whole (kring stats)
  SENDERS                            distinct authors of the archive
  POSTS, MEMBERS, STAFF_POSTS, NEW_MEMBERS
  ANSWERED, UNANSWERED, MEDIAN (as kring writes it: "45 min", "3.5 h",
  "-"), WITHIN_PCT, DUE, OVERDUE, MEMBER_POSTS
  DAY=YYYY-MM-DD N                   every day of the period, in order
  THREAD=POSTS PEOPLE LAST           the 5 busiest threads (see below)
  ACTIVE=ADDRESS POSTS               the 5 members with the most posts
  MEMBER=ADDRESS                     every member who posted, sorted
  OVERDUE_POST=AUTHOR TIME HOURS MESSAGE-ID
                                     unanswered and past the promise, in
                                     time order (TIME ISO, HOURS waited)
  UNSURE=N                           member posts of the period whose
                                     answer kring may decide otherwise:
                                     a staff message that names no parent
                                     itself may get one from kring, by
                                     its reply-prefixed subject or by
                                     another message's References
  UNSURE_THREADS=N                   messages of the period in a thread
                                     that kring's subject fallback may
                                     join otherwise
Threads here: messages joined by any id they name (Message-ID,
References, In-Reply-To), as a JWZ threader joins them, plus kring's
subject fallback for a reply-prefixed message naming no parent at all.
"""

import calendar
import collections
import email.utils
import hashlib
import importlib.util
import os
import re
import sys
import time

sys.dont_write_bytecode = True     # nothing written beside the helpers
_spec = importlib.util.spec_from_file_location(
    "thread_check", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                 "thread-check.py"))
tc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tc)

TOP_THREADS = 5
TOP_MEMBERS = 5
MAX_DAYS = 62


# ------------------------------------------------------- kring import

def is_from_line(data, p):
    """Is the line at P the start of a message (lib/store/mbox.c)?"""
    if data[p:p + 5] != b"From ":
        return False
    return p == 0 or data[max(p - 2, 0):p] == b"\n\n" or \
        data[max(p - 3, 0):p] == b"\n\r\n"


MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
          "oct", "nov", "dec"]
DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
DAY_NAMES = ["sunday", "monday", "tuesday", "wednesday", "thursday",
             "friday", "saturday"]
MONTH_NAMES = ["january", "february", "march", "april", "may", "june",
               "july", "august", "september", "october", "november",
               "december"]


def from_line_time(line):
    """The date of a From_ line (without its line end) as strptime
    "%a %b %d %H:%M:%S %Y" reads it after the address; 0 when none."""
    if len(line) >= 128:
        return 0
    text = line.decode("latin-1")
    sp = text.find(" ", 5)
    if sp < 0:
        return 0
    m = re.match(r"\s*([A-Za-z]+)\s*([A-Za-z]+)\s*(\d{1,2})\s*(\d{1,2})"
                 r"\s*:\s*(\d{1,2})\s*:\s*(\d{1,2})\s*(\d{1,4})",
                 text[sp:].lstrip(" "))
    if not m:
        return 0
    wd, mon = m.group(1).lower(), m.group(2).lower()
    if wd not in DAYS and wd not in DAY_NAMES:
        return 0
    if mon in MONTHS:
        month = MONTHS.index(mon) + 1
    elif mon in MONTH_NAMES:
        month = MONTH_NAMES.index(mon) + 1
    else:
        return 0
    day, hh, mm, ss, year = (int(m.group(i)) for i in range(3, 8))
    if not (1 <= day <= 31 and hh <= 23 and mm <= 59 and ss <= 61):
        return 0
    return calendar.timegm((year, month, day, hh, mm, ss, 0, 0, 0))


def mbox_split(data):
    """(message bytes, From_ time or 0) as lib/store/mbox.c splits them."""
    out, p, n = [], 0, len(data)
    while p < n:
        from_time = 0
        if is_from_line(data, p):
            nl = data.find(b"\n", p)
            end = nl if nl >= 0 else n
            line = data[p:end]
            if nl >= 0 and line.endswith(b"\r"):
                line = line[:-1]
            from_time = from_line_time(line)
            p = nl + 1 if nl >= 0 else n
        buf = []
        while p < n and not is_from_line(data, p):
            nl = data.find(b"\n", p)
            end = nl + 1 if nl >= 0 else n
            line = data[p:end]
            gt = len(line) - len(line.lstrip(b">"))
            if gt > 0 and line[gt:gt + 5] == b"From ":
                buf.append(line[1:])
            else:
                buf.append(line)
            p = end
        msg = b"".join(buf)
        if len(msg) >= 2 and msg.endswith(b"\n") and (
                msg[-2:-1] == b"\n" or msg.endswith(b"\r\n\r\n")):
            msg = msg[:-1]
            if msg.endswith(b"\r"):
                msg = msg[:-1]
        out.append((msg, from_time))
    return out


def header_fields(raw):
    """The first value of each header field kring reads, unfolded and
    trimmed, as lib/mail/msginfo.c's fields_scan picks them."""
    hdr = raw[:tc.body_offset(raw)].decode("latin-1")
    want = {"message-id", "references", "in-reply-to", "subject", "from",
            "date"}
    out = {}
    lines = hdr.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i].rstrip("\r")
        if line == "":
            break
        j = i + 1
        value = [line]
        while j < len(lines) and lines[j][:1] in (" ", "\t"):
            value.append(lines[j].rstrip("\r"))
            j += 1
        if ":" in line:
            name = line.split(":", 1)[0].rstrip(" \t").lower()
            if name in want and name not in out:
                out[name] = "".join(value).split(":", 1)[1].strip(
                    " \t\r\n\f\v")
        i = j
    return out


def derived_id(raw, f):
    h = hashlib.sha256()
    for name in ("from", "date", "subject"):
        h.update(f.get(name, "").encode("latin-1"))
        h.update(b"\n")
    body = tc.body_offset(raw)
    if body == len(raw):
        body = 0
    h.update(raw[body:])
    return h.hexdigest()[:32] + "@derived.kring.invalid"


def first_address(text):
    if text is None:
        return ""
    for _, addr in email.utils.getaddresses([text]):
        if addr:
            return addr.lower()
    return ""


def date_time(text):
    if text is None:
        return None
    t = email.utils.parsedate_tz(text)
    if t is None:
        return None
    try:
        return email.utils.mktime_tz(t)
    except (OverflowError, ValueError):
        return None


class Msg:
    pass


def load(paths, import_now):
    """The stored messages in import order, and (duplicates, skipped)."""
    msgs, seen, dups, skipped = [], set(), 0, 0
    for path in paths:
        with open(path, "rb") as fp:
            data = fp.read()
        if not data:
            skipped += 1
            continue
        if data[:5] == b"From ":
            entries = mbox_split(data)
        else:
            entries = [(data, 0)]
        for raw, from_time in entries:
            if raw.strip(b" \t\r\n") == b"":
                skipped += 1
                continue
            if tc.body_offset(raw) <= 2 and raw[:1] in (b"\n", b"\r"):
                skipped += 1
                continue
            f = header_fields(raw)
            m = Msg()
            mid = None
            if "message-id" in f:
                ids = tc.references_parse(f["message-id"])
                mid = ids[0] if ids else tc.decode_msgid(f["message-id"],
                                                        0)[0]
            m.derived = not mid
            m.message_id = mid if mid else derived_id(raw, f)
            if m.message_id in seen:
                dups += 1
                continue
            seen.add(m.message_id)
            m.refs = tc.kring_refs(f.get("references"),
                                   f.get("in-reply-to"), m.message_id)
            m.parent = m.refs[-1] if m.refs else None
            m.subject = tc.decode_subject(f.get("subject"))
            m.author = first_address(f.get("from"))
            if from_time > 0:
                m.time = from_time
            else:
                d = date_time(f.get("date"))
                m.time = d if d is not None else import_now
            msgs.append(m)
    return msgs, dups, skipped


# ------------------------------------------------------------ figures

def parse_time(text):
    if re.fullmatch(r"\d+", text):
        return int(text)
    if len(text) == 10:
        text += "T00:00:00Z"
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


def day_text(t):
    return time.strftime("%Y-%m-%d", time.gmtime(t))


def c_div(a, b):
    """C's integer division (towards zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def threads_of(msgs):
    """(message id -> thread label, the labels of threads joined by
    subject): the union of every id a message names, and reply-prefixed
    messages naming none joined by base subject."""
    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a, b):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb

    for m in msgs:
        find(m.message_id)
        for r in m.refs:
            union(m.message_id, r)
    # kring's subject fallback joins a reply-prefixed message naming no
    # parent to the thread of its base subject (an original, or an earlier
    # such reply), depending on the order they come in: here all messages
    # naming none that share a base with such a reply are joined, and
    # reported as unsure.
    by_base = collections.defaultdict(list)
    for m in msgs:
        if not m.refs:
            base = tc.subject_base(m.subject)
            if base:
                by_base[base].append(m)
    unsure = set()
    for group in by_base.values():
        if len(group) > 1 and any(tc.subject_is_reply(m.subject)
                                  for m in group):
            for m in group:
                union(m.message_id, group[0].message_id)
                unsure.add(m.message_id)
    label = {m.message_id: find(m.message_id) for m in msgs}
    return label, {label[u] for u in unsure}


def figures(args):
    opts, paths = {}, []
    it = iter(args)
    for a in it:
        if a.startswith("--"):
            opts[a[2:]] = next(it)
        else:
            paths.append(a)
    staff = {s.strip().lower() for s in opts["staff"].split(",") if s}
    since, until = parse_time(opts["since"]), parse_time(opts["until"])
    now = parse_time(opts["now"])
    import_now = parse_time(opts.get("import-now", opts["now"]))
    promise = int(opts.get("promise-hours", "24")) * 3600
    msgs, dups, skipped = load(paths, import_now)

    out = []
    out.append("MESSAGES=%d" % len(msgs))
    out.append("DUPLICATES=%d" % dups)
    out.append("SKIPPED=%d" % skipped)
    totals = collections.Counter(m.author for m in msgs if m.author)
    out.append("SENDERS=%d" % len(totals))

    # The period, in time order (ties: import order, as the store ids).
    period = sorted((m for m in msgs if since <= m.time < until),
                    key=lambda m: m.time)
    is_staff = {m.message_id: m.author in staff for m in msgs}
    children = collections.defaultdict(list)
    for m in msgs:
        if m.parent is not None:
            children[m.parent].append(m)
    thread_of, subject_joined = threads_of(msgs)
    # Member posts whose answer kring may decide otherwise: a staff
    # message naming no parent itself may get one from kring, by another
    # message's References (a guessed link, below the id before it) or by
    # its reply-prefixed subject (below the top of that subject's thread).
    unsure_posts = set()
    loose = [m for m in msgs if is_staff[m.message_id] and m.parent is None]
    loose_ids = {m.message_id for m in loose}
    for m in msgs:
        for a, b in zip(m.refs + [m.message_id], m.refs[1:] +
                        [m.message_id]):
            if b in loose_ids and a != b:
                unsure_posts.add(a)
    loose_threads = {thread_of[m.message_id] for m in loose
                     if tc.subject_is_reply(m.subject)}
    for m in msgs:
        if thread_of[m.message_id] in loose_threads:
            unsure_posts.add(m.message_id)

    member_posts = collections.Counter()
    staff_posts = 0
    answered_minutes, unanswered, within, due = [], 0, 0, 0
    overdue, unsure = [], 0
    for m in period:
        if is_staff[m.message_id]:
            staff_posts += 1
            continue
        member_posts[m.author] += 1
        answers = [c.time for c in children[m.message_id]
                   if is_staff[c.message_id]]
        unsure += m.message_id in unsure_posts
        if answers:
            t = min(answers)
            answered_minutes.append(c_div(t - m.time, 60))
            due += 1
            within += t - m.time <= promise
        else:
            unanswered += 1
            if now - m.time > promise:
                due += 1
                overdue.append(m)
    # Posts are member posts (the staff's are counted on their own).
    out.append("POSTS=%d" % sum(member_posts.values()))
    out.append("MEMBERS=%d" % len(member_posts))
    out.append("STAFF_POSTS=%d" % staff_posts)
    out.append("NEW_MEMBERS=%d" % sum(1 for a, n in member_posts.items()
                                      if totals[a] <= n))
    out.append("MEMBER_POSTS=%d" % sum(member_posts.values()))
    out.append("ANSWERED=%d" % len(answered_minutes))
    out.append("UNANSWERED=%d" % unanswered)
    mins = sorted(answered_minutes)
    if not mins:
        median = "-"
    else:
        k = len(mins)
        med = mins[k // 2] if k % 2 else c_div(mins[k // 2 - 1] +
                                               mins[k // 2], 2)
        median = "%d min" % med if med < 60 else "%.1f h" % (med / 60)
    out.append("MEDIAN=%s" % median)
    out.append("WITHIN_PCT=%d" % (within * 100 // due if due else 100))
    out.append("DUE=%d" % due)
    out.append("WITHIN=%d" % within)
    out.append("OVERDUE=%d" % len(overdue))

    # Posts per day, as the newsletter's chart (the last MAX_DAYS days).
    first_day = since
    if (until - since + 86399) // 86400 > MAX_DAYS:
        first_day = until - MAX_DAYS * 86400
    lo = first_day
    first_day -= first_day % 86400
    per_day = collections.Counter(day_text(m.time) for m in period
                                  if m.time >= lo and
                                  not is_staff[m.message_id])
    d = first_day
    while d < until:
        out.append("DAY=%s %d" % (day_text(d), per_day[day_text(d)]))
        d += 86400

    # The busiest threads: member posts in the period, members, last
    # member post.
    rows = collections.OrderedDict()
    for m in period:
        if is_staff[m.message_id]:
            continue
        row = rows.setdefault(thread_of[m.message_id],
                              {"posts": 0, "people": set(), "last": 0})
        row["posts"] += 1
        row["people"].add(m.author)
        row["last"] = m.time
    ranked = sorted(rows.values(), key=lambda r: (-r["posts"], -r["last"]))
    for r in ranked[:TOP_THREADS]:
        out.append("THREAD=%d %d %s" % (r["posts"], len(r["people"]),
                                        day_text(r["last"])))
    out.append("UNSURE_THREADS=%d" % sum(
        1 for m in period if thread_of[m.message_id] in subject_joined))

    for a in sorted(member_posts, key=lambda a: (-member_posts[a],
                                                 a.encode()))[:TOP_MEMBERS]:
        out.append("ACTIVE=%s %d" % (a, member_posts[a]))
    for a in sorted(member_posts, key=lambda a: a.encode()):
        out.append("MEMBER=%s" % a)
    for m in overdue:
        out.append("OVERDUE_POST=%s %s %d %s" % (
            m.author, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(m.time)),
            (now - m.time) // 3600, m.message_id))
    out.append("UNSURE=%d" % unsure)
    print("\n".join(out))


def top_staff(args):
    n, paths = int(args[0]), args[1:]
    msgs, _, _ = load(paths, 0)
    totals = collections.Counter(m.author for m in msgs if m.author)
    for a in sorted(totals, key=lambda a: (-totals[a], a.encode()))[:n]:
        print(a)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    if sys.argv[1] == "staff":
        top_staff(sys.argv[2:])
    elif sys.argv[1] == "figures":
        figures(sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
