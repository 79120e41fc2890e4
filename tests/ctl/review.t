#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# What a review of mapperctl found (M1, M2, L1..L12), each tried: a device
# that does not reach standard output, or a fatal signal while a buffer is
# made, leaves nothing behind; huge counters in the busy line; apply
# without configfs, reading sysfs once, with bounded lines; sizes, names
# and node values the module would not take or tell; retries with an end;
# an undo that cannot disable; --help to a full disk; untrusted strings
# escaped in messages, names from sysfs checked.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use CtlTest;
use POSIX ();
use Test::More;

sub nothing_left {
	my ($r, $name) = @_;
	is_deeply([cfg_dirs($r), class_dirs($r)], [], "$name: nothing left");
}

my $env_of = sub { my ($r, %e) = @_; return {env => {MAPPER_SYSROOT => $r, LD_PRELOAD => $FAKE, %e}} };

# M1: the device line lost (a full disk, a pipe nobody reads): exit 1 and
# the buffer undone.
{
	my $r = fake_tree();
	my ($o, $e, $c) = run('sh', '-c', '"$0" create --size 1M --name lost >/dev/full', $CTL, $env_of->($r));
	is($c, 1, 'M1: create >/dev/full: exit 1');
	like($e, qr/^mapperctl: create: standard output: No space left on device: \/dev\/mapper0 not shown, so removed again\n\z/,
	     'M1: create >/dev/full: the message, once') or diag($e);
	nothing_left($r, 'M1: create >/dev/full');
	($o, $e, $c) = run('sh', '-c', '"$0" create --size 1M >/dev/full', $CTL, $env_of->($r));
	is($c, 1, 'M1: automatic name >/dev/full: exit 1');
	nothing_left($r, 'M1: automatic name >/dev/full');
	spit("$TMP/m1.conf", "a 1M\nb 1M\n");
	($o, $e, $c) = run('sh', '-c', '"$0" apply "$1" >/dev/full', $CTL, "$TMP/m1.conf", $env_of->($r));
	ok($c == 1 && $e =~ /standard output: No space left on device: \/dev\/mapper0 not shown, so removed again\n\z/,
	   'M1: apply >/dev/full: exit 1') or diag("exit $c: $e");
	nothing_left($r, 'M1: apply >/dev/full');

	# A pipe without a reader, SIGPIPE at its default: EPIPE, not death.
	pipe(my $rd, my $wr) or die "pipe: $!";
	close $rd;
	my $pid = fork // die "fork: $!";
	if (!$pid) {
		local $SIG{PIPE} = 'DEFAULT';
		open STDOUT, '>&', $wr or POSIX::_exit(126);
		open STDERR, '>', "$TMP/m1.err" or POSIX::_exit(126);
		$ENV{MAPPER_SYSROOT} = $r;
		$ENV{LD_PRELOAD} = $FAKE;
		exec { $CTL } $CTL, 'create', '--size', '1M', '--name', 'piped' or POSIX::_exit(127);
	}
	close $wr;
	waitpid $pid, 0;
	my $st = $?;
	ok(($st >> 8) == 1 && !($st & 127), 'M1: create into a closed pipe: exit 1, not killed') or diag("status $st");
	like(slurp("$TMP/m1.err"), qr/standard output: Broken pipe: \/dev\/mapper0 not shown, so removed again\n\z/,
	     'M1: closed pipe: the message');
	nothing_left($r, 'M1: closed pipe');
}

# M2: a fatal signal while the buffer is made: undone, said, then delivered.
{
	my $r = fake_tree();
	my ($o, $e, $c) = ctl($r, 'create', '--size', '1M', '--name', 'sig', {env => {FAKE_RAISE => 'enable:15'}});
	is($c, 128 + 15, 'M2: SIGTERM after enable: killed by it');
	is($o, '', 'M2: no device printed');
	like($e, qr/^mapperctl: create: \/sys\/kernel\/config\/mapper\/sig: Terminated while it was made: removed it again\n\z/,
	     'M2: said') or diag($e);
	nothing_left($r, 'M2: SIGTERM after enable');
	($o, $e, $c) = ctl($r, 'create', '--size', '1M', {env => {FAKE_RAISE => 'mkdir:2'}});
	is($c, 128 + 2, 'M2: SIGINT after mkdir, automatic name: killed by it');
	nothing_left($r, 'M2: SIGINT after mkdir');
	spit("$TMP/m2.conf", "a 1M\nb 1M\n");
	($o, $e, $c) = ctl($r, 'apply', "$TMP/m2.conf", {env => {FAKE_RAISE => 'size:1'}});
	ok($c == 128 + 1 && $o eq '', 'M2: apply, SIGHUP: killed, no line') or diag("exit $c: $o$e");
	nothing_left($r, 'M2: apply, SIGHUP');
}

