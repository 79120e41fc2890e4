#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# mapperctl apply and mapper.conf(5): the syntax, every error with its file
# and line and nothing applied, huge lines, 100000 lines, binary garbage;
# /etc/mapper.conf and /etc/mapper.d/*.conf in order; idempotence: what
# exists as configured is left alone, what differs is reported and left
# alone too.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use CtlTest;
use Test::More;

# The state of a tree: every file below sys/ and dev/ with its contents.
sub state_of {
	my ($r) = @_;
	my %s;
	for my $f (split /\n/, `cd '$r' && find sys dev -type f -o -type l | sort`) {
		$s{$f} = -l "$r/$f" ? 'link ' . readlink("$r/$f") : slurp("$r/$f");
	}
	return \%s;
}

# apply_conf(ROOT, TEXT, ARGS...): apply of TEXT as a file.
my $n = 0;
sub apply_conf {
	my ($r, $text, @rest) = @_;
	my $f = "$TMP/c" . $n++ . '.conf';
	spit($f, $text);
	return (ctl($r, 'apply', $f, @rest), $f);
}

# bad(NAME, TEXT, PATTERN): a configuration refused whole: exit 1, the
# message with FILE:LINE, the closing line, nothing changed.
sub bad {
	my ($name, $text, $re) = @_;
	my $r = fake_tree();
	my $before = state_of($r);
	my ($o, $e, $c, $f) = apply_conf($r, $text);
	is($c, 1, "$name: exit 1");
	like($e, qr/^mapperctl: apply: \Q$f\E:$re/, "$name: message") or diag($e);
	like($e, qr/\nmapperctl: apply: nothing applied: correct the configuration first \(mapper\.conf\(5\)\)\n\z/,
	     "$name: nothing applied");
	is($o, '', "$name: nothing on stdout");
	is_deeply(state_of($r), $before, "$name: nothing changed");
	return $e;
}

# The syntax: comments, blank lines, tabs, CRLF, every option.
{
	my $r = fake_tree(nodes => 2, limit => 3 << 30);
	my ($o, $e, $c) = apply_conf($r, <<"C");
# buffers
   # an indented comment

ring\t4M
frames 0x100000  node=1   # the frame pool
staging 16KiB cache=wc node=0 node-fallback\r
mapper7 1G#no space needed before a comment
C
	ok($c == 0 && $e eq '', 'apply: exit 0, no message') or diag($e);
	is($o, "ring: /dev/mapper0: created\nframes: /dev/mapper1: created\nstaging: /dev/mapper2: created\n" .
	       "mapper7: /dev/mapper7: created\n", 'apply: one line per buffer, in order');
	is(slurp("$r/sys/kernel/config/mapper/frames/size"), "1048576\n", 'apply: 0x sizes');
	is(slurp("$r/sys/kernel/config/mapper/frames/node"), "1\n", 'apply: node=');
	is(slurp("$r/sys/kernel/config/mapper/staging/cache"), "wc\n", 'apply: cache=');
	is(slurp("$r/sys/kernel/config/mapper/staging/node_fallback"), "1\n", 'apply: node-fallback');
	is(slurp("$r/sys/kernel/config/mapper/staging/size"), "16384\n", 'apply: KiB');

	# Idempotence: a second apply changes nothing and says so.
	my $before = state_of($r);
	($o, $e, $c) = ctl($r, 'apply', "$TMP/c0.conf");
	ok($c == 0 && $e eq '', 'apply again: exit 0') or diag($e);
	is($o, "ring: /dev/mapper0: exists as configured\nframes: /dev/mapper1: exists as configured\n" .
	       "staging: /dev/mapper2: exists as configured\nmapper7: /dev/mapper7: exists as configured\n",
	   'apply again: every buffer exists as configured');
	is_deeply(state_of($r), $before, 'apply again: nothing changed');

	# Changed in the file: reported, left alone; the others still applied.
	($o, $e, $c) = apply_conf($r, "ring 8M cache=uc node=0\nframes 1M node=1\nstaging 16K cache=wc node=0\nnew 1M\n");
	is($c, 1, 'apply of changes: exit 1');
	like($e, qr/^mapperctl: apply: \S+:1: ring: \/dev\/mapper0 exists with size 4 MiB \(configured 8 MiB\), node -1 \(configured 0\), cache cached \(configured uc\): left alone; to apply it, remove it \(mapperctl remove ring\) and apply again\n/,
	     'apply of changes: size, node and cache named') or diag($e);
	like($e, qr/:3: staging: \/dev\/mapper2 exists with node fallback on \(configured off\): left alone/,
	     'apply of changes: node fallback named');
	is($o, "frames: /dev/mapper1: exists as configured\nnew: /dev/mapper3: created\n", 'apply of changes: the rest applied');
	is(slurp("$r/sys/kernel/config/mapper/ring/size"), "4194304\n", 'apply of changes: ring left alone');

	# A failure on one buffer: said with its line, the others made.
	($o, $e, $c) = apply_conf($r, "a 1M\nhuge 3G\nb 1M node=5\nc 1M\n");
	is($c, 1, 'apply with failures: exit 1');
	like($e, qr/^mapperctl: apply: \S+:2: \/sys\/kernel\/config\/mapper\/huge\/enable: Cannot allocate memory: .* try a smaller size\n/m,
	     'apply with failures: ENOMEM at its line');
	like($e, qr/^mapperctl: apply: \S+:3: \/sys\/kernel\/config\/mapper\/b\/enable: Invalid argument: this machine has no NUMA node 5/m,
	     'apply with failures: EINVAL at its line');
	is($o, "a: /dev/mapper4: created\nc: /dev/mapper5: created\n", 'apply with failures: the others made');
	ok(!-e "$r/sys/kernel/config/mapper/huge" && !-e "$r/sys/kernel/config/mapper/b", 'apply with failures: nothing half-made');
}

