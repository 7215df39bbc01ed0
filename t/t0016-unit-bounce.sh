#!/bin/sh
test_description='bounces in C (t/helper/test-bounce.c)

test-bounce prints its own TAP: signed return paths made and read back,
forged, unsigned and malformed ones; the class of each kind of delivery
status; and every bounce of t/data/bounces read and classified as its
MANIFEST says, with the status code, a diagnostic and the member'"'"'s
block of a report about several recipients.'
. "$(dirname "$0")/test-lib.sh"

test_tap_program test-bounce "$TEST_DIR/data/bounces"
