#!/usr/bin/python3
"""thread-check.py: check kring's threads against the messages' own headers.

Run by t/t0510-corpora-threading.sh with Debian's python3 (standard library
only).  It reads a store through the tools: the stored messages with
mdb_dump (the "raw" database of store.h), the trees with `kring threads
--json` and `kring thread --json ID`.  Message-IDs, References and
In-Reply-To are read here independently of kring, following gmime's
parser so that both see the same ids in malformed headers.

  thread-check.py check STORE...
      (a) every stored message's parent is the one its own header names
      (In-Reply-To's first id, else the last References id; ids without
      '@' ignored), except where that link would close a loop of the
      messages' own links.  A message naming no parent may have a parent
      that another message's References put before it, or one it joined
      by subject (a reply-prefixed subject; neither header).
  thread-check.py compare STORE OTHER...
      (b) the same archive imported in other orders: the same threads
      (as sets of messages) and the same parents, except where the rules
      leave the choice open (loops of own links, conflicting guesses,
      subject fallback among several candidates, duplicate ids whose
      copies differ).
  thread-check.py groups STORE [--omit LABEL]...
      one line per thread: its messages' labels, sorted (label: the
      Message-ID, or "body:FIRST-LINE" for a derived one).
  thread-check.py notmuch STORE EXPECTED equal|coarser|finer
      (c) compare with a notmuch tree dump (notmuch does no subject
      grouping, and follows ids without '@'): the same threads, or kring
      joins notmuch threads only by subject fallback (coarser), or splits
      them only where notmuch followed a junk id (finer); where a message
      names a stored parent, notmuch chose it too.
  thread-check.py count STORE
      the number of threads.
  thread-check.py reorder OUT reverse|SEED MBOX...
      the messages of MBOX... reversed or shuffled into the mbox OUT.
  thread-check.py order reverse|SEED
      the lines of stdin reversed or shuffled.

Exit status 1 when a check fails; each problem is printed.
"""

import email.header
import email.parser
import email.policy
import hashlib
import json
import os
import re
import subprocess
import sys

DERIVED = "@derived.kring.invalid"
IDKEY_MAX = 400
MAX_REFS = 128


# --------------------------------------------------------------- store

def run(args):
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        sys.exit("thread-check: %s: exit %d: %s" % (
            " ".join(args), r.returncode, r.stderr.decode(errors="replace")))
    return r.stdout


def load_raw(store):
    """store id -> the stored bytes.  (mdb_dump's hex format: its -p
    format does not escape a backslash, so it cannot be read back.)"""
    data = run(["mdb_dump", "-s", "raw", store])
    lines = data.split(b"\n")
    try:
        start = lines.index(b"HEADER=END") + 1
    except ValueError:
        sys.exit("thread-check: %s: no mdb_dump header" % store)
    msgs = {}
    i = start
    while i < len(lines) and lines[i] != b"DATA=END":
        key = bytes.fromhex(lines[i][1:].decode())
        val = bytes.fromhex(lines[i + 1][1:].decode())
        msgs[int.from_bytes(key, "big")] = val
        i += 2
    return msgs


def load_trees(path):
    """The output of kring threads --json and of kring thread --json for
    each thread.  Kept beside the store in PATH.trees.json, as long as the
    store does not change, since the checks read a store several times."""
    cache = path.rstrip("/") + ".trees.json"
    data = os.path.join(path, "data.mdb")
    try:
        if os.path.getmtime(cache) >= os.path.getmtime(data):
            with open(cache, encoding="utf-8") as f:
                c = json.load(f)
            return c["threads"], c["trees"]
    except (OSError, ValueError, KeyError):
        pass
    threads, trees = [], {}
    out = run(["kring", "threads", "-s", path, "--json"])
    for line in out.decode("utf-8", "replace").splitlines():
        threads.append(json.loads(line))
    for t in threads:
        out = run(["kring", "thread", "-s", path, "--json", str(t["id"])])
        trees[str(t["id"])] = [json.loads(line) for line in
                               out.decode("utf-8", "replace").splitlines()]
    with open(cache, "w", encoding="utf-8") as f:
        json.dump({"threads": threads, "trees": trees}, f)
    return threads, trees


