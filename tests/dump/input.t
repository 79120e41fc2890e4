#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# mapper-dump's inputs: pipes, other devices, files mmap() cannot show,
# stdin at a position, raw output, a read error mid-dump, a file shrinking
# under the mapping (SIGBUS), constant memory, ranges past 4 GiB and 16 TiB
# on a 32-bit build, and --watch with its colours.
use strict;
use warnings;
no warnings 'portable';	# offsets past 4 GiB
use Fcntl qw(O_RDWR O_NOCTTY);
use POSIX qw(_exit);
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

# Regular files mmap() cannot show, as hexdump -C shows them: procfs says
# st_size 0, sysfs refuses mmap() (ENODEV) and says 4096 whatever it holds.
for my $f ('/proc/version', '/sys/devices/system/cpu/possible') {
	SKIP: {
		skip "no $f", 1 unless -r $f;
		my ($ref) = run('hexdump', '-C', $f);
		my ($o, $e, $c) = run($DUMP, $f);
		ok($c == 0 && $e eq '' && $o eq $ref && $o ne '', "$f: as hexdump -C") or diag($e);
	}
}

# Standard input from a file already partly read: from its position on.
{
	my $skip5 = 'dd bs=5 count=1 of=/dev/null 2>/dev/null; exec "$0" "$@"';
	my ($ref) = run('sh', '-c', $skip5, 'hexdump', '-C', {in => $file});
	my ($o, $e, $c) = run('sh', '-c', $skip5, $DUMP, '-', {in => $file});
	ok($c == 0 && $o eq $ref && $ref =~ /^00000000  05 06 /, 'stdin at byte 5 of a file: as hexdump -C')
		or diag($e);
	($o) = run('sh', '-c', $skip5, $DUMP, '-R', '-s', 3, '-', {in => $file});
	ok($o eq substr($data, 8), 'stdin at byte 5, -s 3: from byte 8');
}

# A block device seeks to --skip instead of reading up to it (64 GiB here).
SKIP: {
	skip 'needs root and losetup for a block device', 1 if $> != 0 || system('command -v losetup >/dev/null');
	my $img = "$TMP/block.img";
	open my $fh, '>:raw', $img or die $!;
	truncate $fh, 64 << 30 or skip "truncate: $!", 1;
	seek $fh, (64 << 30) - 16, 0;
	print $fh 'the last 16 byte';
	close $fh or die $!;
	chomp(my $dev = `losetup -f --show '$img' 2>/dev/null`);
	skip 'no loop device', 1 unless $dev;
	my ($o, $e, $c) = run('timeout', 10, $DUMP, '-s', (64 << 30) - 16, $dev);
	system('losetup', '-d', $dev);
	unlink $img;
	is($o, line16((64 << 30) - 16, 'the last 16 byte') . sprintf("%x\n", 64 << 30),
	   'block device: -s 64 GiB - 16 seeks') or diag("exit $c: $e");
}

