#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# The build of the user tools: "make utils LDFLAGS=-static" links mapperctl
# and mapper-dump (json-c's static library included) without a dynamic
# loader, and they run; CFLAGS, CPPFLAGS and LDFLAGS from the caller reach
# every compiler command, after the defaults; the VM's static mapperctl.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use CtlTest;
use Test::More;

my $make = $ENV{MAKE} // 'make';
my $cc = $ENV{MAPPER_CC} // 'cc';

# Static, in an OUT of its own.
{
	my $out = "$TMP/static";
	# The test hooks (MAPPER_SYSROOT), so that it can list a fake tree.
	my ($o, $e, $c) = run($make, '-C', $TOP, '--no-print-directory', 'utils', "OUT=$out", 'LDFLAGS=-static', "CC=$cc",
			       'CPPFLAGS=-DMAPPER_TEST_HOOKS');
	ok($c == 0, 'make utils LDFLAGS=-static') or diag($o . $e);
	for my $tool ('mapperctl', 'mapper-dump') {
		my ($ro) = run('readelf', '-l', '-d', "$out/$tool");
		ok(-x "$out/$tool" && $ro !~ /INTERP|NEEDED/, "$tool: static (no interpreter, no shared library)") or diag($ro);
		my ($v, $ve, $vc) = run("$out/$tool", '--version');
		ok($vc == 0 && $v =~ /^\Q$tool\E \(mapper\) /, "static $tool runs") or diag($ve);
	}
	# json-c linked in: list --json of a fake tree.
	my $r = fake_tree();
	load_time($r, 0, name => 'static');
	my ($j, $je, $jc) = run("$out/mapperctl", 'list', '--json', {env => {MAPPER_SYSROOT => $r}});
	like($j, qr/^\[ \{ "name": "static", "device": "\/dev\/mapper0", "size": 1048576, /, 'static mapperctl: list --json (json-c)')
		or diag($je);
}

# An installed mapperctl (no MAPPER_TEST_HOOKS) runs as root: MAPPER_SYSROOT
# must not move its paths into a tree of whoever set its environment.
{
	my $out = "$TMP/plain";
	my ($o, $e, $c) = run($make, '-C', $TOP, '--no-print-directory', 'utils', "OUT=$out", "CC=$cc");
	ok($c == 0, 'make utils') or diag($o . $e);
	my $r = fake_tree();
	load_time($r, 0, name => 'elsewhere');
	for my $tool (['mapperctl', 'list', '--json'], ['mapper-dump', '--list']) {
		my ($to, $te) = run("$out/$tool->[0]", @$tool[1 .. $#$tool], {env => {MAPPER_SYSROOT => $r}});
		ok($to . $te !~ /elsewhere/, "@$tool: MAPPER_SYSROOT ignored by the installed build") or diag($to . $te);
	}
	($o) = run($make, '-C', $TOP, '--no-print-directory', '-n', '-B', "$TMP/plain/test/mapperctl", "OUT=$TMP/plain", "CC=$cc");
	like($o, qr/-DMAPPER_TEST_HOOKS/, 'the test build has the hooks');
}

# The caller's flags, after the defaults; the defaults without them.
{
	my ($o, $e, $c) = run($make, '-C', $TOP, '--no-print-directory', '-n', '-B', 'utils', "OUT=$TMP/flags", "CC=$cc",
			       'CFLAGS=-O0 -DFROM_CFLAGS', 'CPPFLAGS=-DFROM_CPPFLAGS', 'LDFLAGS=-Wl,-z,now');
	$o =~ s/\\\n\s*/ /g;	# the recipes' continued lines
	my @cmds = grep { /^\Q$cc\E / } split /\n/, $o;
	is(scalar @cmds, 2, 'make -n utils: two compiler commands') or diag($o . $e);
	for my $tool ('mapperctl', 'mapper-dump') {
		my ($cmd) = grep { m{-o \S+/\Q$tool\E } } @cmds;
		ok($cmd && $cmd =~ /-O2 .*-O0 -DFROM_CFLAGS .*-DFROM_CPPFLAGS .*-Wl,-z,now/, "$tool: CFLAGS after -O2, CPPFLAGS, LDFLAGS")
			or diag($cmd // $o);
	}
}

# The VM's mapperctl (VM_BINS): static, warnings are errors.
{
	my ($o, $e, $c) = run($make, '-C', $TOP, '--no-print-directory', '-n', '-B', "$TMP/vm-out/vm/mapperctl",
			       "OUT=$TMP/vm-out", "CC=$cc");
	like($o, qr/-Werror -static .*mapperctl\.c .*-ljson-c/, 'the VM mapperctl: static, -Werror') or diag($o . $e);
	($o, $e, $c) = run($make, '-C', $TOP, '--no-print-directory', '-p', '-n', 'vm-tests', "OUT=$TMP/vm-out");
	like($o, qr/^vm-tests: .*\Q$TMP\E\/vm-out\/vm\/mapperctl/m, 'the VM mapperctl is in VM_BINS');
}

done_testing();
