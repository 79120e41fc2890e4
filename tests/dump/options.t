#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# mapper-dump's options: sizes, conflicts, every error message and exit code,
# --help, --version, the man page and the bash completion.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use DumpTest;
use Test::More;

my $top = "$FindBin::Bin/../..";
my $file = "$TMP/data.bin";
spit($file, join '', map { chr } 0 .. 255, 0 .. 255, 65 .. 90);	# 538 bytes
my $size = 538;

# (name, args, exit code, stderr pattern, stdin)
sub err {
	my ($name, $args, $code, $re, $opt) = @_;
	my ($o, $e, $c) = run($DUMP, @$args, $opt // {});
	is($c, $code, "$name: exit $code");
	like($e, $re, "$name: message");
	is($o, '', "$name: no output") if $code == 2 && !($opt && $opt->{output_ok});
}

sub out_of { my ($o) = run($DUMP, @_); return $o; }

# --help, --version
{
	my ($o, $e, $c) = run($DUMP, '--help');
	ok($c == 0 && $o =~ /^Usage: mapper-dump \[OPTIONS\] \[DEVICE\|FILE\|-\]/ && $e eq '', '--help');
	is(out_of('-h'), $o, '-h is --help');
	my ($ver) = slurp("$top/src/version.h") =~ /MAPPER_VERSION "([^"]+)"/;
	is(out_of('--version'), "mapper-dump (mapper) $ver\n", '--version from src/version.h');
	is(out_of('-V'), "mapper-dump (mapper) $ver\n", '-V');
	like(slurp("$top/man/mapper-dump.1"), qr/^\.TH MAPPER-DUMP 1 \S+ "mapper \Q$ver\E"/m,
	     'man page carries the version');

	# Every long option of --help is in the man page and the completion.
	my @long = sort { $a cmp $b } keys %{{ map { $_ => 1 } $o =~ /(--[a-z][a-z-]+)/g }};
	my $man = slurp("$top/man/mapper-dump.1") =~ s/\\-/-/gr;
	my $comp = slurp("$top/utils/mapper-dump.bash-completion");
	ok(@long >= 19, 'help lists the long options');
	is_deeply([grep { index($man, $_) < 0 } @long], [], 'man page documents every option');
	is_deeply([grep { $comp !~ /(?:^|\s)\Q$_\E(?:\s|=|")/ } @long], [], 'completion offers every option');
}

# The man page renders clean.
SKIP: {
	skip 'man not installed', 1 unless -x '/usr/bin/man';
	my ($o, $e, $c) = run('man', '--warnings', '-l', "$top/man/mapper-dump.1",
			       {env => {MANWIDTH => 80, MAN_KEEP_FORMATTING => 0}});
	ok($c == 0 && $e eq '' && $o =~ /mapper-dump/, 'man --warnings: clean') or diag($e);
}

# The completion completes.
{
	my $script = "source $top/utils/mapper-dump.bash-completion; " .
		'COMP_WORDS=(mapper-dump "$1"); COMP_CWORD=1; _mapper_dump; echo "${COMPREPLY[*]}"';
	my ($o) = run('bash', '-c', $script, 'x', '--co');
	is($o, "--cols --count --color --color=\n", 'completion: --co');
	($o) = run('bash', '-c', $script, 'x', '--color=n');
	is($o, "--color=never\n", 'completion: --color=n');
}

# Sizes: one syntax everywhere; suffixes are powers of 1024, never ignored.
{
	my $ref = out_of('-s', '256', '-n', '16', $file);
	is(out_of('-s', '0x100', '-n', '0x10', $file), $ref, 'sizes: 0x hex');
	like($ref, qr/^00000100  00 01 02/, 'sizes: decimal');
	my $big = "$TMP/big.bin";
	spit($big, "x" x 3000 . join('', map { chr } 0 .. 255) x 8);
	my $k = out_of('-s', '2048', '-n', '1024', $big);
	is(out_of('-s', '2K', '-n', '1K', $big), $k, 'sizes: K');
	is(out_of('-s', '2KiB', '-n', '1KiB', $big), $k, 'sizes: KiB');
	is(out_of('-s', '0x800', '-n', '0x1K', $big), $k, 'sizes: hex with K');
	like($k, qr/^00000800 /, 'sizes: 2K is 2048');
	err('-n 1M past a small file', ['-n', '1M', $file], 2,
	    qr/--length 1048576 goes past the end at 538; at most --length 538 fits/);
	err('-s 1G', ['-s', '1G', $file], 2, qr/--skip 1073741824 \(0x40000000\) is past the end: the input is 538 bytes/);
	for my $bad ('1KB', 'abc', '', '0x', '12x', '1.5K', 'K', '1 K', '0xg', '1k', '1e3', '0x0x10', ' 4K', '+5', '0x-1') {
		err("size '$bad'", ['-s', $bad, $file], 2,
		    qr/^mapper-dump: --skip '\Q$bad\E': not a size; give a decimal or 0x hex number with an optional K, M, G, KiB, MiB or GiB suffix/);
	}
	err('negative size', ['-n', '-5', $file], 2, qr/--length '-5': a negative size/);
	err('size overflow', ['-s', '99999999999999999999', $file], 2, qr/--skip '99999999999999999999': too large/);
	err('suffix overflow', ['-s', '17179869184G', $file], 2, qr/too large/);
	err('-s == size: only the end offset', ['-s', $size, $file], 0, qr/^$/);
	is(out_of('-s', $size, $file), sprintf("%08x\n", $size), '-s == size prints the end offset');
	is(out_of('-s', $size, '-n', 0, '-X', $file), '', '-n 0 in xxd: nothing');
	my ($h) = run('hexdump', '-C', '-s', 5, '-n', 0, $file);
	ok($h eq '' && out_of('-s', 5, '-n', 0, $file) eq '', '-s 5 -n 0: nothing, as hexdump -C');
	my ($p) = run('sh', '-c', 'cat "$1" | "$0" -s 5 -n 0 -', $DUMP, $file);
	is($p, '', '-s 5 -n 0 of a pipe: nothing');
}

# Numbers that are not sizes.
err('-c 0', ['-X', '-c', '0', $file], 2, qr/-c\/--cols '0': give a whole number from 1 to 256/);
err('-c 257', ['-X', '-c', '257', $file], 2, qr/from 1 to 256/);
err('-c x', ['-p', '-c', 'x', $file], 2, qr/-c\/--cols 'x'/);
err('-g 300', ['-X', '-g', '300', $file], 2, qr/-g\/--group '300': give a whole number from 0 to 256/);
err('--count 0', ['--watch', '--count', '0', $file], 2, qr/--count '0': give a whole number from 1/);
err('--watch=0', ['--watch=0', $file], 2, qr/--watch=0: give the seconds between rounds/);
err('--watch=1e-10', ['--watch=1e-10', '--count', 3, $file], 2, qr/--watch=1e-10: give the seconds between rounds, e.g. --watch=0.5 \(at least 0.01, at most 86400\)/);
{
	my ($o, $e, $c) = run($DUMP, '--watch=0.01', '--count', 2, $file);
	ok($c == 0 && $e eq '' && $o eq out_of($file), '--watch=0.01: the least interval') or diag($e);
}
err('--watch=abc', ['--watch=abc', $file], 2, qr/--watch=abc: give the seconds/);
err('--color=sometimes', ['--color=sometimes', $file], 2, qr/--color=sometimes: use auto, always or never/);

# Options that do not go together, or with this format.
err('two formats', ['-X', '-p', $file], 2, qr/choose one format: -C, -X, -p, -i or -R/);
err('-c in canonical', ['-c', '8', $file], 2, qr/canonical lines are always 16 bytes/);
err('-c with --raw', ['-R', '-c', '8', $file], 2, qr/-c\/--cols applies to --xxd, --plain and --include/);
err('-g with -p', ['-p', '-g', '4', $file], 2, qr/-g\/--group applies to --xxd only/);
err('--name with -X', ['-X', '--name', 'x', $file], 2, qr/--name applies to --include only/);
err('-v with -X', ['-X', '-v', $file], 2, qr/-v\/--no-squeezing applies to the canonical format only/);
err('--count alone', ['--count', '2', $file], 2, qr/--count goes with --watch/);
err('--json alone', ['--json', $file], 2, qr/--json goes with --info or --list/);
err('--info --list', ['--info', '--list'], 2, qr/--info and --list: choose one/);
err('--info with -s', ['--info', '-s', '1'], 2, qr/--info shows a device's attributes and takes no dump options/);
err('--list with -X', ['--list', '-X'], 2, qr/--list shows a device's attributes/);
err('--list with a device', ['--list', '/dev/mapper1'], 2, qr/--list takes no DEVICE/);
err('--list with the default device', ['--list', '/dev/mapper0'], 2, qr/--list takes no DEVICE/);
err('--watch with -p', ['--watch', '-p', $file], 2, qr/--watch shows changed lines of the canonical or --xxd format only/);
{
	my ($o, $e, $c) = run('sh', '-c', 'cat "$1" | "$0" --watch -', $DUMP, $file);
	is($c, 2, '--watch on a pipe: exit 2');
	like($e, qr/standard input: --watch re-reads its input, so it needs a mapper device or a regular file, not a stream/,
	     '--watch on a pipe: message');
}
err('two inputs', [$file, $file], 2, qr/one input at a time: got '\Q$file\E' and '\Q$file\E'/);
err('unknown option', ['--frobnicate', $file], 2, qr/unrecognized option '--frobnicate'\nTry 'mapper-dump --help' for more information\.\n$/);
err('missing argument', ['-s'], 2, qr/option requires an argument -- 's'\nTry 'mapper-dump --help'/);
err('usage errors point to --help', ['-X', '-p', $file], 2, qr/\nTry 'mapper-dump --help' for more information\.\n$/);

# Runtime errors: cause and fix.
err('missing file', ["$TMP/nope"], 1, qr/^mapper-dump: \Q$TMP\E\/nope: no such file or directory; check the name\n$/);
err('a directory', [$TMP], 1, qr/: is a directory; name a device or a file/);
err('--info on a file', ['--info', $file], 1,
    qr/\Q$file\E: not a mapper device; --info works on \/dev\/mapperN, and 'mapper-dump --list' shows them/);
err('--info on /dev/null', ['--info', '/dev/null'], 1, qr/\/dev\/null: not a mapper device/);
SKIP: {
	skip 'the mapper module is loaded here', 8 if -e '/sys/module/mapper';
	err('no module: default device', [], 1,
	    qr/^mapper-dump: \/dev\/mapper0: no such device: the mapper module is not loaded; load it with 'sudo modprobe mapper'\n$/);
	err('no module: --info', ['--info', '/dev/mapper3'], 1, qr/\/dev\/mapper3: .*modprobe mapper/);
	err('no module: --list', ['--list'], 1,
	    qr/^mapper-dump: no mapper devices: the mapper module is not loaded; load it with 'sudo modprobe mapper'\n$/);
	err('no module: --list --json', ['--list', '--json'], 1, qr/modprobe mapper/);
}
SKIP: {
	skip 'needs root for mknod and setpriv', 6 if $> != 0 || !-x '/usr/bin/setpriv';
	# A device node nobody may open, and a file likewise, opened as nobody.
	my $node = "$TMP/chardev";
	system('mknod', $node, 'c', '1', '3') == 0 or die 'mknod';
	chmod 0600, $node;
	chmod 0755, $TMP;
	my @nobody = ('setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups');
	my ($o, $e, $c) = run(@nobody, $DUMP, $node);
	is($c, 1, 'EACCES on a device: exit 1');
	like($e, qr/permission denied: mapper devices belong to the group 'mapper'; add yourself with 'sudo usermod -aG mapper \$USER' and log in again, or run as root/,
	     'EACCES on a device: names the group');
	chmod 0600, $file;
	($o, $e, $c) = run(@nobody, $DUMP, $file);
	is($c, 1, 'EACCES on a file: exit 1');
	like($e, qr/permission denied; check the file's permissions/, 'EACCES on a file: message');
	unlike($e, qr/group 'mapper'/, 'EACCES on a file: no talk of mapper');
	chmod 0644, $file;
	($o, $e, $c) = run(@nobody, $DUMP, '-n', 16, $file);
	is($c, 0, 'readable as nobody again');
}

# The build: the window holds a page and a chunk, or it does not compile.
SKIP: {
	my $cc = $ENV{MAPPER_CC} // 'cc';
	skip "no compiler $cc", 2 unless grep { -x "$_/" . ($cc =~ s/ .*//r) } split /:/, $ENV{PATH};
	my $src = slurp("$top/utils/mapper-dump.c");
	ok($src =~ s/(#define MAP_WINDOW\s+)\(8u << 20\)/$1(64u << 10)/, 'build: MAP_WINDOW found');
	spit("$TMP/small-window.c", $src);
	my ($o, $e, $c) = run('sh', '-c', "$cc -fsyntax-only -iquote '$top/src' -iquote '$top/utils' \"\$0\"",
			       "$TMP/small-window.c");
	ok($c != 0 && $e =~ /MAP_WINDOW cannot hold a page and a chunk/, 'build: a 64 KiB MAP_WINDOW does not compile')
		or diag($e);
}

done_testing();
