#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# mapper-dump --info of a fake device (fakeinfo.so answers MAPPER_IOC_INFO
# on /dev/null) over a fake /sys/class/mapper (MAPPER_SYSROOT): the DMA
# attributes contiguous, dma_device and dma_maps and the live dma-bufs
# (exports), as text and JSON; phys_addr only when it can be read (root's,
# 0400), else silently left out; values sysfs garbles unknown; a module
# without them as before, one with the DMA attributes but without exports
# (0.4 before dma-buf export) without that line and key.
use strict;
use warnings;
use File::Path qw(make_path);
use File::Spec;
use FindBin;
use lib $FindBin::Bin;
use DumpTest;
use JSON::PP;
use Test::More;

my $fake = $ENV{FAKEINFO} // 'build/test/fakeinfo.so';
plan skip_all => "no $fake: run 'make check-dump'" unless -e $fake;
$fake = File::Spec->rel2abs($fake);

my $root = "$TMP/root";
sub buffer {
	my ($i, %a) = @_;
	my $d = "$root/sys/class/mapper/mapper$i";
	make_path($d);
	while (my ($k, $v) = each %a) {
		spit("$d/$k", "$v\n");
	}
}
make_path("$root/sys/module/mapper", "$root/dev");
my %base = (size => 2097152, maps => 0, name => 'rx', node => -1, opens => 1, holders => 2);
buffer(1, %base, contiguous => 1, dma_device => '0000:00:04.0', dma_maps => 2, exports => 3, phys_addr => '0x1f000000');
chmod 0400, "$root/sys/class/mapper/mapper1/phys_addr";
buffer(2, %base, name => 'tx', contiguous => 0, dma_device => '', dma_maps => 0, exports => 0);
buffer(3, %base, name => 'old');					# a module before 0.4
buffer(4, %base, name => 'odd', contiguous => 'x', dma_device => "a b", dma_maps => 'many', exports => '-1',
       phys_addr => 'nowhere');
buffer(5, %base, name => 'noexp', contiguous => 0, dma_device => '', dma_maps => 1);	# DMA, no dma-buf export

# info(INDEX, ARGS...): --info of /dev/null as /dev/mapperINDEX (2 MiB).
sub info {
	my ($i, @args) = @_;
	my $o = ref $args[-1] eq 'HASH' ? pop @args : {};
	return run(@{$o->{as} // []}, $DUMP, '--info', @args, '/dev/null', {env => {
		MAPPER_SYSROOT => $root, LD_PRELOAD => $fake, FAKE_INFO => "$i:2097152",
		ASAN_OPTIONS => join(':', grep { defined } $ENV{ASAN_OPTIONS}, 'verify_asan_link_order=0')}});
}

my $head = <<'T';
device:     /dev/null
index:      %d
name:       %s
size:       2097152 (2 MiB)
node:       any
page size:  4096
mappings:   0
opens:      1
holders:    2
T
my $tail = <<'T';
events:     0
flags:      0x1
info:       version 1, 80 bytes
T
sub want { my ($i, $name, $dma) = @_; return sprintf($head, $i, $name) . $dma . $tail }

my ($o, $e, $c) = info(1);
ok($c == 0 && $e eq '', '--info: a contiguous buffer for a device: exit 0') or diag($e);
is($o, want(1, 'rx', "contiguous: yes\ndma device: 0000:00:04.0\ndma maps:   2\nexports:    3\nphys addr:  0x1f000000\n"),
   '--info: contiguous, DMA device, DMA mappings, dma-buf exports and (root) the physical address');
($o, $e, $c) = info(1, '--json');
ok($c == 0 && $e eq '', '--info --json: exit 0') or diag($e);
like($o, qr/^\{ "device": "\/dev\/null", "index": 1, "size": 2097152, .*"holders": 2, "contiguous": true, "dma_device": "0000:00:04\.0", "dma_maps": 2, "exports": 3, "phys_addr": 520093696 \}\n\z/,
     '--info --json: the DMA keys after the others, exports after dma_maps');
my $v = decode_json($o);
is_deeply([@$v{qw(contiguous dma_device dma_maps exports phys_addr)}], [JSON::PP::true, '0000:00:04.0', 2, 3, 0x1f000000],
	  '--info --json: contiguous a boolean, exports and phys_addr numbers');