def strip_brackets(mid):
    return mid[1:-1] if mid.startswith("<") and mid.endswith(">") else mid


class Store:
    def __init__(self, path):
        self.path = path
        self.raw = load_raw(path)
        self.threads = []           # the JSON objects of kring threads
        self.parent = {}            # idkey -> parent idkey or None
        self.thread_of = {}         # idkey -> thread id
        self.msg_of = {}            # idkey -> store id (real nodes)
        self.id_of = {}             # store id -> idkey
        self.children = {}
        self.problems = []
        self.threads, trees = load_trees(path)
        for t in self.threads:
            tid = t["id"]
            for n in trees[str(tid)]:
                key = strip_brackets(n["message_id"])
                par = strip_brackets(n["parent"]) if n["parent"] else None
                if key in self.parent:
                    self.problems.append("node <%s> in two trees" % key)
                self.parent[key] = par
                self.thread_of[key] = tid
                if par is not None:
                    self.children.setdefault(par, []).append(key)
                if n["id"] is not None:
                    self.msg_of[key] = n["id"]
                    self.id_of[n["id"]] = key
        for sid in self.raw:
            if sid not in self.id_of:
                self.problems.append("stored message %d is in no thread"
                                     % sid)
        for sid in self.id_of:
            if sid not in self.raw:
                self.problems.append("thread node %d has no stored message"
                                     % sid)
        self.info = {}
        for sid, raw in self.raw.items():
            if sid in self.id_of:
                self.info[self.id_of[sid]] = parse_message(raw)

    def ancestors(self, key):
        seen = []
        p = self.parent.get(key)
        while p is not None and len(seen) < 100000:
            seen.append(p)
            p = self.parent.get(p)
        return seen

    def subtree(self, key):
        out, todo = set(), [key]
        while todo:
            k = todo.pop()
            if k in out:
                continue
            out.add(k)
            todo.extend(self.children.get(k, []))
        return out

    def members(self):
        """thread id -> set of real message idkeys."""
        m = {}
        for key, tid in self.thread_of.items():
            if key in self.msg_of:
                m.setdefault(tid, set()).add(key)
        return m


# ------------------------------------------------------ gmime's parser

SPECIALS = set('()<>@,;:\\".[]')


def is_atom(c):
    return c not in SPECIALS and c > " " and c != "\x7f"


def skip_lwsp(s, i):
    while i < len(s) and s[i] in " \t\r\n":
        i += 1
    return i


def skip_cfws(s, i):
    """(new index, ok); on failure the index does not move."""
    j = skip_lwsp(s, i)
    while j < len(s) and s[j] == "(":
        depth, j = 1, j + 1
        while j < len(s) and depth:
            if s[j] == "\\" and j + 1 < len(s):
                j += 1
            elif s[j] == "(":
                depth += 1
            elif s[j] == ")":
                depth -= 1
            j += 1
        if depth:
            return i, False
        j = skip_lwsp(s, j)
    return j, True


def decode_atom(s, i):
    if i >= len(s) or not is_atom(s[i]):
        return None, i
    j = i + 1
    while j < len(s) and is_atom(s[j]):
        j += 1
    return s[i:j], j


def decode_word(s, i):
    i, _ = skip_cfws(s, i)
    if i < len(s) and s[i] == '"':
        j = i + 1
        while j < len(s) and s[j] != '"':
            if s[j] == "\\":
                j += 1
            if j < len(s):
                j += 1
        if j < len(s) and s[j] == '"':
            j += 1
        return s[i:j], j
    return decode_atom(s, i)


