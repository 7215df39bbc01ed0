#!/usr/bin/python3
"""mail-part.py: what the tests need to see of a message kring made.

  mail-part.py FILE [N] PART

FILE is an .eml file or an mbox (a preview); N picks the Nth message of
an mbox (1-based, default 1).  PART is:
  count      the number of messages (mbox)
  text       the decoded text/plain part
  html       the decoded text/html part
  header:F   every value of header field F, decoded (RFC 2047), one a line
  rawheader:F  every value of F as it is in the message, unfolded
  structure  the MIME tree: one content type a line, indented
  raw        the whole message as it is
Exit status 1 when FILE cannot be read or the part is missing.
"""
import email
import email.policy
import mailbox
import sys


def messages(path):
    with open(path, "rb") as f:
        head = f.read(5)
    if head == b"From ":
        return [m for m in mailbox.mbox(path, factory=None)]
    with open(path, "rb") as f:
        return [email.message_from_binary_file(f, policy=email.policy.compat32)]


def decoded(msg, field):
    out = []
    for v in msg.get_all(field, []):
        parts = email.header.decode_header(v)
        out.append("".join(p.decode(c or "ascii", "replace")
                           if isinstance(p, bytes) else p for p, c in parts))
    return out


def part_text(msg, subtype):
    for p in msg.walk():
        if p.get_content_type() == "text/" + subtype:
            raw = p.get_payload(decode=True)
            return raw.decode(p.get_content_charset() or "utf-8", "replace")
    return None


def structure(msg, depth=0):
    lines = ["  " * depth + msg.get_content_type()]
    if msg.is_multipart():
        for p in msg.get_payload():
            lines += structure(p, depth + 1)
    return lines


def main():
    args = sys.argv[1:]
    if len(args) not in (2, 3):
        sys.exit(__doc__)
    path, what = args[0], args[-1]
    n = int(args[1]) if len(args) == 3 else 1
    msgs = messages(path)
    if what == "count":
        print(len(msgs))
        return
    if n < 1 or n > len(msgs):
        sys.exit("%s: no message %d (of %d)" % (path, n, len(msgs)))
    msg = email.message_from_bytes(msgs[n - 1].as_bytes(),
                                   policy=email.policy.compat32)
    if what in ("text", "html"):
        text = part_text(msg, "plain" if what == "text" else "html")
        if text is None:
            sys.exit("%s: message %d has no text/%s part" % (path, n, what))
        sys.stdout.write(text.replace("\r\n", "\n"))
    elif what.startswith("header:"):
        for v in decoded(msg, what[7:]):
            print(v)
    elif what.startswith("rawheader:"):
        for v in msg.get_all(what[10:], []):
            print(" ".join(v.split()))
    elif what == "raw":
        sys.stdout.buffer.write(msgs[n - 1].as_bytes())
    elif what == "structure":
        print("\n".join(structure(msg)))
    else:
        sys.exit(__doc__)


main()