# A read error mid-dump (EIO from a pty whose other end closed): the lines
# formatted before it are written out, then the error.
SKIP: {
	skip 'pty ioctl numbers for x86 and arm only', 3 unless `uname -m` =~ /^(?:x86_64|i.86|aarch64|arm)/;
	sysopen(my $m, '/dev/ptmx', O_RDWR | O_NOCTTY) or skip "no /dev/ptmx: $!", 3;
	my ($unlock, $n) = (pack('i', 0), pack('I', 0));
	ioctl($m, 0x40045431, $unlock) && ioctl($m, 0x80045430, $n) or die "pty: $!";	# TIOCSPTLCK, TIOCGPTN
	sysopen(my $sl, '/dev/pts/' . unpack('I', $n), O_RDWR | O_NOCTTY) or die "pts: $!";
	my $text = join '', map { chr(65 + $_ % 26) } 0 .. 39999;	# no newline for the pty to change
	my $writer = fork // die;
	if (!$writer) {
		for (my $off = 0; $off < length $text; ) {
			my $w = syswrite($sl, $text, length($text) - $off, $off) // _exit(1);
			$off += $w;
		}
		_exit(0);
	}
	close $sl;
	my $reader = fork // die;
	if (!$reader) {
		open STDIN, '<&', $m or _exit(126);
		open STDOUT, '>', "$TMP/pty.out" or _exit(126);
		open STDERR, '>', "$TMP/pty.err" or _exit(126);
		exec $DUMP, '-' or _exit(127);
	}
	close $m;
	waitpid $writer, 0;
	waitpid $reader, 0;
	my ($c, $o, $e) = ($? >> 8, slurp("$TMP/pty.out"), slurp("$TMP/pty.err"));
	spit("$TMP/pty.txt", substr($text, 0, 32768));
	my ($ref) = run($DUMP, "$TMP/pty.txt");
	is($c, 1, 'read error mid-dump: exit 1');
	like($e, qr/^mapper-dump: standard input: read failed: Input\/output error\n$/, 'read error mid-dump: message');
	is($o, $ref =~ s/[0-9a-f]+\n\z//r, 'read error mid-dump: the first 32 KiB chunk, formatted before it, is shown');
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
	# Ahead of the reader, inside a page: that page reads as zeros, no SIGBUS.
	my $new = (1 << 20) - 100;
	truncate $f, $new or die $!;
	local $/;
	$got .= <$fh> // '';
	close $fh;
	my $code = $? >> 8;
	my $err = slurp("$TMP/shrink.err");
	is($code, 1, 'shrinking file: exit 1');
	is($err, sprintf("mapper-dump: %s: the file shrank to %d (0x%x) bytes while being read; dump it again\n",
			 $f, $new, $new), 'shrinking file: message with the new size');
	like($got, qr/\A(?:[0-9a-f]{8}  (?:00 ){8} (?:00 ){8} \|\.{16}\|\n)+\z/, 'shrinking file: whole lines only');
	my ($last) = $got =~ /([0-9a-f]{8})  [^\n]*\n\z/;
	ok(hex($last) + 16 <= $new, "shrinking file: no line past the new end (last at $last)");
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

# Past 16 TiB, where a 32-bit mmap() cannot pass the offset (in pages, 32
# bits): those windows are read with pread().  From 1 MiB before 16 TiB: the
# first window is mapped, the next one is read; marked lines across 16 TiB,
# across the edge of the two windows, and the brief's lone line past 16 TiB.
SKIP: {
	my $d32 = $ENV{MAPPER_DUMP32};
	skip 'no 32-bit build (make check-dump makes one on x86-64)', 3 unless $d32 && -x $d32;
	my ($t, $size, $skip) = (1 << 44, (1 << 44) + (8 << 20), (1 << 44) - (1 << 20) - 3);
	my $f = "$TMP/16t.bin";
	my %mark = ($t - 19 => 'across 16 TiB...', $t + 4096 => 'MARK',
		    $t + (7 << 20) - 4096 - 3 => 'across windows..', $size - 3 => 'end');
	open my $fh, '>:raw', $f or die $!;
	# ext4 stops at 16 TiB: then tmpfs.
	truncate $fh, $size or do { $f = '/dev/shm/16t.bin'; open $fh, '>:raw', $f and truncate $fh, $size }
		or skip "no file system here takes a 16 TiB file: $!", 3;
	for my $off (keys %mark) {
		seek $fh, $off, 0 or die $!;
		print $fh $mark{$off};
	}
	close $fh or die $!;
	my $z = "\0" x 16;
	my $expect = line16($skip, $z) . "*\n" . line16($t - 19, $mark{$t - 19}) . line16($t - 3, $z) . "*\n" .
		     line16($t + 4093, "\0\0\0MARK" . "\0" x 9) . line16($t + 4109, $z) . "*\n" .
		     line16($t + (7 << 20) - 4099, $mark{$t + (7 << 20) - 4099}) .
		     line16($t + (7 << 20) - 4083, $z) . "*\n" . line16($size - 3, 'end') . sprintf("%x\n", $size);
	my ($o, $e, $c) = run($d32, '-s', $skip, $f);
	ok($c == 0 && $e eq '' && $o eq $expect, '32-bit build past 16 TiB: every byte at its offset')
		or diag("exit $c: $e\n$o");
	($o, $e, $c) = run($d32, '-s', $t + 4096, '-n', 16, $f);
	is($o, line16($t + 4096, "MARK" . "\0" x 12) . sprintf("%x\n", $t + 4112), '32-bit build: -s 16 TiB + 4096 -n 16')
		or diag($e);
	($o) = run($DUMP, '-s', $skip, $f);
	is($o, $expect, '64-bit build past 16 TiB: the same');
	unlink $f;
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