def decode_domain(s, i):
    out = ""
    while i < len(s):
        i, _ = skip_cfws(s, i)
        if i < len(s) and s[i] == "[":
            out += "["
            i += 1
            i, _ = skip_cfws(s, i)
            while i < len(s) and s[i] != "]":
                got = False
                while i < len(s) and s[i] not in ".]":
                    if s[i] in " \t\r\n":
                        i = skip_lwsp(s, i)
                    elif s[i] not in "[]\\\r":
                        out += s[i]
                        i += 1
                        got = True
                    else:
                        break
                if got and i < len(s) and s[i] == ".":
                    out += "."
                    i += 1
                elif i < len(s) and s[i] != "]":
                    i += 1
            if i < len(s) and s[i] == "]":
                out += "]"
                i += 1
        else:
            atom, j = decode_atom(s, i)
            if atom is None:
                if out.endswith("."):
                    out = out[:-1]
                break
            out += atom
            i = j
        save = i
        i, _ = skip_cfws(s, i)
        if i >= len(s) or s[i] != ".":
            i = save
            break
        out += "."
        i += 1
    return out, i


def decode_addrspec(s, i):
    """(addrspec, index after it, index after leading cfws)."""
    i, _ = skip_cfws(s, i)
    start = i
    word, j = decode_word(s, i)
    if word is None:
        return None, start, start
    addr = word
    j, _ = skip_cfws(s, j)
    while j < len(s) and s[j] == ".":
        addr += "."
        word, j = decode_word(s, j + 1)
        if word is None:
            return None, start, start
        addr += word
        j, _ = skip_cfws(s, j)
    if j >= len(s) or s[j] != "@":
        return None, start, start
    addr += "@"
    dom, j = decode_domain(s, j + 1)
    if not dom:
        return None, start, start
    return addr + dom, j, start


def decode_msgid(s, i):
    i, _ = skip_cfws(s, i)
    if i < len(s) and s[i] == "<":
        i += 1
    i, _ = skip_cfws(s, i)
    addr, j, start = decode_addrspec(s, i)
    if addr is not None:
        j, _ = skip_cfws(s, j)
        if j < len(s) and s[j] == ">":
            j += 1
        return addr, j
    j = start
    while j < len(s) and s[j] != ">":
        j += 1
    return s[start:j], j


def references_parse(text):
    refs, i = [], 0
    while i < len(text):
        i, _ = skip_cfws(text, i)
        if i < len(text) and text[i] == "<":
            mid, i = decode_msgid(text, i)
            refs.append(mid)
        elif i < len(text):
            word, i = decode_word(text, i)
            if word is None:
                break
    return refs


# ------------------------------------------------- kring's msginfo rules

def plausible(mid):
    return mid != "" and "@" in mid and len(mid.encode()) < 1000


def kring_refs(references, in_reply_to, own):
    """References oldest first, then In-Reply-To's first id; junk and the
    message's own id dropped; a repeated id moves to the end; the newest
    MAX_REFS kept."""
    refs = []

    def add(mid):
        if not plausible(mid) or mid == own:
            return
        if mid in refs:
            refs.remove(mid)
            refs.append(mid)
            return
        if len(refs) == MAX_REFS:
            refs.pop(0)
        refs.append(mid)

    if references is not None:
        for mid in references_parse(references):
            add(mid)
    if in_reply_to is not None:
        ids = references_parse(in_reply_to)
        if ids:
            add(ids[0])
    return refs


REPLY_PREFIXES = ["re", "aw", "antw", "sv", "vs", "fwd", "fw", "wg", "tr",
                  "ynt", "odp", "res", "rif", "r", "ref", "rv", "vb",
                  "doorst", "fs"]


