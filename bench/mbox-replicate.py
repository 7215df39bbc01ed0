#!/usr/bin/python3
"""mbox-replicate.py: an mbox of N messages from a few message files.

    mbox-replicate.py N OUT FILE...

Writes the messages of FILE... (in the order given) again and again until
there are N, as an mboxrd file OUT.  Replica k (0, 1, ...) rewrites every
Message-ID <local@domain> in the Message-ID, In-Reply-To and References
headers to <local-k@domain>, so each replica has ids of its own and its
threads are threads of their own.  Each message gets a From_ line with a
date that moves on a minute per message; body lines that start with
"From " (after any number of '>') get one more '>' (mboxrd).
"""

import re
import sys
import time

ID_HEADERS = re.compile(rb"^(message-id|in-reply-to|references)[ \t]*:", re.I)
MSGID = re.compile(rb"<([^<>@\s]+)@([^<>\s]+)>")
FROM_LINE = re.compile(rb"^>*From ", re.M)
START = 1577880000		# 2020-01-01 12:00:00 UTC


def split_header(msg):
    """(header lines, body) of MSG (bytes, LF or CRLF)."""
    m = re.search(rb"\r?\n\r?\n", msg)
    if m is None:
        return msg.splitlines(keepends=True), b""
    return msg[:m.end()].splitlines(keepends=True), msg[m.end():]


def replica(header, body, k):
    out = []
    rewrite = False
    suffix = b"-%d@" % k
    for line in header:
        if line[:1] not in (b" ", b"\t"):	# else: a continuation line
            rewrite = ID_HEADERS.match(line) is not None
        if rewrite:
            line = MSGID.sub(lambda m: b"<" + m.group(1) + suffix + m.group(2) + b">", line)
        out.append(line)
    return b"".join(out) + body


def main():
    if len(sys.argv) < 4:
        sys.stderr.write("usage: mbox-replicate.py N OUT FILE...\n")
        return 64
    n = int(sys.argv[1])
    msgs = []
    for path in sys.argv[3:]:
        with open(path, "rb") as f:
            msgs.append(split_header(f.read()))
    written = 0
    k = 0
    with open(sys.argv[2], "wb") as out:
        while written < n:
            for header, body in msgs:
                if written == n:
                    break
                msg = FROM_LINE.sub(lambda m: b">" + m.group(0),
                                    replica(header, body, k))
                when = time.strftime("%a %b %e %H:%M:%S %Y",
                                     time.gmtime(START + 60 * written))
                out.write(b"From bench@kring.bench " + when.encode() + b"\n")
                out.write(msg)
                if not msg.endswith(b"\n"):
                    out.write(b"\n")
                out.write(b"\n")
                written += 1
            k += 1
    print("%d messages, %d replicas of %d files" % (written, k, len(msgs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