# L1: counters of 20 digits in the busy line: all of them, no overflow.
{
	my $r = fake_tree();
	ctl($r, 'create', '--size', '1M', '--name', 'busy');
	my $d = "$r/sys/class/mapper/mapper0";
	spit("$d/opens", "10000000000000000000\n");
	spit("$d/maps", "10000000000000000000\n");
	spit("$d/holders", "18446744073709551615\n");
	ctl_err('L1: huge counters', $r, ['remove', 'busy'], 1,
		qr/: 'busy' \(\/dev\/mapper0\) is in use: 10000000000000000000 open files, 10000000000000000000 mappings, 8446744073709551615 kernel holders \(dmesg names/);
}

# L2: apply that only checks needs no configfs.
{
	for my $how ('not mounted', 'no configfs') {
		my $r = fake_tree(configfs => 0);
		rmdir "$r/sys/kernel/config" if $how eq 'no configfs';
		load_time($r, 0);
		spit("$TMP/l2.conf", "mapper0 1M\n");
		my ($o, $e, $c) = ctl($r, 'apply', "$TMP/l2.conf");
		ok($c == 0 && $e eq '' && $o eq "mapper0: /dev/mapper0: exists as configured\n",
		   "L2: $how: a load-time buffer checked") or diag("exit $c: $e");
		spit("$TMP/l2.conf", "mapper0 1M\nnew 1M\n");
		($o, $e, $c) = ctl($r, 'apply', "$TMP/l2.conf");
		ok($c == 1 && $o eq "mapper0: /dev/mapper0: exists as configured\n" && $e =~ /\/sys\/kernel\/config: /,
		   "L2: $how: configfs asked for once something is to be made") or diag("exit $c: $e");
	}
}

# L3: blanks, signs and a second 0x are no sizes.
{
	my $r = fake_tree();
	for my $bad ('0x0x10', '0X0x1K', ' 4K', "\t 5", '+5', '0x+5', '0x 5', '0x-1') {
		(my $shown = $bad) =~ s/([^\x20-\x7e])/sprintf '\\x%02x', ord $1/ge;
		ctl_err("L3: --size '$shown'", $r, ['create', '--size', $bad], 2, qr/--size '\Q$shown\E': not a size; /);
	}
	nothing_left($r, 'L3');
	spit("$TMP/l3.conf", "a 0x0x10\n");
	ctl_err('L3: apply: size 0x0x10', $r, ['apply', "$TMP/l3.conf"], 1, qr/l3\.conf:1: size '0x0x10': not a size/);
}

# L4: remove checks its NAME before the module and configfs.
{
	ctl_err('L4: remove a bad name, not loaded', fake_tree(loaded => 0), ['remove', 'Bad!Name'], 2,
		qr/^mapperctl: remove: 'Bad!Name': not a buffer name: /);
	ctl_err('L4: remove a bad name, configfs not mounted', fake_tree(configfs => 0), ['remove', 'Bad!Name'], 2,
		qr/not a buffer name/);
}

# L5: apply reads /sys/class/mapper once, however many buffers.
{
	my $r = fake_tree();
	spit("$TMP/l5.conf", join '', map { "b$_ 4K\n" } 1 .. 40);
	my ($o, $e, $c) = ctl($r, 'apply', "$TMP/l5.conf");
	is($c, 0, 'L5: 40 buffers created') or diag($e);
	unlink "$TMP/l5.count";
	($o, $e, $c) = ctl($r, 'apply', "$TMP/l5.conf", {env => {FAKE_COUNT => "$TMP/l5.count"}});
	is($c, 0, 'L5: applied again') or diag($e);
	my $n = () = (-e "$TMP/l5.count" ? slurp("$TMP/l5.count") : '') =~ /opendir/g;
	is($n, 1, 'L5: again: /sys/class/mapper listed once, not once a buffer');
}

# L6: lines are read in bounded memory; /dev/zero ends; CRLF does not count.
{
	my $small = {env => {ASAN_OPTIONS => "$ENV{ASAN_OPTIONS}:max_allocation_size_mb=8:allocator_may_return_null=1"}};
	my $r = fake_tree();
	spit("$TMP/l6.conf", 'x' x (20 << 20));
	ctl_err('L6: a line of 20 MiB, 8 MiB allocations at most', $r, ['apply', "$TMP/l6.conf"], 1,
		qr/l6\.conf:1: longer than 4096 characters\n.*nothing applied/s, $small);
	ctl_err('L6: /dev/zero', $r, ['apply', '/dev/zero'], 1,
		qr/^mapperctl: apply: \/dev\/zero:1: a NUL byte: not a text file \(mapper\.conf\(5\)\)\nmapperctl: apply: nothing applied/, $small);
	spit("$TMP/l6.conf", 'a 1M' . ' ' x 4092 . "\r\n");
	my ($o, $e, $c) = ctl($r, 'apply', "$TMP/l6.conf");
	ok($c == 0 && $o eq "a: /dev/mapper0: created\n", 'L6: 4096 characters and CRLF') or diag($e);
}

# L7: names that only look like mapperN, and mapperN past the device numbers.
{
	my $r = fake_tree();
	ctl($r, 'create', '--size', '1M', '--name', 'frames');
	for my $name ('mapper-x', 'mapperfoo') {
		my $e = ctl_err("L7: EBUSY for $name", $r, ['create', '--size', '1M', '--name', $name], 1,
				qr/\/$name\/enable: Device or resource busy: the device number is in use; try again\n\z/,
				{env => {FAKE_FAIL => 'enable:16'}});
	}
	for my $name ('mapper1048576', 'mapper4294967296', 'mapper99999999999999999999') {
		ctl_err("L7: --name $name", $r, ['create', '--size', '1M', '--name', $name], 2,
			qr/--name '$name': names mapperN are the devices \/dev\/mapperN, and N is below 1048576 \(2\^20\)/);
	}
	my ($o, $e, $c) = ctl($r, 'create', '--size', '1M', '--name', 'mapper1048575');
	ok($c == 0 && $o eq "/dev/mapper1048575\n", 'L7: mapper1048575 is a name') or diag($e);
}

# L8: EBUSY on every automatic name: an end, and what it means.
{
	my $r = fake_tree();
	my ($o, $e, $c) = run('timeout', '120', $CTL, 'create', '--size', '1M', $env_of->($r, FAKE_FAIL => 'enable:16'));
	is($c, 1, 'L8: persistent EBUSY: exit 1, soon');
	like($e, qr/^mapperctl: create: no device number: the 64 free ones tried \(mapper0 to mapper63\) were all refused as in use/,
	     'L8: the message') or diag($e);
	nothing_left($r, 'L8');
}

# L9: the undo cannot disable: says so, and what works.
{
	my $r = fake_tree();
	my ($o, $e, $c) = ctl($r, 'create', '--size', '1M', '--name', 'x', {env => {FAKE_INDEX => '-1', FAKE_FAIL => 'enable=0:16'}});
	is($c, 1, 'L9: exit 1');
	like($e, qr/x\/index: '-1': enabled, but the module names no device; removing it again\n.*x\/enable: could not remove it again: disabling it failed: Device or resource busy: the buffer is still enabled \(in use already\?\); remove it with 'mapperctl remove x', or 'mapperctl remove --lazy x' while it is in use\n\z/s,
	     'L9: the message') or diag($e);
	unlike($e, qr/rmdir/, 'L9: no rmdir advice');
}

# L10: a node sysfs garbles is unknown; sizes never "1024.0M".
{
	my $r = fake_tree(limit => 4 << 30);
	load_time($r, 0, node => 'x');
	load_time($r, 1, node => undef);
	load_time($r, 2, size => 1073737728, name => 'p');
	my ($o) = ctl($r, 'list');
	like($o, qr/^mapper0 +\/dev\/mapper0 +1M +\? /m, 'L10: garbled node: ?');
	like($o, qr/^mapper1 +\/dev\/mapper1 +1M +- /m, 'L10: no node attribute (before 0.3): any');
	like($o, qr/^p +\/dev\/mapper2 +1\.0G /m, 'L10: 1 GiB - 4 KiB is 1.0G');
	($o) = ctl($r, 'list', '--json');
	like($o, qr/"name": "mapper0", "device": "\/dev\/mapper0", "size": 1048576, "node": null,/, 'L10: --json: garbled node null');
	spit("$TMP/l10.conf", "p 1G\nmapper0 1M\n");
	my ($ao, $ae, $ac) = ctl($r, 'apply', "$TMP/l10.conf");
	like($ae, qr/p: \/dev\/mapper2 exists with size 1\.0 GiB \(configured 1 GiB\): left alone/, 'L10: apply: 1.0 GiB');
	like($ae, qr/mapper0: \/dev\/mapper0 exists with node \? \(configured -1\): left alone/, 'L10: apply: an unknown node differs');
}

# L11: --help, --version, COMMAND -h to a full disk.
for my $args (['--help'], ['--version'], ['list', '-h']) {
	my ($o, $e, $c) = run('sh', '-c', '"$0" "$@" >/dev/full', $CTL, @$args);
	ok($c == 1 && $e =~ /standard output: No space left on device\n\z/, "L11: @$args >/dev/full: exit 1") or diag("exit $c: $e");
}

# L12: untrusted strings escaped; a name from sysfs checked.
{
	my $r = fake_tree();
	my $e = ctl_err('L12: a device argument with escapes', $r, ['remove', "/dev/\e[2J\nx"], 1,
			qr/^mapperctl: remove: \/dev\/\\x1b\[2J\\x0ax: No such file or directory/);
	$e = ctl_err('L12: a configuration path with escapes', $r, ['apply', "$TMP/\e]0;t\a.conf"], 1,
		     qr/\\x1b\]0;t\\x07\.conf: No such file or directory/);
	unlike($e, qr/[\e\a]/, 'L12: no raw escape');
	load_time($r, 0, name => '../evil');
	mkdir "$r/sys/kernel/config/evil" or die;
	ctl_err('L12: a name from sysfs that is none', $r, ['remove', '/dev/mapper0'], 1,
		qr/^mapperctl: remove: \/dev\/mapper0: \/dev\/mapper0: \/sys\/class\/mapper\/mapper0\/name is not a buffer name/);
	ok(-d "$r/sys/kernel/config/evil", 'L12: nothing outside the buffer directories touched');
	like((ctl($r, 'list'))[0], qr/^\? +\/dev\/mapper0 /m, 'L12: list: such a name is ?');
}

done_testing();
