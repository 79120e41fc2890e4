#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# mapper-dump's inputs: pipes, other devices, raw output, a file shrinking
# under the mapping (SIGBUS), constant memory, a range past 4 GiB on a 32-bit
# build, and --watch with its colours.
use strict;
use warnings;
no warnings 'portable';	# offsets past 4 GiB
use FindBin;
use lib $FindBin::Bin;
use DumpTest;
use Test::More;

my $file = "$TMP/data.bin";
my $data = join '', map { chr } 0 .. 255, 0 .. 255, 65 .. 90;	# 538 bytes
spit($file, $data);

sub line16 {	# a canonical line, for expected output; a last one may be short
	my ($off, $bytes) = @_;
	my @b = map { sprintf '%02x', ord } split //, $bytes;
	my $hex = join(' ', splice(@b, 0, 8)) . (@b ? '  ' . join(' ', @b) : '');
	(my $asc = $bytes) =~ s/[^\x20-\x7e]/./g;
	return sprintf("%08x  %-48s  |%s|\n", $off, $hex, $asc);
}

# Streams.
{
	my ($o, $e, $c) = run($DUMP, {in => $file});
	my ($ref) = run($DUMP, $file);
	my ($p) = run('sh', '-c', 'cat "$1" | "$0" -', $DUMP, $file);
	is($p, $ref, 'a pipe dumps as the file does');
	my ($s) = run($DUMP, '-', {in => $file});
	is($s, $ref, '- is standard input');
	($o, $e, $c) = run('sh', '-c', 'cat "$1" | "$0" -s 1000 -', $DUMP, $file);
	ok($c == 2 && $o eq '' && $e =~ /^mapper-dump: standard input: --skip 1000 is past the end: the input ended after 538 bytes\n/,
	   'pipe: --skip past the end') or diag($e);
	($o, $e, $c) = run('sh', '-c', 'cat "$1" | "$0" -s 10 -n 1000 -', $DUMP, $file);
	my ($all) = run($DUMP, '-s', '10', $file);
	ok($c == 2 && $o eq $all && $e =~ /--length 1000 goes past the end: the input ended 528 bytes after --skip/,
	   'pipe: --length past the end dumps what there was, then fails') or diag($e);
	($o, $e, $c) = run($DUMP, '-n', '64', '/dev/zero');
	is($o, line16(0, "\0" x 16) . "*\n00000040\n", 'another character device is read as a stream');
	($o) = run($DUMP, '-X', '-n', '0x20', '/dev/zero');
	is($o, "00000000: " . "0000 " x 8 . " " . "." x 16 . "\n" .
	       "00000010: " . "0000 " x 8 . " " . "." x 16 . "\n", 'xxd from /dev/zero');
	($o, $e, $c) = run($DUMP, {in => '/dev/null'});
	ok(($c == 1 && $e =~ /^mapper-dump: \/dev\/mapper0: /) || ($c == 0 && -e '/dev/mapper0'),
	   'no argument means /dev/mapper0, not stdin');
	($o, $e, $c) = run($DUMP, '-', {in => '/dev/null'});
	ok($c == 0 && $o eq '' && $e eq '', 'empty stdin: nothing at all');
}

# Raw output.
{
	my ($o) = run($DUMP, '-R', $file);
	ok($o eq $data, 'raw: the bytes themselves');
	($o) = run($DUMP, '-R', '-s', '0x10', '-n', '20', $file);
	ok($o eq substr($data, 16, 20), 'raw with a range');
	($o) = run('sh', '-c', 'cat "$1" | "$0" -R -s 5 -', $DUMP, $file);
	ok($o eq substr($data, 5), 'raw from a pipe');
}

# A file cut short while mapped: SIGBUS becomes a message, not a crash.
{
	my $f = "$TMP/shrink.bin";
	spit($f, '');
	truncate $f, 64 << 20 or die $!;
	open my $fh, '-|', 'sh', '-c', 'exec "$0" -v "$1" 2>"$2"', $DUMP, $f, "$TMP/shrink.err"
		or die $!;
	my $got = '';
	read($fh, $got, 256 << 10) or die 'no output';
	truncate $f, 4096 or die $!;
	local $/;
	$got .= <$fh> // '';
	close $fh;
	my $code = $? >> 8;
	my $err = slurp("$TMP/shrink.err");
	is($code, 1, 'shrinking file: exit 1');
	like($err, qr/^mapper-dump: \Q$f\E: the file shrank while being read: bytes from offset \d+ \(0x[0-9a-f]+\) on are gone; dump it again\n$/,
	     'shrinking file: message');
	like($got, qr/\A(?:[0-9a-f]{8}  (?:00 ){8} (?:00 ){8} \|\.{16}\|\n)+\z/, 'shrinking file: whole lines only');
}

# Constant memory: a 128 MiB file costs no more than an 8 MiB one.
SKIP: {
	skip 'no /usr/bin/time', 1 unless -x '/usr/bin/time';
	my %rss;
	for my $mib (8, 128) {
		my $f = "$TMP/mem-$mib.bin";
		spit($f, '');
		truncate $f, $mib << 20 or die $!;
		my (undef, $e) = run('/usr/bin/time', '-f', '%M', $DUMP, $f);
		($rss{$mib}) = $e =~ /(\d+)\s*$/;
		unlink $f;
	}
	ok($rss{128} - $rss{8} < 16 * 1024, "memory: 128 MiB file $rss{128} KiB, 8 MiB file $rss{8} KiB")
		or diag(explain(\%rss));
}