def reply_prefix_len(s):
    for p in REPLY_PREFIXES:
        n = len(p)
        if s[:n].lower() != p:
            continue
        q = n
        if q < len(s) and s[q] == "[":
            q2 = q + 1
            while q2 < len(s) and s[q2].isdigit():
                q2 += 1
            if q2 >= len(s) or s[q2] != "]":
                continue
            q = q2 + 1
        if s[q:q + 2] == " :":
            q += 1
        if s[q:q + 1] == ":":
            return q + 1
    return 0


def skip_tag(s):
    s = s.lstrip(" \t\r\n\f\v")
    if s.startswith("["):
        close = s.find("]")
        if close >= 0 and close + 1 < len(s):
            s = s[close + 1:]
        s = s.lstrip(" \t\r\n\f\v")
    return s


def subject_is_reply(subject):
    return reply_prefix_len(skip_tag(subject)) > 0


def subject_base(subject):
    s = skip_tag(subject)
    while True:
        n = reply_prefix_len(s)
        if n == 0:
            break
        s = skip_tag(s[n:])
    base = " ".join(s.split()).lower()
    if base.endswith(" (fwd)"):
        base = base[:-6]
    return base


def idkey(mid):
    if 0 < len(mid.encode()) <= IDKEY_MAX and not mid.startswith("#"):
        return mid
    return "#" + hashlib.sha256(mid.encode()).hexdigest()


def header_text(value):
    """A header value as gmime gives it: unfolded, encoded words decoded."""
    if value is None:
        return None
    if isinstance(value, email.header.Header):
        value = str(value)
    value = re.sub(r"\r?\n[ \t]", " ", value).strip(" \t\r\n")
    return value


def decode_subject(value):
    if value is None:
        return ""
    try:
        parts = email.header.decode_header(value)
        out = ""
        for text, charset in parts:
            if isinstance(text, bytes):
                try:
                    text = text.decode(charset or "utf-8")
                except (LookupError, UnicodeDecodeError):
                    text = text.decode("latin-1")
            out += text
        return out.strip()
    except Exception:  # a malformed encoded word: as it is
        return value.strip()


class Info:
    pass


def body_offset(raw):
    p = 0
    while p < len(raw):
        nl = raw.find(b"\n", p)
        if nl < 0:
            return len(raw)
        if nl == p or (nl == p + 1 and raw[p:p + 1] == b"\r"):
            return nl + 1
        p = nl + 1
    return len(raw)


def parse_message(raw):
    off = body_offset(raw)
    header = raw[:off]
    msg = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(
        header, headersonly=True)

    def get(name, last=False):
        vals = msg.get_all(name)
        if not vals:
            return None
        v = vals[-1] if last else vals[0]
        if isinstance(v, email.header.Header):
            v = str(v)
        return header_text(v)

    info = Info()
    mid_text = get("Message-ID", last=True)
    ids = references_parse(mid_text) if mid_text is not None else []
    mid = ids[0] if ids else None
    if mid_text is not None and not ids and mid_text.strip():
        mid, _ = decode_msgid(mid_text, 0)
    info.message_id = mid if mid else None
    info.subject = decode_subject(get("Subject"))
    info.refs = kring_refs(get("References"), get("In-Reply-To"),
                           info.message_id or "")
    info.own = idkey(info.refs[-1]) if info.refs else None
    info.has_headers = bool(info.refs)
    body = raw[off:]
    first = ""
    for line in body.decode("utf-8", "replace").splitlines():
        if line.strip():
            first = line.strip()
            break
    info.first_body_line = first
    return info


# ----------------------------------------------------------- the checks

def label(store, key):
    if key.endswith(DERIVED):
        return "body:" + store.info[key].first_body_line
    return key


def guessed_parents(store):
    """idkey -> ids that some stored message's header chain puts right
    before it (a placeholder's or a header-less message's parent)."""
    g = {}
    for key, info in store.info.items():
        chain = [idkey(r) for r in info.refs] + [key]
        for a, b in zip(chain, chain[1:]):
            g.setdefault(b, set()).add(a)
    return g


