#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The bad-input catalogue (bad_input.c) in check mode; mapper is loaded with
# devices=2 and left that way.
exec /bin/bad_input
