#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# mapperctl export against a fake tree, fakekernel.so answering
# MAPPER_IOC_EXPORT_DMABUF with a memfd named after the export
# ("fake-dmabuf:mapperN:OFFSET+LENGTH:ro|rw") and logging every request:
# COMMAND runs with MAPPER_DMABUF_FD and MAPPER_DMABUF_SIZE, the dma-buf open
# in it (so not close-on-exec) and the device closed; --offset, --length and
# their suffixes; --read-only opens O_RDONLY and asks O_RDONLY; COMMAND's exit
# status (and signal) passed through, 126/127 when it cannot be run; every
# usage error and bad range exits 2 before any ioctl; each error of the open
# and of the ioctl explained; a module without the ioctl; removal refused
# while dma-bufs live, and list's EXPORTS column and key.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use CtlTest;
use JSON::PP;
use Test::More;

# What COMMAND sees, one line: the variables, what the descriptor is (its
# link, access mode, size), how many descriptors of a /dev/mapperN it has,
# whether 0 and 1 are open, its arguments. PROBE_OUT: to that file rather
# than standard output; PROBE_EXIT: its exit status.
my $probe = "$TMP/probe";
spit($probe, <<'PL');
#!/usr/bin/perl
use strict;
use warnings;
my $fd = $ENV{MAPPER_DMABUF_FD} // 'unset';
my $size = $ENV{MAPPER_DMABUF_SIZE} // 'unset';
my $link = readlink("/proc/self/fd/$fd") // 'closed';
my $mode = -1;
if (open my $fh, '<', "/proc/self/fdinfo/$fd") {
	local $/;
	my ($flags) = <$fh> =~ /^flags:\s*(\d+)/m;
	$mode = oct($flags) & 3 if defined $flags;
}
my $bytes = -s "/proc/self/fd/$fd" // 'none';
my $devs = grep { (readlink($_) // '') =~ m{/dev/mapper} } glob('/proc/self/fd/*');
my $std = join '', map { -e "/proc/self/fd/$_" ? 1 : 0 } 0, 1;
my $line = "fd=$fd size=$size link=$link mode=$mode bytes=$bytes devices=$devs std=$std args=@ARGV\n";
if ($ENV{PROBE_OUT}) {
	open my $o, '>', $ENV{PROBE_OUT} or die;
	print $o $line;
	close $o;
} else {
	print $line;
}
exit($ENV{PROBE_EXIT} // 0);
PL
chmod 0755, $probe;

# The export requests of a run, in order (FAKE_LOG), and the run's result.
my $logs = 0;
sub logged {
	my ($r, @args) = @_;
	my $o = ref $args[-1] eq 'HASH' ? pop @args : {};
	my $log = "$TMP/export-log" . $logs++;
	my @res = ctl($r, @args, { %$o, env => { FAKE_LOG => $log, %{$o->{env} // {}} } });
	my @w = -e $log ? grep { /\/export / } split /\n/, slurp($log) : ();
	return (\@w, @res);
}

# probe_line(SIZE, LINK, MODE, BYTES, ARGS): the probe's line, as a pattern:
# MAPPER_DMABUF_SIZE, the descriptor's link and access mode (0 read-only,
# 2 read-write) and size, no /dev/mapperN open, 0 and 1 open, the arguments.
sub probe_line {
	my ($size, $link, $mode, $bytes, $args) = @_;
	return qr/^fd=(\d+) size=\Q$size\E link=\Q$link\E \(deleted\) mode=$mode bytes=$bytes devices=0 std=11 args=\Q$args\E\n\z/;
}

my $r = fake_tree();
my ($w, $o, $e, $c);
($o, $e, $c) = ctl($r, 'create', '--size', '1M', '--name', 'frames');
is($o, "/dev/mapper0\n", 'setup: frames') or diag($e);
($o, $e, $c) = ctl($r, 'create', '--size', '4M', '--name', 'big');
is($o, "/dev/mapper1\n", 'setup: big') or diag($e);
is(slurp("$r/sys/class/mapper/mapper0/exports"), "0\n", 'setup: the fake module has sysfs exports');

# --- COMMAND gets the dma-buf ---------------------------------------------------

($w, $o, $e, $c) = logged($r, 'export', 'frames', '--', $probe, 'a', 'b c');
ok($c == 0 && $e eq '', 'export frames -- COMMAND: exit 0, no message') or diag("exit $c: $e");
like($o, probe_line(1048576, '/memfd:fake-dmabuf:mapper0:0+1048576:rw', 2, 1048576, 'a b c'),
     'export: COMMAND has MAPPER_DMABUF_FD open (not close-on-exec), MAPPER_DMABUF_SIZE its bytes, read-write, the device closed, its arguments');
my ($fd) = $o =~ /^fd=(\d+)/;
ok(defined $fd && $fd >= 3, 'export: the descriptor is none of 0, 1 and 2');
is_deeply($w, ['mapper0/export argsz=32 flags=0x2 offset=0 length=0 open=rdwr'],
	  'export: one request, argsz 32, O_RDWR without O_CLOEXEC, the whole buffer (length 0), from a read-write open');

# By its device, and by its udev link.
for my $dev ('/dev/mapper0', '/dev/mapper-by-name/frames') {
	($w, $o, $e, $c) = logged($r, 'export', $dev, '--', $probe);
	ok($c == 0 && $o =~ /link=\/memfd:fake-dmabuf:mapper0:0\+1048576:rw /, "export $dev") or diag("exit $c: $o$e");
}

# A range: whole pages, with the suffixes and hex of the other sizes.
($w, $o, $e, $c) = logged($r, 'export', 'big', '--offset', '4K', '--length', '8K', '--', $probe);
like($o, probe_line(8192, '/memfd:fake-dmabuf:mapper1:4096+8192:rw', 2, 8192, ''), '--offset 4K --length 8K: the range, its size')
	or diag($e);
is_deeply($w, ['mapper1/export argsz=32 flags=0x2 offset=4096 length=8192 open=rdwr'], '--offset 4K --length 8K: asked so');
($w, $o, $e, $c) = logged($r, 'export', 'big', '--offset', '1MiB', '--length', '0x200000', '--', $probe);
like($o, qr/size=2097152 link=\/memfd:fake-dmabuf:mapper1:1048576\+2097152:rw /, '--offset 1MiB --length 0x200000') or diag($e);
($w, $o, $e, $c) = logged($r, 'export', 'big', '--offset', '3M', '--', $probe);
like($o, qr/size=1048576 link=\/memfd:fake-dmabuf:mapper1:3145728\+1048576:rw /, '--offset alone: to the end, its size') or diag($e);
is_deeply($w, ['mapper1/export argsz=32 flags=0x2 offset=3145728 length=0 open=rdwr'], '--offset alone: length 0 asked');
($o, $e, $c) = ctl($r, 'export', 'big', '--length', '4M', '--offset', '0', '--', $probe);
like($o, qr/size=4194304 /, '--length of the whole buffer, --offset 0') or diag($e);
($o, $e, $c) = ctl($r, 'export', 'big', '--offset', '4190208', '--', $probe);
like($o, qr/size=4096 link=\/memfd:fake-dmabuf:mapper1:4190208\+4096:rw /, '--offset of the last page') or diag($e);

# --read-only: a read-only open, a read-only dma-buf.
for my $ro ('--read-only', '-r') {
	($w, $o, $e, $c) = logged($r, 'export', $ro, 'frames', '--length', '64K', '--', $probe);
	ok($c == 0 && $e eq '', "$ro: exit 0") or diag($e);
	like($o, probe_line(65536, '/memfd:fake-dmabuf:mapper0:0+65536:ro', 0, 65536, ''), "$ro: COMMAND's descriptor is read-only (O_RDONLY)");
	is_deeply($w, ['mapper0/export argsz=32 flags=0 offset=0 length=65536 open=rdonly'], "$ro: opens O_RDONLY, asks O_RDONLY");
}

# Options after NAME, before --; after --, everything is COMMAND's.
($w, $o, $e, $c) = logged($r, 'export', 'frames', '--read-only', '--', $probe, '--offset', 'x', '--help', '-r', '--');
like($o, qr/:ro \(deleted\) .* args=--offset x --help -r --\n\z/, 'after --: COMMAND\'s arguments, --help included, untouched') or diag($e);
is(scalar @$w, 1, 'after --: one export');

# The environment: set whatever was there; everything else kept.
($o, $e, $c) = ctl($r, 'export', 'frames', '--', 'sh', '-c', 'echo "$MAPPER_DMABUF_FD $MAPPER_DMABUF_SIZE $KEEP"',
		   {env => {MAPPER_DMABUF_FD => 99, MAPPER_DMABUF_SIZE => 1, KEEP => 'kept'}});
like($o, qr/^(\d+) 1048576 kept\n\z/, 'stale MAPPER_DMABUF_FD/SIZE replaced, the rest of the environment kept') or diag($e);
ok(($o =~ /^(\d+)/)[0] != 99, 'stale MAPPER_DMABUF_FD replaced');
# PATH is searched.
($o, $e, $c) = ctl($r, 'export', 'frames', '--', 'probe', {env => {PATH => "$TMP:/usr/bin:/bin"}});
like($o, qr/^fd=\d+ size=1048576 /, 'COMMAND looked up in PATH') or diag($e);

# Started with 0 and 1 closed (the device then opened as 0, the dma-buf
# given 1): the dma-buf moved above 2, and 0 and 1 still closed for COMMAND
# (a shell's builtins look, which open nothing before).
{
	my $out = "$TMP/closed.out";
	my $sh = 's=; for f in 0 1; do if [ -e /proc/$$/fd/$f ]; then s=${s}1; else s=${s}0; fi; done; ' .
		 'echo "$s $MAPPER_DMABUF_FD $(readlink /proc/$$/fd/$MAPPER_DMABUF_FD)" >"$0"';
	unlink $out;
	($o, $e, $c) = run('sh', '-c', 'exec "$@" <&- >&-', 'sh', $CTL, 'export', 'frames', '--', 'sh', '-c', $sh, $out,
			   {env => {MAPPER_SYSROOT => $r, LD_PRELOAD => $FAKE}});
	ok($c == 0 && $e eq '', 'export with 0 and 1 closed: exit 0') or diag("exit $c: $e");
	like(-e $out ? slurp($out) : '', qr/^00 (?:[3-9]|\d\d+) \/memfd:fake-dmabuf:mapper0:0\+1048576:rw \(deleted\)\n\z/,
	     'export with 0 and 1 closed: the dma-buf above 2, 0 and 1 still closed in COMMAND');
}

# --- COMMAND's exit status ----------------------------------------------------------

($o, $e, $c) = ctl($r, 'export', 'frames', '--', $probe, {env => {PROBE_EXIT => 7}});
ok($c == 7 && $e eq '', "COMMAND's exit status 7 is export's") or diag("exit $c: $e");
($o, $e, $c) = ctl($r, 'export', 'frames', '--', $probe, {env => {PROBE_EXIT => 1}});
is($c, 1, "COMMAND's exit status 1 is export's");
($o, $e, $c) = ctl($r, 'export', 'frames', '--', 'sh', '-c', 'kill -TERM $$');
is($c, 128 + 15, 'COMMAND killed by SIGTERM: export is too (exec, no parent in between)');
($o, $e, $c) = ctl($r, 'export', 'frames', '--', "$TMP/no-such-command");
is($c, 127, 'a COMMAND that is not there: exit 127');
like($e, qr/^mapperctl: export: \Q$TMP\E\/no-such-command: cannot run it: No such file or directory\n\z/, 'not there: the message');
($o, $e, $c) = ctl($r, 'export', 'frames', '--', 'no-such-command-anywhere');
ok($c == 127 && $e =~ /: no-such-command-anywhere: cannot run it: No such file or directory \(not in PATH\)\n\z/,
   'a name not in PATH: exit 127, said so') or diag("exit $c: $e");
spit("$TMP/not-executable", "#!/bin/sh\n");
chmod 0644, "$TMP/not-executable";
($o, $e, $c) = ctl($r, 'export', 'frames', '--', "$TMP/not-executable");
ok($c == 126 && $e =~ /\/not-executable: cannot run it: Permission denied\n\z/, 'a COMMAND that cannot be executed: exit 126')
	or diag("exit $c: $e");

# --- usage errors: exit 2, before the module is asked anything ---------------------

my $syntax = qr/mapperctl export NAME\|DEVICE \[--offset O\] \[--length L\] \[--read-only\] -- COMMAND \[ARG\.\.\.\]\n/;
my $help = qr/\nTry 'mapperctl --help' for more information\.\n\z/;
for my $case (
	['no buffer', ['--', $probe], qr/^mapperctl: export: which buffer\? give NAME, \/dev\/mapperN or \/dev\/mapper-by-name\/NAME: $syntax/],
	['no buffer, no --', [], qr/^mapperctl: export: which buffer\?/],
	['two buffers', ['frames', 'big', '--', $probe], qr/^mapperctl: export: one buffer at a time: got 'frames' and 'big'; the command goes after --: $syntax/],
	['COMMAND without --', ['frames', $probe], qr/^mapperctl: export: one buffer at a time: got 'frames' and '\Q$probe\E'; the command goes after --/],
	['no --', ['frames'], qr/^mapperctl: export: no --: the command to run goes after it: $syntax/],
	['nothing after --', ['frames', '--'], qr/^mapperctl: export: no command after --: what is to run with the dma-buf\? $syntax/],
	['a bad name', ['Frames', '--', $probe], qr/^mapperctl: export: 'Frames': not a buffer name: only a-z, 0-9, _ and - may be used; give NAME/],
	['unknown option', ['frames', '--frob', '--', $probe], qr/^mapperctl export: unrecognized option '--frob'\n/],
	['--offset without a value', ['frames', '--offset'], qr/^mapperctl export: option '--offset' requires an argument\n/],
	['--offset of --', ['frames', '--offset', '--', $probe], qr/^mapperctl export: option '--offset' requires an argument\n/],
	['--offset x', ['frames', '--offset', 'x', '--', $probe], qr/^mapperctl: export: --offset 'x': not a size; give a decimal or 0x hex number/],
	['--offset 1KB', ['frames', '--offset', '1KB', '--', $probe], qr/--offset '1KB': not a size/],
	['--offset -4K', ['frames', '--offset', '-4K', '--', $probe], qr/--offset '-4K': an offset is not negative/],
	['--offset 2^64', ['frames', '--offset', '18446744073709551616', '--', $probe], qr/--offset '18446744073709551616': too large: more than 16 EiB/],
	['--offset 100', ['frames', '--offset', '100', '--', $probe], qr/^mapperctl: export: --offset '100': not a whole number of pages \(4096 bytes\): a dma-buf is whole pages\n/],
	['--length 0', ['frames', '--length', '0', '--', $probe], qr/^mapperctl: export: --length '0': a dma-buf has at least one page; leave --length out for the rest of the buffer\n/],
	['--length 5000', ['frames', '--length', '5000', '--', $probe], qr/--length '5000': not a whole number of pages \(4096 bytes\)/],
	['--length -1', ['frames', '--length', '-1', '--', $probe], qr/--length '-1': a length is not negative/],
	['--offset at the end', ['frames', '--offset', '1M', '--', $probe], qr/^mapperctl: export: --offset '1M': at or past the end of 'frames' \(\/dev\/mapper0, 1 MiB\)\n/],
	['--offset past the end', ['frames', '--offset', '16G', '--length', '4K', '--', $probe], qr/--offset '16G': at or past the end of 'frames' \(\/dev\/mapper0, 1 MiB\)\n/],
	['--length past the end', ['frames', '--length', '2M', '--', $probe], qr/^mapperctl: export: --length '2M': past the end of 'frames' \(\/dev\/mapper0, 1 MiB\); leave --length out for all of it\n/],
	['--offset + --length past the end', ['frames', '--offset', '512K', '--length', '516K', '--', $probe],
	 qr/^mapperctl: export: --length '516K': past the end of 'frames' \(\/dev\/mapper0, 1 MiB\): at most 512 KiB from offset 512 KiB; leave --length out for the rest\n/],
	['a huge --length past the end', ['big', '--offset', '4K', '--length', '0xfffffffffffff000', '--', $probe], qr/--length '0xfffffffffffff000': past the end of 'big'/],
	['not a mapper device', ["$TMP/not-executable", '--', $probe], qr/^mapperctl: export: \S+not-executable: not a mapper device; give NAME/],
    ) {
	my ($name, $args, $re) = @$case;
	($w, $o, $e, $c) = logged($r, 'export', @$args);
	is($c, 2, "$name: exit 2");
	like($e, $re, "$name: message") or diag($e);
	like($e, $help, "$name: points to --help");
	is($o, '', "$name: COMMAND not run, nothing on stdout");
	is_deeply($w, [], "$name: no ioctl");
}
# Usage errors come before the module is looked for.
ctl_err('a bad --offset, no module', fake_tree(loaded => 0), ['export', 'frames', '--offset', '1', '--', $probe], 2,
	qr/--offset '1': not a whole number of pages/);
ctl_err('a bad name, no module', fake_tree(loaded => 0), ['export', 'A', '--', $probe], 2, qr/'A': not a buffer name/);

# --help and the man page: the contract's spelling.
{
	my ($h) = run($CTL, '--help');
	ok(index($h, "  export NAME|DEVICE [--offset O] [--length L] [--read-only]\n         -- COMMAND [ARG...]\n") >= 0,
	   'help: export NAME|DEVICE [--offset O] [--length L] [--read-only] -- COMMAND [ARG...], on two lines');
	is_deeply([grep { length > 80 } split /\n/, $h], [], 'help: no line longer than 80');
	ok(index($h, 'MAPPER_DMABUF_FD') >= 0 && index($h, 'MAPPER_DMABUF_SIZE') >= 0, 'help: the variables');
	is((run($CTL, 'export', '--help'))[0], $h, 'export --help: the help');
	my $man = slurp("$TOP/man/mapperctl.8") =~ s/\\-/-/gr;
	ok($man =~ /^\.SS export$/m && index($man, 'MAPPER_DMABUF_FD') >= 0 && index($man, 'MAPPER_DMABUF_SIZE') >= 0,
	   'mapperctl(8): export and its variables');
}

# --- runtime errors: exit 1, COMMAND not run -------------------------------------

ctl_err('module not loaded', fake_tree(loaded => 0), ['export', 'frames', '--', $probe], 1, qr/^mapperctl: export: mapper is not loaded \(modprobe mapper\)\n\z/);
ctl_err('no such buffer', $r, ['export', 'nosuch', '--', $probe], 1, qr/^mapperctl: export: 'nosuch': no such buffer; 'mapperctl list' shows them\n\z/);
ctl_err('no such device', $r, ['export', '/dev/mapper7', '--', $probe], 1, qr/^mapperctl: export: \/dev\/mapper7: No such file or directory; 'mapperctl list'/);

# Each error of the ioctl, after the fake module's own checks.
my $ioc = qr/^mapperctl: export: \/dev\/mapper0: MAPPER_IOC_EXPORT_DMABUF: /;
my $cannot = qr/this mapper module cannot export dma-bufs \(0\.4\.0 or later, a kernel with CONFIG_DMA_SHARED_BUFFER\)/;
for my $case (
	['EOPNOTSUPP', 95, qr/${ioc}Operation not supported: $cannot: it was built for a kernel without the dma-buf core\n\z/],
	['ENOTTY', 25, qr/${ioc}Inappropriate ioctl for device: $cannot: it does not know the request, so it is older \('modinfo -F version mapper'\); update mapper-dkms and reload it\n\z/],
	['EACCES', 13, qr/${ioc}Permission denied: the device is open read-only, and a read-only open exports read-only dma-bufs only: add --read-only\n\z/],
	['EINVAL', 22, qr/${ioc}Invalid argument: the module refused the range \(offset 0 bytes, length to the end\) of the buffer's 1 MiB: a dma-buf is whole pages inside the buffer; 'dmesg \| tail' says why\n\z/],
	['EIO', 5, qr/${ioc}Input\/output error: the module cannot tell the cache mode of the buffer's pages; 'dmesg \| tail' says more\n\z/],
	['EMFILE', 24, qr/${ioc}Too many open files: no file descriptor free for the dma-buf; raise the limit \(ulimit -n\) or close some\n\z/],
	['ENFILE', 23, qr/${ioc}Too many open files in system: the kernel is out of open files; try again later\n\z/],
	['ENOMEM', 12, qr/${ioc}Cannot allocate memory: the kernel is out of memory; try again later\n\z/],
	['EPROTO', 71, qr/${ioc}Protocol error; 'dmesg \| tail' may say why\n\z/],
    ) {
	my ($name, $errno, $re) = @$case;
	($w, $o, $e, $c) = logged($r, 'export', 'frames', '--', $probe, {env => {FAKE_FAIL => "export:$errno"}});
	is($c, 1, "ioctl $name: exit 1");
	like($e, $re, "ioctl $name: the cause and the fix") or diag($e);
	is($o, '', "ioctl $name: COMMAND not run");
	is(scalar @$w, 1, "ioctl $name: asked once");
}
# A module without the ioctl: its ENOTTY; one before the DMA options too.
for my $old (['FAKE_NO_DMABUF', 'without dma-buf export'], ['FAKE_NO_DMA', 'before the DMA options']) {
	my $t = fake_tree();
	ctl($t, 'create', '--size', '1M', '--name', 'old', {env => {$old->[0] => 1}});
	ok(-e "$t/dev/mapper0" && !-e "$t/sys/class/mapper/mapper0/exports", "a module $old->[1]: no sysfs exports");
	ctl_err("a module $old->[1]", $t, ['export', 'old', '--', $probe], 1,
		qr/^mapperctl: export: \/dev\/mapper0: MAPPER_IOC_EXPORT_DMABUF: Inappropriate ioctl for device: $cannot/, {env => {$old->[0] => 1}});
}
# A size sysfs does not tell: the module checks the range, and its EINVAL is explained.
{
	my $t = fake_tree();
	load_time($t, 0, name => 'odd');
	spit("$t/sys/class/mapper/mapper0/size", "lots\n");
	ctl_err('EINVAL, size unknown', $t, ['export', 'odd', '--offset', '8K', '--', $probe], 1,
		qr/\/dev\/mapper0: MAPPER_IOC_EXPORT_DMABUF: Invalid argument: the module refused the range \(offset 8 KiB, length to the end\) of the buffer's \? bytes: a dma-buf is whole pages inside the buffer/);
	# A buffer made at load time exports as any other.
	load_time($t, 1, name => 'boot', size => 8192);
	($o, $e, $c) = ctl($t, 'export', 'boot', '--', $probe);
	like($o, qr/size=8192 link=\/memfd:fake-dmabuf:mapper1:0\+8192:rw /, 'a buffer made at load time') or diag($e);
	# Its device node not there (udev not done yet).
	unlink "$t/dev/mapper1";
	ctl_err('no /dev/mapperN', $t, ['export', 'boot', '--', $probe], 1,
		qr/^mapperctl: export: \/dev\/mapper1: No such file or directory: the buffer is there \(\/sys\/class\/mapper\) but its device is not: udev has not made it \(yet\?\); 'udevadm settle'/);
}

# Opening the device: permission.
SKIP: {
	my $t = fake_tree();
	ctl($t, 'create', '--size', '1M', '--name', 'perm');
	my @as;
	if ($> == 0) {
		skip 'no setpriv to run as nobody', 5 unless -x '/usr/bin/setpriv';
		@as = ('setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups');
		chmod 0755, $TMP, $t, "$t/dev", "$t/sys", "$t/sys/class", "$t/sys/class/mapper", "$t/sys/module";
	}
	my $as = sub { my @a = @_; my $o = ref $a[-1] eq 'HASH' ? pop @a : {};
		       run(@as, $CTL, @a, { env => { MAPPER_SYSROOT => $t, LD_PRELOAD => $FAKE, %{$o->{env} // {}} } }) };
	chmod 0644, "$t/dev/mapper0";
	($o, $e, $c) = $as->('export', 'perm', '--', $probe);
	is($c, 1, 'a device it may only read: exit 1');
	like($e, qr/^mapperctl: export: \/dev\/mapper0: Permission denied: you may read it but not write it: export it with --read-only/,
	     'a device it may only read: --read-only suggested') or diag($e);
	($o, $e, $c) = $as->('export', '--read-only', 'perm', '--', $probe);
	ok($c == 0 && $o =~ /:ro \(deleted\) mode=0 /, 'a device it may only read: --read-only exports') or diag("exit $c: $o$e");
	chmod 0600, "$t/dev/mapper0";
	($o, $e, $c) = $as->('export', '--read-only', 'perm', '--', $probe);
	ok($c == 1 && $e =~ /^mapperctl: export: \/dev\/mapper0: Permission denied: mapper devices belong to the group 'mapper'; add yourself with 'sudo usermod -aG mapper \$USER' and log in again, or run as root\n\z/,
	   'a device it may not open: the group') or diag("exit $c: $e");
	is($o, '', 'a device it may not open: COMMAND not run');
	chmod 0700, $TMP;
}

# --- exports keep a buffer; list shows them -------------------------------------------

{
	my $t = fake_tree();
	ctl($t, 'create', '--size', '1M', '--name', 'held');
	ctl($t, 'create', '--size', '1M', '--name', 'old', {env => {FAKE_NO_DMABUF => 1}});
	spit("$t/sys/class/mapper/mapper0/exports", "2\n");
	ctl_err('remove: exported', $t, ['remove', 'held'], 1,
		qr/^mapperctl: remove: \/sys\/kernel\/config\/mapper\/held\/enable: Device or resource busy: 'held' \(\/dev\/mapper0\) is in use: 2 dma-bufs \(dmesg names the holders/);
	ok(-e "$t/sys/class/mapper/mapper0", 'remove: exported: left as it was');
	($o, $e, $c) = ctl($t, 'list', '--dma');
	is($o, <<'T', 'list --dma: EXPORTS, ? from a module without dma-buf export') or diag($e);
NAME DEVICE       SIZE NODE CACHE  MAPS HOLDERS CONTIG DMA-DEVICE DMA-MAPS EXPORTS
held /dev/mapper0   1M    - cached    0       0 no     -                 0       2
old  /dev/mapper1   1M    - cached    0       0 no     -                 0       ?
T
	my $v = decode_json((ctl($t, 'list', '--json'))[0]);
	is_deeply([map { exists $_->{exports} ? $_->{exports} : 'none' } @$v], [2, 'none'], 'list --json: exports where sysfs has it');
	spit("$t/sys/class/mapper/mapper0/exports", "1\n");
	ctl_err('remove: exported once', $t, ['remove', 'held'], 1, qr/is in use: 1 dma-buf \(dmesg/);
	($o, $e, $c) = ctl($t, 'remove', '--lazy', 'held');
	ok($c == 0 && !-e "$t/sys/class/mapper/mapper0", 'remove --lazy: exported or not') or diag($e);
}

done_testing();