# A 32-bit build (32-bit size_t and address space) dumping more than 4 GiB of
# a sparse file: from -s 3, so chunks cross the edges of the mapped windows.
# Marked lines: the last of the first 8 MiB window, across 8 MiB, across
# 4 GiB, and the short last line past it.
SKIP: {
	my $d32 = $ENV{MAPPER_DUMP32};
	skip 'no 32-bit build (make check-dump makes one on x86-64)', 3 unless $d32 && -x $d32;
	is(substr(slurp($d32), 0, 5), "\x7fELF\x01", '32-bit build: an ELF32 executable');
	my $f = "$TMP/4g.bin";
	my $size = 0x100010000;
	my %mark = (0 => 'head', 0x7f7ff3 => 'end of window 1!', 0x7ffff3 => 'across 8 MiB ...',
		    0xfffffff3 => 'across 4 GiB ...', $size - 6 => 'tail');
	open my $fh, '>:raw', $f or die $!;
	truncate $fh, $size or die "truncate: $!";
	for my $off (keys %mark) {
		seek $fh, $off, 0 or die $!;
		print $fh $mark{$off};
	}
	close $fh or die $!;
	my $z = "\0" x 16;
	my $expect = line16(3, "d" . "\0" x 15) . line16(19, $z) . "*\n";
	for my $off (0x7f7ff3, 0x7ffff3, 0xfffffff3) {
		$expect .= line16($off, $mark{$off}) . line16($off + 16, $z) . "*\n";
	}
	$expect .= line16($size - 13, "\0" x 7 . "tail\0\0") . sprintf("%x\n", $size);
	my ($o, $e, $c) = run($d32, '-s', 3, $f);
	unlink $f;
	ok($c == 0 && $e eq '', '32-bit build, 4 GiB + 64 KiB: exit 0, no message') or diag($e);
	is($o, $expect, '32-bit build, 4 GiB + 64 KiB: every byte at its offset');
}

# --watch: the dump, then only changed lines, changed bytes highlighted.
my ($on, $off) = ("\e[1;31m", "\e[0m");

# Starts @cmd, reads up to the end offset line, applies $change, reads the rest.
sub watch {
	my ($change, @cmd) = @_;
	my $w = "$TMP/watch.bin";
	spit($w, 'A' x 64);
	open my $fh, '-|', 'sh', '-c', 'exec "$@" 2>"$0"', "$TMP/watch.err", (map { $_ eq 'FILE' ? $w : $_ } @cmd)
		or die $!;
	my $first = '';
	while (my $l = <$fh>) {
		$first .= $l;
		last if $l =~ /^00000040\r?$/ || $l =~ /^00000030: /;
	}
	$change->($w);
	local $/;
	my $rest = <$fh> // '';
	close $fh;
	return ($first, $rest, $? >> 8, slurp("$TMP/watch.err"));
}

sub poke {
	my ($w) = @_;
	open my $fh, '+<:raw', $w or die $!;
	seek $fh, 20, 0;
	print $fh 'Z';
	close $fh;
}

my $dump64 = line16(0, 'A' x 16) . "*\n00000040\n";
my $hl = "00000010  41 41 41 41 ${on}5a$off 41 41 41  41 41 41 41 41 41 41 41  |AAAA${on}Z${off}AAAAAAAAAAA|\n";
{
	my ($first, $rest, $c, $e) = watch(\&poke, $DUMP, '--watch=1', '--count', '2', '--color=always', 'FILE');
	is($first, $dump64, 'watch: first round is the dump');
	is($rest, $hl, 'watch: only the changed line, the changed byte highlighted');
	is($c, 0, 'watch: --count 2 ends it');
	($first, $rest) = watch(\&poke, $DUMP, '--watch=1', '--count', '2', '--color=never', 'FILE');
	is($rest, line16(16, 'AAAAZ' . 'A' x 11), 'watch: --color=never');
	($first, $rest) = watch(\&poke, $DUMP, '--watch=1', '--count', '2', '--color', '-X', 'FILE');
	is($rest, "00000010: 4141 4141 ${on}5a$off" . "41 4141 4141 4141 4141 4141  AAAA${on}Z${off}AAAAAAAAAAA\n",
	   'watch: xxd format');
	($first, $rest, $c, $e) = watch(sub { truncate $_[0], 10 }, $DUMP, '--watch=1', '--count', '3', 'FILE');
	ok($c == 1 && $e =~ /: the file shrank to 10 bytes while watched; watch a smaller range with -s\/-n/,
	   'watch: a file that shrinks') or diag($e);
	my ($o) = run($DUMP, '--watch=5', '--count', '1', $file);
	my ($ref) = run($DUMP, $file);
	is($o, $ref, 'watch --count 1: just the dump, no wait');
}
SKIP: {
	skip 'no script(1) for a terminal', 3 unless -x '/usr/bin/script';
	my $cmd = "'$DUMP' --watch=1 --count 2 FILE";
	my @tty = ('script', '-qfec');
	my ($first, $rest) = watch(\&poke, 'env', 'TERM=xterm', @tty, $cmd =~ s/FILE/$TMP\/watch.bin/r, '/dev/null');
	like($rest, qr/\Q${on}5a$off\E/, 'color=auto on a terminal highlights');
	($first, $rest) = watch(\&poke, 'env', 'TERM=xterm', 'NO_COLOR=1', @tty, $cmd =~ s/FILE/$TMP\/watch.bin/r, '/dev/null');
	ok($rest =~ /41 41 41 41 5a 41/ && $rest !~ /\e/, 'NO_COLOR turns auto off');
	my ($o) = run($DUMP, '--watch=1', '--count', '1', $file);
	unlike($o, qr/\e/, 'auto is off when not a terminal');
}

done_testing();
