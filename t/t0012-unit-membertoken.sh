#!/bin/sh
test_description='member action tokens in C (t/helper/test-membertoken.c)

test-membertoken prints its own TAP: tokens made and checked in any
case, on their last day and after it, for another action, address,
community or key, with a changed MAC or a lengthened expiry, and a list
of malformed ones.'
. "$(dirname "$0")/test-lib.sh"

test_tap_program test-membertoken