def own_cycle(store, key, own):
    """True when following own parents from OWN comes back to KEY."""
    seen, cur = set(), own
    while cur is not None and cur not in seen:
        if cur == key:
            return True
        seen.add(cur)
        info = store.info.get(cur)
        cur = info.own if info is not None else None
    return False


def subject_link(store, key, parent):
    """KEY hangs below PARENT by subject: a message without headers in
    KEY's subtree and one elsewhere in the thread share a non-empty base
    subject, one of them reply-prefixed."""
    below = store.subtree(key)
    tid = store.thread_of[key]
    mine = [k for k in below if k in store.info and
            not store.info[k].has_headers]
    others = [k for k, t in store.thread_of.items() if t == tid and
              k not in below and k in store.info and
              not store.info[k].has_headers]
    for a in mine:
        ba = subject_base(store.info[a].subject)
        if not ba:
            continue
        for b in others:
            if subject_base(store.info[b].subject) != ba:
                continue
            if (subject_is_reply(store.info[a].subject) or
                    subject_is_reply(store.info[b].subject)):
                return True
    return False


def check(store):
    problems = list(store.problems)
    stats = {"messages": 0, "own": 0, "loop": 0, "guessed": 0,
             "subject": 0, "top": 0}
    guesses = guessed_parents(store)
    for key, info in sorted(store.info.items()):
        stats["messages"] += 1
        got = store.parent.get(key)
        if info.message_id is not None and idkey(info.message_id) != key \
                and not key.endswith(DERIVED):
            problems.append("<%s>: its Message-ID header reads <%s>"
                            % (key, info.message_id))
        if info.own is not None:
            if got == info.own:
                stats["own"] += 1
            elif info.own in store.ancestors(key):
                problems.append("<%s>: parent <%s>, but its header names "
                                "<%s>, which is above it" % (key, got,
                                                              info.own))
            elif key in store.ancestors(info.own):
                if own_cycle(store, key, info.own):
                    stats["loop"] += 1
                else:
                    problems.append(
                        "<%s>: parent %s, its header names <%s>: refused "
                        "as a loop, but the loop is made by a parent "
                        "guessed from other messages' References, not by "
                        "the messages' own headers" % (
                            key, "<%s>" % got if got else "none",
                            info.own))
            else:
                problems.append("<%s>: parent %s, its header names <%s>"
                                % (key, "<%s>" % got if got else "none",
                                   info.own))
            continue
        if got is None:
            stats["top"] += 1
        elif got in guesses.get(key, ()):
            stats["guessed"] += 1
        elif subject_link(store, key, got):
            stats["subject"] += 1
        else:
            problems.append("<%s> names no parent, yet hangs below <%s> "
                            "(no References chain and no subject says so)"
                            % (key, got))
    problems.extend(check_membership(store))
    # Replies without headers join a thread of their base subject, when
    # another message without headers has it.
    by_base = {}
    for key, info in store.info.items():
        if not info.has_headers:
            base = subject_base(info.subject)
            if base:
                by_base.setdefault(base, []).append(key)
    for base, keys in sorted(by_base.items()):
        for k in keys:
            if not subject_is_reply(store.info[k].subject) or len(keys) < 2:
                continue
            if not any(store.thread_of[o] == store.thread_of[k]
                       for o in keys if o != k):
                problems.append("<%s> (\"%s\"): a reply without headers in "
                                "no thread of its subject" % (
                                    k, store.info[k].subject))
    return problems, stats


class UnionFind:
    def __init__(self):
        self.up = {}

    def find(self, x):
        self.up.setdefault(x, x)
        while self.up[x] != x:
            self.up[x] = self.up[self.up[x]]
            x = self.up[x]
        return x

    def union(self, a, b):
        self.up[self.find(a)] = self.find(b)


