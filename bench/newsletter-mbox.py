#!/usr/bin/python3
"""newsletter-mbox.py: the mbox of bench/newsletter, a community's archive.

    newsletter-mbox.py N START DAYS OUT STAFF FILE...

Writes N messages as an mboxrd file OUT, spread evenly over DAYS days from
START (seconds since the epoch, UTC), the From_ line and the Date header
of each message the same time, in order.  The bodies and MIME headers are
those of FILE... (bench/data/*.eml, taken in turn); the addressing and
thread headers are made here:

  - about a quarter of the messages start a thread (a subject of its own,
    no In-Reply-To); the rest reply to one of the last few thousand
    messages (a day or two back, the recent ones more often), with
    In-Reply-To, References (the parent's, at most 10, plus the parent)
    and "Re: " + the thread's subject;
  - senders: 40,000 members, a few of them very active (the k-th most
    active posts about 1/k as often as the first); STAFF (comma-separated
    addresses) write about 8% of the replies and 2% of the thread starts.

The same N, START, DAYS and STAFF give the same mbox (a fixed seed).
Prints "N messages, T threads, S by staff, B bytes".
"""

import random
import re
import sys
import time

DROP = re.compile(rb"^(return-path|from|sender|to|cc|subject|date|message-id|"
                  rb"in-reply-to|references|reply-to)[ \t]*:", re.I)
FROM_LINE = re.compile(rb"^>*From ", re.M)
MEMBERS = 40000
WINDOW = 3000		# messages a reply may answer: about two days back
WORDS = ("garden compost bulbs coffee shed bike repair cafe soldering "
         "library market permit budget treasurer minutes meeting members "
         "children workshop saturday schedule neighbourhood plants tools "
         "rain water borrow approved committee plan spring autumn").split()


def template(path):
    """(kept header bytes, body bytes) of a sample message."""
    with open(path, "rb") as f:
        msg = f.read().replace(b"\r\n", b"\n")
    cut = msg.find(b"\n\n")
    head, body = (msg, b"") if cut < 0 else (msg[:cut + 1], msg[cut + 2:])
    kept, drop = [], False
    for line in head.splitlines(keepends=True):
        if line[:1] not in (b" ", b"\t"):
            drop = DROP.match(line) is not None
        if not drop:
            kept.append(line)
    body = FROM_LINE.sub(lambda m: b">" + m.group(0), body)
    if not body.endswith(b"\n"):
        body += b"\n"
    return b"".join(kept), body


def main():
    if len(sys.argv) < 7:
        sys.stderr.write("usage: newsletter-mbox.py N START DAYS OUT STAFF FILE...\n")
        return 64
    n, start, days = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    out_path = sys.argv[4]
    staff = [s.encode() for s in sys.argv[5].split(",") if s]
    templates = [template(p) for p in sys.argv[6:]]
    rnd = random.Random(20260301)
    span = days * 86400.0

    # Member k (0-based) is picked with weight 1/(k+1): a long tail.
    weights, acc = [], 0.0
    for k in range(MEMBERS):
        acc += 1.0 / (k + 1)
        weights.append(acc)
    members = [b"member%d@example.net" % k for k in range(MEMBERS)]
    names = [b"Member %d" % k for k in range(MEMBERS)]

    ids = [None] * WINDOW		# ring: (msgid, refs, subject) of the last
    threads = by_staff = size = 0
    with open(out_path, "wb", buffering=1 << 20) as out:
        for i in range(n):
            t = start + int(i * span / n)
            tpl_head, body = templates[i % len(templates)]
            msgid = b"<n%d@bench.kring>" % i
            root = i == 0 or rnd.random() < 0.25
            if root:
                threads += 1
                subject = b"Thread %d: %s %s %s" % (threads, *(
                    w.encode() for w in rnd.sample(WORDS, 3)))
                refs = b""
                is_staff = rnd.random() < 0.02
            else:
                back = 1 + int(min(i, WINDOW - 1) * rnd.random() ** 3)
                pid, prefs, psubj = ids[(i - back) % WINDOW]
                subject = psubj
                refs = b" ".join((prefs.split() + [pid])[-10:])
                is_staff = rnd.random() < 0.08
            if is_staff:
                by_staff += 1
                addr = staff[rnd.randrange(len(staff))]
                name = b"Staff " + addr.split(b"@")[0]
            else:
                k = rnd.choices(range(MEMBERS), cum_weights=weights)[0]
                addr, name = members[k], names[k]
            ids[i % WINDOW] = (msgid, refs, subject)
            when = time.gmtime(t)
            head = [b"From %s %s\n" % (addr, time.strftime(
                        "%a %b %e %H:%M:%S %Y", when).encode()),
                    b"From: %s <%s>\n" % (name, addr),
                    b"To: Community <kring@example.org>\n",
                    b"Subject: %s%s\n" % (b"" if root else b"Re: ", subject),
                    b"Date: %s\n" % time.strftime(
                        "%a, %d %b %Y %H:%M:%S +0000", when).encode(),
                    b"Message-ID: %s\n" % msgid]
            if refs:
                head.append(b"In-Reply-To: %s\nReferences: %s\n" % (
                    refs.split()[-1], refs))
            msg = b"".join(head) + tpl_head + b"\n" + body + b"\n"
            out.write(msg)
            size += len(msg)
    print("%d messages, %d threads, %d by staff, %d bytes" % (
        n, threads, by_staff, size))
    return 0


if __name__ == "__main__":
    sys.exit(main())
