# SPDX-License-Identifier: GPL-2.0
#
# Helpers for mapper-dump's host tests (Test::More scripts run by prove).
package DumpTest;
use strict;
use warnings;
use Exporter 'import';
use File::Spec;
use File::Temp qw(tempdir);
use POSIX qw(_exit);

our @EXPORT = qw($DUMP $TMP run slurp spit random_bytes);

our $DUMP = $ENV{MAPPER_DUMP} // 'build/mapper-dump';
die "no executable $DUMP: run 'make check-dump'\n" unless -x $DUMP;
$DUMP = File::Spec->rel2abs($DUMP) if $DUMP =~ m{/};
our $TMP = tempdir('mapper-dump-test.XXXXXX', TMPDIR => 1, CLEANUP => 1);
$ENV{LC_ALL} = 'C';
delete $ENV{NO_COLOR};

sub slurp {
	my ($path) = @_;
	open my $fh, '<:raw', $path or die "$path: $!";
	local $/;
	my $s = <$fh>;
	return $s // '';
}

sub spit {
	my ($path, $data) = @_;
	open my $fh, '>:raw', $path or die "$path: $!";
	print $fh $data;
	close $fh or die "$path: $!";
}

# run(@cmd, {in => FILE, env => {...}, dir => DIR}): (stdout, stderr, exit code)
sub run {
	my $o = ref $_[-1] eq 'HASH' ? pop : {};
	my @cmd = @_;
	my ($out, $err) = ("$TMP/.out", "$TMP/.err");
	my $pid = fork // die "fork: $!";
	if (!$pid) {
		open STDIN, '<', $o->{in} // '/dev/null' or _exit(126);
		open STDOUT, '>', $out or _exit(126);
		open STDERR, '>', $err or _exit(126);
		chdir $o->{dir} or _exit(126) if $o->{dir};
		@ENV{keys %{$o->{env}}} = values %{$o->{env}} if $o->{env};
		exec { $cmd[0] } @cmd or _exit(127);
	}
	waitpid $pid, 0;
	my $code = $? & 127 ? 128 + ($? & 127) : $? >> 8;
	return (slurp($out), slurp($err), $code);
}

# Deterministic bytes from a seeded generator (perl's srand/rand).
sub random_bytes {
	my ($n) = @_;
	return pack 'C*', map { int rand 256 } 1 .. $n;
}

1;