def components(store):
    """Stored messages grouped as their headers link them: a message with
    every id of its References and In-Reply-To (as kring reads them)."""
    uf = UnionFind()
    for key, info in store.info.items():
        uf.find(key)
        for r in info.refs:
            uf.union(key, idkey(r))
    comp = {}
    for key in store.info:
        comp.setdefault(uf.find(key), set()).add(key)
    return list(comp.values())


def check_membership(store):
    """Threads are the groups the headers link, joined further only by
    subject fallback."""
    problems = []
    by_thread = {}
    for comp in components(store):
        tids = {store.thread_of[k] for k in comp}
        if len(tids) > 1:
            problems.append("<%s> and <%s> are linked by their headers but "
                            "in different threads" % tuple(sorted(comp)[:2]))
        for tid in tids:
            by_thread.setdefault(tid, []).append(comp)
    for tid, comps in sorted(by_thread.items()):
        if len(comps) < 2:
            continue
        # Every group beyond the first must share a base subject with
        # another group through messages without headers.
        bases = []
        for comp in comps:
            b = set()
            for k in comp:
                info = store.info[k]
                if not info.has_headers and subject_base(info.subject):
                    b.add((subject_base(info.subject),
                           subject_is_reply(info.subject)))
            bases.append(b)
        for i, comp in enumerate(comps):
            ok = False
            for base, reply in bases[i]:
                for j, other in enumerate(bases):
                    if j != i and any(ob == base and (reply or oreply)
                                      for ob, oreply in other):
                        ok = True
            if not ok:
                problems.append("thread %d joins <%s> with messages its "
                                "headers do not link, and no subject says so"
                                % (tid, sorted(comp)[0]))
    return problems


def subject_peers(store):
    """Messages without headers whose base subject another such message
    shares, one of the two reply-prefixed: where subject fallback may pick
    between candidates in the order they come."""
    by_base = {}
    for key, info in store.info.items():
        if not info.has_headers and subject_base(info.subject):
            by_base.setdefault(subject_base(info.subject), []).append(key)
    peers = set()
    for keys in by_base.values():
        if len(keys) > 1 and any(subject_is_reply(store.info[k].subject)
                                 for k in keys):
            peers.update(keys)
    return peers


def ambiguous(store, guesses, peers):
    """Messages whose parent the rules leave open: a loop of the
    messages' own links, conflicting guesses, subject fallback."""
    amb = set()
    for key, info in store.info.items():
        if info.own is None and (len(guesses.get(key, ())) > 1 or
                                 key in peers):
            amb.add(key)
        if info.own is not None and own_cycle(store, key, info.own):
            amb.add(key)
    # Below a message joined by subject, the top of what it adopted.
    for key in list(amb):
        if store.info[key].own is None:
            amb.update(k for k in store.subtree(key)
                       if k in store.info and store.info[k].own is None)
    return amb


def compare(a, b):
    problems = []
    if set(a.info) != set(b.info):
        only_a = sorted(set(a.info) - set(b.info))
        only_b = sorted(set(b.info) - set(a.info))
        problems.append("different messages stored: only in the first %s, "
                        "only in the second %s" % (only_a[:5], only_b[:5]))
    common = set(a.info) & set(b.info)
    # Duplicate ids whose stored copies differ: which copy is kept
    # depends on the order, and with it that message's headers.
    differ = {k for k in common if a.info[k].refs != b.info[k].refs or
              a.info[k].subject != b.info[k].subject}
    peers = subject_peers(a) | subject_peers(b)
    amb = (ambiguous(a, guessed_parents(a), peers) |
           ambiguous(b, guessed_parents(b), peers))
    ma, mb = a.members(), b.members()
    set_a = {k: frozenset(ma[a.thread_of[k]]) for k in common}
    set_b = {k: frozenset(mb[b.thread_of[k]]) for k in common}
    seen = set()
    for k in sorted(common):
        if set_a[k] == set_b[k] or set_a[k] in seen:
            continue
        seen.add(set_a[k])
        diff = (set_a[k] ^ set_b[k])
        # Threads may differ only through subject fallback among several
        # candidates, or copies of one id that differ.
        if any(d in peers or d in differ for d in set_a[k] | set_b[k]):
            continue
        problems.append("<%s>: thread of %d messages, and of %d in the "
                        "other order; differing: %s" % (
                            k, len(set_a[k]), len(set_b[k]),
                            ", ".join("<%s>" % d for d in sorted(diff)[:6])))
    for k in sorted(common):
        pa, pb = a.parent.get(k), b.parent.get(k)
        if pa == pb or k in amb or k in differ:
            continue
        problems.append("<%s>: parent %s, and %s in the other order" % (
            k, "<%s>" % pa if pa else "none", "<%s>" % pb if pb else "none"))
    return problems