($o, $e, $c) = info(2);
is($o, want(2, 'tx', "contiguous: no\ndma device: none\ndma maps:   0\nexports:    0\n"), '--info: neither, no exports; no phys_addr, no line');
is_deeply([@{decode_json((info(2, '--json'))[0])}{qw(contiguous dma_device dma_maps exports)}], [JSON::PP::false, '', 0, 0],
	  '--info --json: not contiguous, dma_device "" for none, exports 0');
ok(!exists decode_json((info(2, '--json'))[0])->{phys_addr}, '--info --json: no phys_addr key without the file');

($o, $e, $c) = info(3);
ok($c == 0 && $e eq '', '--info: a module without the DMA attributes: exit 0') or diag($e);
is($o, want(3, 'old', ''), '--info: a module without them: none of their lines');
$v = decode_json((info(3, '--json'))[0]);
is_deeply([grep { exists $v->{$_} } qw(contiguous dma_device dma_maps exports phys_addr)], [], '--info --json: nor their keys');

($o, $e, $c) = info(4);
ok($c == 0 && $e eq '', '--info: garbled DMA attributes: exit 0') or diag($e);
is($o, want(4, 'odd', "contiguous: unknown\ndma device: unknown\ndma maps:   unknown\nexports:    unknown\n"),
   '--info: garbled values unknown, a garbled phys_addr left out');
$v = decode_json((info(4, '--json'))[0]);
is_deeply([grep { exists $v->{$_} } qw(contiguous dma_device dma_maps exports phys_addr)], [], '--info --json: garbled values left out');

($o, $e, $c) = info(5);
ok($c == 0 && $e eq '', '--info: DMA attributes without exports: exit 0') or diag($e);
is($o, want(5, 'noexp', "contiguous: no\ndma device: none\ndma maps:   1\n"), '--info: no exports file: no exports line');
$v = decode_json((info(5, '--json'))[0]);
ok(exists $v->{dma_maps} && !exists $v->{exports}, '--info --json: no exports file: dma_maps, no exports key');

# An exports file that cannot be read: unknown, not a failure.
{
	my $p = "$root/sys/class/mapper/mapper2/exports";
	unlink $p;
	mkdir $p or die;	# read() fails (EISDIR)
	($o, $e, $c) = info(2);
	ok($c == 0 && $e eq '' && $o =~ /^exports:    unknown$/m, '--info: exports whose read fails: unknown, exit 0') or diag("exit $c: $o$e");
	ok(!exists decode_json((info(2, '--json'))[0])->{exports}, '--info --json: exports whose read fails: no key');
	rmdir $p;
	spit($p, "0\n");
}

# phys_addr that cannot be read: left out, nothing said.
{
	my $p = "$root/sys/class/mapper/mapper1/phys_addr";
	my $want = want(1, 'rx', "contiguous: yes\ndma device: 0000:00:04.0\ndma maps:   2\nexports:    3\n");
	unlink $p;
	mkdir $p or die;	# read() fails (EISDIR), as the kernel's EPERM without CAP_SYS_RAWIO
	($o, $e, $c) = info(1);
	ok($c == 0 && $e eq '' && $o eq $want, '--info: phys_addr whose read fails: left out silently') or diag("exit $c: $o$e");
	($o) = info(1, '--json');
	ok(!exists decode_json($o)->{phys_addr}, '--info --json: no phys_addr key then');
	rmdir $p;
	spit($p, "0x1f000000\n");
	chmod 0400, $p;
	SKIP: {
		if ($> != 0) {
			chmod 0, $p;
			($o, $e, $c) = info(1);
			ok($c == 0 && $e eq '' && $o eq $want, '--info: phys_addr not readable (EACCES): left out silently')
				or diag("exit $c: $o$e");
			last SKIP;
		}
		skip 'no setpriv to run as nobody', 1 unless -x '/usr/bin/setpriv';
		# As a member of the group mapper would: mode 0400 is root's.
		chmod 0755, $TMP;
		($o, $e, $c) = info(1, {as => ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups']});
		ok($c == 0 && $e eq '' && $o eq $want, '--info as nobody: phys_addr (0400) left out silently')
			or diag("exit $c: $o$e");
		chmod 0700, $TMP;
	}
}

done_testing();
