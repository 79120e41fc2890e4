# SPDX-License-Identifier: GPL-2.0
#
# What the host tests of the user tools share (Test::More scripts run by
# prove: tests/dump, tests/ctl): running a command, files in and out, a
# temporary directory removed at the end.
package HostTest;
use strict;
use warnings;
use Exporter 'import';
use File::Temp qw(tempdir);
use POSIX qw(_exit);

our @EXPORT = qw($TMP run slurp spit);

our $TMP = tempdir('mapper-host-test.XXXXXX', TMPDIR => 1, CLEANUP => 1);
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

# run(@cmd, {in => FILE, env => {...}, dir => DIR}): (stdout, stderr, exit code);
# an env value of undef removes the variable.
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
		while (my ($k, $v) = each %{$o->{env} // {}}) {
			if (defined $v) { $ENV{$k} = $v } else { delete $ENV{$k} }
		}
		exec { $cmd[0] } @cmd or _exit(127);
	}
	waitpid $pid, 0;
	my $code = $? & 127 ? 128 + ($? & 127) : $? >> 8;
	return (slurp($out), slurp($err), $code);
}

1;