def groups(store, omit):
    out = []
    for tid, keys in store.members().items():
        labels = sorted(label(store, k) for k in keys)
        labels = [x for x in labels if x not in omit]
        if labels:
            out.append(" ".join(labels))
    return sorted(out)


def parse_notmuch(path):
    """[(ids, {id: parent id or None})] from a notmuch tree dump."""
    threads, cur = [], None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("=== thread"):
                cur = ([], {}, [])
                threads.append(cur)
            elif cur is not None and line.strip().startswith("<"):
                depth = (len(line) - len(line.lstrip(" "))) // 2
                mid = strip_brackets(line.strip().split()[0])
                stack = cur[2]
                del stack[depth:]
                cur[0].append(mid)
                cur[1][mid] = stack[-1] if stack else None
                stack.append(mid)
    return [(ids, parents) for ids, parents, _ in threads]


def notmuch(store, path, relation):
    """Compare with notmuch's threads: RELATION "equal" (the same
    threads), "coarser" (kring joins notmuch threads, by subject only) or
    "finer" (kring splits notmuch threads, only where notmuch followed an
    id without '@'), and parents where both follow the same header."""
    problems = []
    nm = parse_notmuch(path)
    known = lambda ids: [idkey(m) for m in ids
                         if not m.startswith("notmuch-sha1-")]
    nm_thread = {}
    for n, (ids, _) in enumerate(nm):
        for k in known(ids):
            nm_thread[k] = n
            if k not in store.thread_of:
                problems.append("notmuch's <%s> is not in the store" % k)
    kthreads = {}
    for n, (ids, _) in enumerate(nm):
        tids = {store.thread_of.get(k) for k in known(ids)} - {None}
        if len(tids) > 1 and relation != "finer":
            problems.append("notmuch's thread of <%s> is split over kring "
                            "threads %s" % (known(ids)[0], sorted(tids)))
        if len(tids) > 1 and relation == "finer":
            junk = any(not plausible(r) for k in known(ids)
                       if k in store.info for r in
                       references_parse(header_of(store, k, "References")) +
                       references_parse(header_of(store, k, "In-Reply-To")))
            if not junk:
                problems.append("notmuch's thread of <%s> is split over "
                                "kring threads %s, and no id without '@' "
                                "explains it" % (known(ids)[0], sorted(tids)))
        for tid in tids:
            kthreads.setdefault(tid, set()).add(n)
    joined = 0
    for tid, parts in sorted(kthreads.items()):
        if len(parts) < 2:
            continue
        joined += len(parts) - 1
        if relation != "coarser":
            problems.append("kring thread %d joins notmuch threads of %s"
                            % (tid, ", ".join("<%s>" % known(nm[n][0])[0]
                                              for n in sorted(parts))))
    if relation == "coarser":
        problems.extend(check_membership(store))
    # Parents: where a message names a parent that is stored, notmuch and
    # kring follow the same header.
    agree = 0
    for ids, parents in nm:
        for m in known(ids):
            info = store.info.get(m)
            if info is None or info.own is None or info.own not in \
                    store.msg_of:
                continue
            if store.parent.get(m) != info.own or \
                    own_cycle(store, m, info.own):
                continue  # a loop: (a) judges that
            nparent = parents.get(m)
            if nparent is None or idkey(nparent) != info.own:
                problems.append("<%s>: parent <%s> in kring, %s in notmuch"
                                % (m, info.own, "<%s>" % nparent if nparent
                                   else "none"))
            else:
                agree += 1
    return problems, len(nm), len(store.threads), joined, agree