# Load-time buffers by their names; a size rounded up to whole pages.
{
	my $r = fake_tree();
	load_time($r, 0, size => 1 << 20);
	load_time($r, 1, size => 4096);
	my ($o, $e, $c) = apply_conf($r, "mapper0 1M\nmapper1 1000\n");
	ok($c == 0 && $o eq "mapper0: /dev/mapper0: exists as configured\nmapper1: /dev/mapper1: exists as configured\n",
	   'apply: load-time buffers as configured; 1000 bytes are a page') or diag($e);
	($o, $e, $c) = apply_conf($r, "mapper1 4097\n");
	like($e, qr/mapper1: \/dev\/mapper1 exists with size 4 KiB \(configured 4\.0 KiB\)/, 'apply: 4097 bytes are not a page');
}

# Every syntax error, with its line; nothing applied.
my $rule = 'a name is 1 to 31 characters of a-z, 0-9, _ and -';
bad('bad name', "ok 1M\nFrames 1M\n", qr/2: name 'Frames': only a-z, 0-9, _ and - may be used; \Q$rule\E\n/);
bad('name of 32', "\n\n" . 'a' x 32 . " 1M\n", qr/3: name 'a{32}': longer than 31 characters/);
bad('mapper007', "mapper007 1M\n", qr/1: name 'mapper007': names mapperN are the devices/);
bad('no size', "ring\n", qr/1: ring: no size; write NAME SIZE \[node=N\] \[node-fallback\] \[cache=MODE\] \[contiguous\] \[dma-device=DEVICE\]\n/);
bad("size 'abc'", "ring abc\n", qr/1: size 'abc': not a size; give a decimal or 0x hex number/);
bad('size 0', "ring 0\n", qr/1: size '0': a buffer needs at least one byte\n/);
bad('size 2^64', "ring 18446744073709551616\n", qr/1: size '18446744073709551616': too large: more than 16 EiB\n/);
bad('size 17179869184G', "ring 17179869184G\n", qr/1: size '17179869184G': too large/);
bad('size -1', "ring -1\n", qr/1: size '-1': a size is not negative\n/);
bad('unknown option', "ring 1M nodes=1\n", qr/1: 'nodes=1': not an option; use node=N, node-fallback, cache=cached\|wc\|uc, contiguous or dma-device=DEVICE\n/);
bad('bad node', "ring 1M node=x\n", qr/1: node 'x': give a NUMA node number/);
bad('empty node', "ring 1M node=\n", qr/1: node '': give a NUMA node number/);
bad('bad cache', "ring 1M cache=WC\n", qr/1: cache 'WC': use cached, wc or uc\n/);
bad('option twice', "ring 1M cache=wc cache=uc\n", qr/1: 'cache=uc': given twice\n/);
bad('node twice', "ring 1M node=0 node=0\n", qr/1: 'node=0': given twice\n/);
bad('fallback without node', "ring 1M node-fallback\n", qr/1: node-fallback goes with node=N: the node to prefer\n/);
bad('too many words', "ring 1M a b c d e f g\n", qr/1: 'g': too many words/);
bad('a name twice', "ring 1M\nother 1M\nring 2M\n", qr/3: ring is configured already at \S+:1\n/);
{
	my $e = bad('errors all reported', "A 1M\nb x\nc 1M foo\n", qr/1: name 'A'/);
	like($e, qr/:2: size 'x'.*\n.*:3: 'foo': not an option/, 'errors all reported: each with its line');
	$e = bad('at most 10 errors shown', "X 1\n" x 25, qr/1: name 'X'/);
	is(() = $e =~ /name 'X'/g, 10, 'at most 10 errors shown: 10');
	like($e, qr/\nmapperctl: apply: and 15 more errors\n/, 'at most 10 errors shown: the rest counted');
}

