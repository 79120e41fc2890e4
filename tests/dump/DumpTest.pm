# SPDX-License-Identifier: GPL-2.0
#
# Helpers for mapper-dump's host tests (Test::More scripts run by prove):
# tests/lib/HostTest.pm's, and the binary under test.
package DumpTest;
use strict;
use warnings;
use Exporter 'import';
use File::Spec;
use FindBin;
use lib "$FindBin::Bin/../lib";
use HostTest;

our @EXPORT = qw($DUMP $TMP run slurp spit random_bytes);

our $DUMP = $ENV{MAPPER_DUMP} // 'build/mapper-dump';
die "no executable $DUMP: run 'make check-dump'\n" unless -x $DUMP;
$DUMP = File::Spec->rel2abs($DUMP) if $DUMP =~ m{/};

# Deterministic bytes from a seeded generator (perl's srand/rand).
sub random_bytes {
	my ($n) = @_;
	return pack 'C*', map { int rand 256 } 1 .. $n;
}

1;
