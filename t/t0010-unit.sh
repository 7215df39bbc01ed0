#!/bin/sh
test_description='unit tests of libkring in C (t/helper/test-tool.c)

test-tool prints its own TAP: SMTP command and path parsing, subjects,
the body offset, the mbox reader, idkeys, msginfo, the config, and
threading through ingest_message on scratch stores (out-of-order
arrival, late parents, merges, loops, subject fallback, duplicates,
derived ids, and the same messages in many orders).'
. "$(dirname "$0")/test-lib.sh"

# Scratch stores go into this script's trash folder (TMPDIR).
test_tap_program test-tool all
