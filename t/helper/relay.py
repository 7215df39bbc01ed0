#!/usr/bin/python3
"""relay.py: kring's private-reply relay addresses, computed apart from
kring's own code (lib/members/relay.c), from the store's secret.

  relay.py check STORE COMMUNITY ADDRESS   exit 0 when ADDRESS is a
                                           genuine relay address; print
                                           the member id
  relay.py make STORE COMMUNITY ID LOCAL DOMAIN   the address of ID
"""
import hashlib, hmac, os, re, sys

def mac(store, community, member):
    with open(os.path.join(store, "hmac.key"), "rb") as f:
        key = f.read()
    msg = "kring-relay-v1\n%s\n%d" % (community, member)
    return hmac.new(key, msg.encode(), hashlib.sha256).hexdigest()[:12]

cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "check":
    store, community, address = args
    m = re.fullmatch(r"[^+@]+\+to-([0-9]+)-([0-9a-f]{12})@[^@]+", address,
                     re.I)
    if m is None or mac(store, community, int(m.group(1))) != m.group(2).lower():
        sys.exit(1)
    print(m.group(1))
elif cmd == "make":
    store, community, member, local, domain = args
    print("%s+to-%s-%s@%s" % (local, member, mac(store, community,
                                                 int(member)), domain))
else:
    sys.exit(__doc__)