def header_of(store, key, name):
    raw = store.raw[store.msg_of[key]]
    msg = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(
        raw[:body_offset(raw)], headersonly=True)
    v = msg.get(name)
    return header_text(str(v)) if v is not None else ""


def split_mbox(data):
    """The messages of an mbox, From_ line and all, as kring's reader
    splits them: at "From " at the start or after an empty line.  Each
    ends with an empty line, so that they can be put in another order."""
    starts = [0]
    for m in re.finditer(rb"(?:\n\n|\n\r\n)From ", data):
        starts.append(m.end() - 5)
    parts = [data[a:b] for a, b in zip(starts, starts[1:] + [len(data)])]
    crlf = b"\r\n" in data[:2000]
    for i, p in enumerate(parts):
        if not (p.endswith(b"\n\n") or p.endswith(b"\r\n\r\n")):
            parts[i] = p + (b"\r\n" if crlf else b"\n")
    return parts


def shuffled(items, how):
    items = list(items)
    if how == "reverse":
        items.reverse()
    else:
        import random
        random.Random(int(how)).shuffle(items)
    return items


def reorder(dst, how, srcs):
    """Write the messages of the mboxes SRCS, reversed or shuffled (with
    seed HOW), to the mbox DST; each message's bytes stay as they are."""
    parts = []
    for src in srcs:
        with open(src, "rb") as f:
            parts.extend(split_mbox(f.read()))
    with open(dst, "wb") as f:
        f.write(b"".join(shuffled(parts, how)))
    return len(parts)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    cmd = argv[1]
    if cmd == "check":
        problems = []
        for path in argv[2:]:
            st = Store(path)
            p, stats = check(st)
            print("# %s: %d messages; own parent %d, loops %d, parents "
                  "guessed from References %d, by subject %d, at the top "
                  "%d; %d problems" % (
                      path, stats["messages"], stats["own"], stats["loop"],
                      stats["guessed"], stats["subject"], stats["top"],
                      len(p)))
            problems.extend("%s: %s" % (path, x) for x in p)
    elif cmd == "compare":
        base = Store(argv[2])
        problems = []
        for path in argv[3:]:
            p = compare(base, Store(path))
            print("# %s against %s: %d differences" % (path, argv[2],
                                                       len(p)))
            problems.extend("%s: %s" % (path, x) for x in p)
    elif cmd == "groups":
        omit = [argv[i + 1] for i in range(3, len(argv) - 1)
                if argv[i] == "--omit"]
        for line in groups(Store(argv[2]), omit):
            print(line)
        return 0
    elif cmd == "notmuch":
        relation = argv[4] if len(argv) > 4 else "equal"
        problems, nm, kr, joined, agree = notmuch(Store(argv[2]), argv[3],
                                                  relation)
        print("# notmuch %d threads, kring %d (%s); notmuch threads joined "
              "by kring %d; parents that agree %d" % (nm, kr, relation,
                                                      joined, agree))
    elif cmd == "count":
        print(len(load_trees(argv[2])[0]))
        return 0
    elif cmd == "reorder":
        n = reorder(argv[2], argv[3], argv[4:])
        print("# %s: %d messages" % (argv[2], n))
        return 0
    elif cmd == "order":
        for line in shuffled(sys.stdin.read().splitlines(), argv[2]):
            print(line)
        return 0
    else:
        sys.exit(__doc__)
    for p in problems[:40]:
        print(p)
    if len(problems) > 40:
        print("... %d problems in all" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
