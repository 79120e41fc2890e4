#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# Byte identity with the real hexdump -C (bsdextrautils) and xxd, on edge
# cases, 500 random files, streams, a sparse file past 4 GiB, ranges across
# the edges of the mapped windows, and every format at its widest near 4 GiB,
# 1 TiB and 2^63.  The canonical format is checked on both the SSSE3 and the
# scalar code.
use strict;
use warnings;
no warnings 'portable';	# offsets past 4 GiB
use FindBin;
use lib $FindBin::Bin;
use DumpTest;
use File::Temp qw(tempdir);
use Test::More;

my $seed = $ENV{SEED} // 20261121;
diag("random seed $seed (SEED=$seed to repeat)");
srand $seed;

my @paths = (['default'], ['scalar', {env => {MAPPER_DUMP_SIMD => '0'}}]);

# Same output and exit status as the reference command.
sub same {
	my ($name, $ours, $ref, $opt) = @_;
	my ($o, $e, $c) = run($DUMP, @$ours, $opt // {});
	my ($ro, undef, $rc) = run(@$ref, $opt // {});
	if ($o eq $ro && $c == 0 && $rc == 0 && $e eq '') {
		pass($name);
		return 1;
	}
	fail($name);
	diag("mapper-dump @$ours: exit $c, stderr: $e") if $c || $e ne '';
	diag("  got: " . substr($o, 0, 400) . "\n  expected: " . substr($ro, 0, 400));
	return 0;
}

sub canonical {
	my ($name, $file, @args) = @_;
	for my $p (@paths) {
		same("$name: canonical ($p->[0])", [@args, $file],
		     ['hexdump', '-C', @args, $file], $p->[1]);
	}
}

sub all_formats {
	my ($name, $data) = @_;
	(my $base = $name) =~ s/\W+/_/g;
	my $file = "$TMP/$base.bin";
	spit($file, $data);
	canonical($name, $file);
	same("$name: xxd", ['-X', $file], ['xxd', $file]);
	same("$name: xxd -p", ['-p', $file], ['xxd', '-p', $file]);
	same("$name: xxd -i", ['-i', "$base.bin"], ['xxd', '-i', "$base.bin"], {dir => $TMP});
	same("$name: xxd -i stdin", ['-i', '-'], ['xxd', '-i'], {in => $file});
}

# Sizes around a line and zero-filled or repeated blocks.
for my $n (0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33) {
	all_formats("$n random bytes", random_bytes($n));
}
all_formats('all 256 byte values', pack('C*', 0 .. 255));
all_formats('all 256 byte values twice', pack('C*', 0 .. 255, 0 .. 255));
all_formats('zero run ending the file', "hello, mapper!\n" . "\0" x 80);
all_formats('run then a partial line', "\0" x 64 . "abcde");
all_formats('run then an equal partial line', "A" x 48 . "A" x 5);
all_formats('several runs', "A" x 32 . "B" x 48 . "A" x 16 . "\0" x 64 . "xyz" x 20 . "\0" x 33);
all_formats('repeats from the first line', "\xff" x 160);
all_formats('text', join('', map { "line $_ of some text\tand tabs\r\n" } 1 .. 40));

# -v and ranges against the same options of the references.
my $runs = "$TMP/runs.bin";
spit($runs, "\0" x 100 . random_bytes(50) . "\x55" x 70);
canonical('-v', $runs, '-v');
canonical("-s 3", $runs, '-s', '3');
canonical("-s 0x20 -n 0x50", $runs, '-s', '0x20', '-n', '0x50');
canonical("-s 17 -n 100", $runs, '-s', '17', '-n', '100');
canonical("-s end (offset line only)", $runs, '-s', '220');
same('xxd -s 5 -l 77', ['-X', '-s', '5', '-n', '77', $runs], ['xxd', '-s', '5', '-l', '77', $runs]);
same('xxd -p -s 5', ['-p', '-s', '5', $runs], ['xxd', '-p', '-s', '5', $runs]);
same('xxd -i -s 9 -l 30', ['-i', '-s', '9', '-n', '30', 'runs.bin'],
     ['xxd', '-i', '-s', '9', '-l', '30', 'runs.bin'], {dir => $TMP});
for my $cg ([1, 1], [5, 3], [7, 0], [8, 16], [13, 4], [40, 8], [256, 2], [256, 0]) {
	same("xxd -c $cg->[0] -g $cg->[1]", ['-X', '-c', $cg->[0], '-g', $cg->[1], $runs],
	     ['xxd', '-c', $cg->[0], '-g', $cg->[1], $runs]);
}
same('xxd -i -n name', ['-i', '--name', 'my var', $runs], ['xxd', '-i', '-n', 'my var', $runs]);
spit("$TMP/9a-b.c", "int x;\n");
same('xxd -i name with a leading digit', ['-i', '9a-b.c'], ['xxd', '-i', '9a-b.c'], {dir => $TMP});

# Across the 32 KiB chunks: a run spanning chunk edges, from a file and a pipe.
my $big = "$TMP/chunks.bin";
spit($big, random_bytes(32768 - 40) . "\0" x 100 . random_bytes(70000) . "\0" x 65536 . "tail");
canonical('runs across chunks', $big);
same('runs across chunks, from a pipe', ['-'], ['hexdump', '-C'], {in => $big});
same('xxd from a pipe', ['-X', '-c', '7', '-'], ['xxd', '-c', '7'], {in => $big});
same('xxd -p from a pipe', ['-p', '-'], ['xxd', '-p'], {in => $big});
same('-s and -n on a pipe', ['-s', '40000', '-n', '30000', '-'],
     ['hexdump', '-C', '-s', '40000', '-n', '30000', $big], {in => $big});

# 500 random files: random, zero, repeated and text segments; random formats.
my $bad = 0;
for my $i (1 .. 500) {
	my $data = '';
	my $segs = int rand 5;
	for (0 .. $segs) {
		my $r = rand;
		my $n = int rand 120;
		$data .= $r < 0.4 ? random_bytes($n) : $r < 0.6 ? "\0" x $n :
			 $r < 0.8 ? chr(int rand 256) x $n : substr("text line 0123456789 " x 10, 0, $n);
	}
	my $file = "$TMP/random.bin";
	spit($file, $data);
	my @ok;
	my $p = $paths[$i % 2];
	push @ok, same("random $i canonical ($p->[0])", [$file], ['hexdump', '-C', $file], $p->[1]);
	if ($i % 2 == 0) {
		my ($c, $g) = (1 + int rand 40, int rand 9);
		push @ok, same("random $i xxd -c $c -g $g", ['-X', '-c', $c, '-g', $g, $file],
			       ['xxd', '-c', $c, '-g', $g, $file]);
	}
	if ($i % 5 == 0) {
		my $c = 1 + int rand 60;
		push @ok, same("random $i xxd -p -c $c", ['-p', '-c', $c, $file], ['xxd', '-p', '-c', $c, $file]);
		push @ok, same("random $i xxd -i -c $c", ['-i', '-c', $c, 'random.bin'],
			       ['xxd', '-i', '-c', $c, 'random.bin'], {dir => $TMP});
	}
	if (grep { !$_ } @ok) {
		spit("$TMP/../mapper-dump-failed-$i.bin", $data);
		last if ++$bad >= 5;
	}
}

# A sparse file past 4 GiB: 9-digit offsets, a line across the 4 GiB mark.
my $sparse = "$TMP/sparse.bin";
{
	open my $fh, '>:raw', $sparse or die $!;
	truncate $fh, 0x100001007 or die "truncate: $!";
	seek $fh, 0xfffffff8, 0;
	print $fh "across 4 GiB mark";
	seek $fh, 0x100000800, 0;
	print $fh random_bytes(100);
	seek $fh, 0x100001000, 0;
	print $fh "the end";
	close $fh;
}
canonical('sparse > 4 GiB, last 64 KiB', $sparse, '-s', '0xffff0000');
canonical('sparse > 4 GiB, -s 4G-24 -n 100', $sparse, '-s', 4 * 2**30 - 24, '-n', '100');
same('sparse > 4 GiB, xxd', ['-X', '-s', 0xfffff000, $sparse], ['xxd', '-s', 0xfffff000, $sparse]);
{
	# The whole file would take hexdump minutes; its head is one line and '*'.
	my ($o, $e, $c) = run($DUMP, '-n', 64, $sparse);
	is($o, "00000000  " . "00 " x 8 . " " . "00 " x 8 . " |" . "." x 16 . "|\n*\n00000040\n",
	   'sparse > 4 GiB, head');
	my ($t) = run($DUMP, '-s', '4G', '-n', 16, $sparse);
	like($t, qr/^100000000  /, 'offset 4 GiB has 9 digits');
}

# Mapped 8 MiB at a time: from an odd skip, chunks cross the window edges.
{
	my $w = 8 << 20;
	my $f = "$TMP/windows.bin";
	open my $fh, '>:raw', $f or die $!;
	truncate $fh, 2 * $w + 12345 or die "truncate: $!";
	for my $at ($w, 2 * $w) {
		seek $fh, $at - 50000, 0 or die $!;
		print $fh random_bytes(100000);
	}
	close $fh or die $!;
	canonical('windows: -s 5 to the end', $f, '-s', 5);
	same('windows: raw, -s 5', ['-R', '-s', 5, $f], ['tail', '-c', '+6', $f]);
	same('windows: xxd -p -c 7 -s 5', ['-p', '-c', 7, '-s', 5, '-n', $w + 65536, $f],
	     ['xxd', '-p', '-c', 7, '-s', 5, '-l', $w + 65536, $f]);
	unlink $f;
}

# The most output per input byte: every format at -c 1 and at the largest -c,
# with the longest offsets (near 2^63: 16 digits), over two chunks of random
# bytes.  Files larger than $TMP's file system takes go to /dev/shm (tmpfs).
# The range stops short of the end: at 2^63 a read() past it fails (EINVAL).
my $shm = -d '/dev/shm' && -w _ ? tempdir('mapper-dump-test.XXXXXX', DIR => '/dev/shm', CLEANUP => 1) : undef;
for my $near (['4 GiB', 1 << 32], ['1 TiB', 1 << 40], ['2^63', (1 << 63) - 4096 - 65536]) {
	my ($what, $at) = @$near;
	my $size = $at + 65536;	# 2^63 - 4096 at most: mmap() maps whole pages
	my $data = random_bytes(2 * 65536);
	my $f;
	for my $dir (grep { defined } $TMP, $shm) {
		open my $fh, '>:raw', "$dir/far.bin" or die $!;
		if (truncate $fh, $size) {
			seek $fh, $at - 65536, 0 or die $!;
			print $fh $data;
			close $fh or die $!;
			$f = "$dir/far.bin";
			last;
		}
		close $fh;
		unlink "$dir/far.bin";
	}
	SKIP: {
		skip "near $what: no file system here takes a file of $size bytes", 10 unless $f;
		my ($dir, $base) = $f =~ m{^(.*)/([^/]+)$};
		my @r = ('-s', $at - 32773, '-n', 65536);
		my @l = ('-s', $at - 32773, '-l', 65536);
		canonical("near $what", $f, @r);
		for my $cg ([1, 2], [256, 2], [256, 1]) {
			my ($c, $g) = @$cg;
			same("near $what: xxd -c $c -g $g", ['-X', '-c', $c, '-g', $g, @r, $f],
			     ['xxd', '-c', $c, '-g', $g, @l, $f]);
		}
		for my $c (1, 256) {
			same("near $what: xxd -p -c $c", ['-p', '-c', $c, @r, $f], ['xxd', '-p', '-c', $c, @l, $f]);
			same("near $what: xxd -i -c $c", ['-i', '-c', $c, @r, $base],
			     ['xxd', '-i', '-c', $c, @l, $base], {dir => $dir});
		}
		my ($o, $e, $c) = run($DUMP, '-R', @r, $f);
		ok($o eq substr($data, 65536 - 32773, 65536) && $c == 0 && $e eq '', "near $what: raw")
			or diag($e);
		unlink $f;
	}
}

done_testing();