# Huge lines, many lines, binary garbage.
bad('a line of 4097', 'a 1M' . ' ' x 4093 . "\n", qr/1: longer than 4096 characters\n/);
{
	my $r = fake_tree();
	my ($o, $e, $c) = apply_conf($r, 'a 1M' . ' ' x 4092 . "\n");
	ok($c == 0 && $o eq "a: /dev/mapper0: created\n", 'a line of 4096 characters is read') or diag($e);
}
bad('a line of 8 MiB', "ok 1M\n" . 'x' x (8 << 20), qr/2: longer than 4096 characters\n/);
bad('a name of 8 MiB', 'x' x (1 << 20) . " 1M\n", qr/1: longer than 4096/);
{
	my $r = fake_tree();
	my $text = join('', map { $_ % 2 ? "# comment $_\n" : "\n" } 1 .. 99999) . "last 1M\n";
	my ($o, $e, $c) = apply_conf($r, $text);
	ok($c == 0 && $o eq "last: /dev/mapper0: created\n", '100000 lines, the last a buffer') or diag($e);
	$text = join('', map { "b$_ 1M\n" } 1 .. 99999) . "b1 2M\n";
	my $f = "$TMP/many.conf";
	spit($f, $text);
	($o, $e, $c) = ctl($r, 'apply', $f);
	ok($c == 1 && $e =~ /^mapperctl: apply: \Q$f\E:100000: b1 is configured already at \Q$f\E:1\n/, '100000 buffers, the last a duplicate')
		or diag(substr($e, 0, 500));
	is_deeply([cfg_dirs($r)], ['last'], '100000 buffers: nothing applied');
}
bad('a NUL byte', "ring 1M\nx\0y 1M\n", qr/2: a NUL byte: not a text file \(mapper\.conf\(5\)\)\n/);
{
	srand(14);
	for my $i (1 .. 5) {
		my $r = fake_tree();
		my ($o, $e, $c) = apply_conf($r, pack('C*', map { int rand 256 } 1 .. 65536));
		ok($c == 1 && $e =~ /nothing applied/ && $e !~ /Sanitizer|runtime error/, "binary garbage $i: refused")
			or diag(substr($e, 0, 500));
		is_deeply([cfg_dirs($r)], [], "binary garbage $i: nothing made");
	}
	my ($o, $e, $c) = apply_conf(fake_tree(), "\x{ef}\x{bb}\x{bf}ring 1M\n");
	like($e, qr/1: name '\\xef\\xbb\\xbfring': only a-z/, 'a UTF-8 BOM shown as bytes');
}

# Standard input; files that are not there or not files.
{
	my $r = fake_tree();
	spit("$TMP/in.conf", "fromstdin 1M\n");
	my ($o, $e, $c) = ctl($r, 'apply', '-', {in => "$TMP/in.conf"});
	ok($c == 0 && $o eq "fromstdin: /dev/mapper0: created\n", 'apply -: standard input') or diag($e);
	spit("$TMP/in.conf", "Bad 1M\n");
	($o, $e, $c) = ctl($r, 'apply', '-', {in => "$TMP/in.conf"});
	like($e, qr/^mapperctl: apply: standard input:1: name 'Bad'/, 'apply -: errors name standard input');
	ctl_err('apply: a missing file', $r, ['apply', "$TMP/none.conf"], 1,
		qr/^mapperctl: apply: \Q$TMP\E\/none\.conf: No such file or directory\nmapperctl: apply: nothing applied/);
	ctl_err('apply: a directory', $r, ['apply', $TMP], 1, qr/is a directory; give a configuration file \(mapper\.conf\(5\)\)/);
}

# The default: /etc/mapper.conf, then /etc/mapper.d/*.conf in C order.
{
	my $r = fake_tree();
	my ($o, $e, $c) = ctl($r, 'apply');
	ok($c == 0 && $o eq '' && $e eq '', 'apply: no /etc/mapper.conf, nothing to do') or diag($e);
	spit("$r/etc/mapper.conf", slurp("$TOP/dist/mapper.conf"));
	($o, $e, $c) = ctl($r, 'apply');
	ok($c == 0 && $o eq '' && $e eq '', 'apply: the shipped /etc/mapper.conf, comments only') or diag($e);
	mkdir "$r/etc/mapper.d" or die;
	spit("$r/etc/mapper.conf", "first 1M\n");
	spit("$r/etc/mapper.d/b.conf", "third 1M\n");
	spit("$r/etc/mapper.d/B.conf", "second 1M\n");
	spit("$r/etc/mapper.d/c.conf.dpkg-old", "Ignored\n");
	spit("$r/etc/mapper.d/.hidden.conf", "Ignored\n");
	spit("$r/etc/mapper.d/notes", "Ignored\n");
	mkdir "$r/etc/mapper.d/dir.conf" or die;
	($o, $e, $c) = ctl($r, 'apply');
	is($c, 1, 'apply: a directory named .conf is an error');
	like($e, qr/^mapperctl: apply: \/etc\/mapper\.d\/dir\.conf: is a directory/, 'apply: /etc paths as the user sees them');
	rmdir "$r/etc/mapper.d/dir.conf";
	($o, $e, $c) = ctl($r, 'apply');
	ok($c == 0 && $e eq '', 'apply: /etc/mapper.conf and mapper.d') or diag($e);
	is($o, "first: /dev/mapper0: created\nsecond: /dev/mapper1: created\nthird: /dev/mapper2: created\n",
	   'apply: mapper.conf first, then mapper.d/*.conf in C order, nothing else');
	spit("$r/etc/mapper.d/d.conf", "first 2M\n");
	($o, $e, $c) = ctl($r, 'apply');
	like($e, qr/^mapperctl: apply: \/etc\/mapper\.d\/d\.conf:1: first is configured already at \/etc\/mapper\.conf:1\n/,
	     'apply: a name twice across files');
}

done_testing();
