#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# mapper-dump --list against a fake /sys/class/mapper (MAPPER_SYSROOT):
# names, nodes, opens and holders of a 0.3 module, and what a module before
# 0.3 does not say: "?" in the table, left out of the JSON; the DMA columns
# (contiguous, dma_device, dma_maps) of a 0.4 module, none without them;
# the EXPORTS column (live dma-bufs, sysfs exports) where a device has the
# file, none where none has.
use strict;
use warnings;
use File::Path qw(make_path);
use FindBin;
use lib $FindBin::Bin;
use DumpTest;
use JSON::PP;
use Test::More;

my $root = "$TMP/root";
sub buffer {
	my ($i, %a) = @_;
	make_path("$root/sys/class/mapper/mapper$i");
	while (my ($k, $v) = each %a) {
		spit("$root/sys/class/mapper/mapper$i/$k", "$v\n");
	}
}
make_path("$root/sys/module/mapper", "$root/dev");
buffer(0, size => 4194304, maps => 1, name => 'ring', node => -1, opens => 2, holders => 3);
buffer(1, size => 1073741824, maps => 0, name => 'a-rather-long-name_of_31_chars', node => 1, opens => 0, holders => 0);
buffer(10, size => 65536, maps => 0);	# a module before 0.3
make_path("$root/sys/class/mapper/mapper01");	# not a device name
my $env = {env => {MAPPER_SYSROOT => $root}};

my ($o, $e, $c) = run($DUMP, '--list', $env);
ok($c == 0 && $e eq '', '--list: exit 0') or diag($e);
is($o, <<'T', '--list: name, node, opens and holders; ? where the module does not say');
DEVICE           NAME                                   SIZE NODE   MAPS  OPENS HOLDERS
/dev/mapper0     ring                                4194304    -      1      2       3
/dev/mapper1     a-rather-long-name_of_31_chars   1073741824    1      0      0       0
/dev/mapper10    ?                                     65536    ?      0      ?       ?
T
($o, $e, $c) = run($DUMP, '--list', '--json', $env);
ok($c == 0 && $e eq '', '--list --json: exit 0') or diag($e);
like($o, qr/^\[ \{ "device": "\/dev\/mapper0", "index": 0, "size": 4194304, "maps": 1, /, '--list --json: the keys of 0.2 first, in order');
is_deeply(decode_json($o), [
	{ device => '/dev/mapper0', index => 0, size => 4194304, maps => 1, name => 'ring', node => -1, opens => 2, holders => 3 },
	{ device => '/dev/mapper1', index => 1, size => 1073741824, maps => 0, name => 'a-rather-long-name_of_31_chars',
	  node => 1, opens => 0, holders => 0 },
	{ device => '/dev/mapper10', index => 10, size => 65536, maps => 0 },
], '--list --json: the new keys, left out where the module has none');

# A module with the DMA attributes: three more columns, and keys.
{
	my $saved = $root;
	$root = "$TMP/root04";
	make_path("$root/sys/module/mapper", "$root/dev");
	my %b = (maps => 0, node => -1, opens => 0, holders => 0);
	buffer(0, %b, size => 2097152, name => 'rx', contiguous => 1, dma_device => '0000:00:04.0', dma_maps => 1,
	       phys_addr => '0x1f000000');
	buffer(1, %b, size => 4096, name => 'tx', contiguous => 0, dma_device => 'fe200000.dma-controller', dma_maps => 0);
	buffer(2, %b, size => 4096, name => 'plain', contiguous => 0, dma_device => '', dma_maps => 0);
	buffer(3, %b, size => 4096, name => 'odd', contiguous => 2, dma_device => "\e[2J", dma_maps => 'x');
	buffer(4, size => 65536, maps => 0);	# a module before 0.3, beside them
	my $env04 = {env => {MAPPER_SYSROOT => $root}};
	($o, $e, $c) = run($DUMP, '--list', $env04);
	ok($c == 0 && $e eq '', '--list, DMA attributes: exit 0') or diag($e);
	is($o, <<'T', '--list: CONTIG, DMA-DEVICE and DMA-MAPS where the module has them; ? where not');
DEVICE           NAME          SIZE NODE   MAPS  OPENS HOLDERS CONTIG DMA-DEVICE              DMA-MAPS
/dev/mapper0     rx         2097152    -      0      0       0 yes    0000:00:04.0                   1
/dev/mapper1     tx            4096    -      0      0       0 no     fe200000.dma-controller        0
/dev/mapper2     plain         4096    -      0      0       0 no     -                              0
/dev/mapper3     odd           4096    -      0      0       0 ?      ?                              ?
/dev/mapper4     ?            65536    ?      0      ?       ? ?      ?                              ?
T
	($o, $e, $c) = run($DUMP, '--list', '--json', $env04);
	ok($c == 0 && $e eq '', '--list --json, DMA attributes: exit 0') or diag($e);
	like($o, qr/^\[ \{ "device": "\/dev\/mapper0", "index": 0, "size": 2097152, "maps": 0, "name": "rx", "node": -1, "opens": 0, "holders": 0, "contiguous": true, "dma_device": "0000:00:04\.0", "dma_maps": 1 \}, /,
	     '--list --json: the DMA keys last, no phys_addr');
	my @dma = map { my $x = $_; [map { $x->{$_} } grep { exists $x->{$_} } qw(contiguous dma_device dma_maps)] } @{decode_json($o)};
	is_deeply(\@dma, [[JSON::PP::true, '0000:00:04.0', 1], [JSON::PP::false, 'fe200000.dma-controller', 0],
			  [JSON::PP::false, '', 0], [], []], '--list --json: garbled and absent values left out');
	$root = $saved;
}

# A module with dma-buf export: EXPORTS after the DMA columns, and the key.
{
	my $saved = $root;
	$root = "$TMP/root04x";
	make_path("$root/sys/module/mapper", "$root/dev");
	my %b = (maps => 0, node => -1, opens => 0, holders => 0, contiguous => 0, dma_device => '', dma_maps => 0);
	buffer(0, %b, size => 2097152, name => 'rx', dma_maps => 2, exports => 2);
	buffer(1, %b, size => 4096, name => 'tx', exports => 0);
	buffer(2, %b, size => 4096, name => 'odd', exports => 'x');
	buffer(3, %b, size => 4096, name => 'noexp');		# DMA attributes, no exports file
	buffer(4, size => 65536, maps => 0);			# a module before 0.3, beside them
	buffer(5, %b, size => 4096, name => 'big', exports => '18446744073709551615');
	my $envx = {env => {MAPPER_SYSROOT => $root}};
	($o, $e, $c) = run($DUMP, '--list', $envx);
	ok($c == 0 && $e eq '', '--list, exports: exit 0') or diag($e);
	is($o, <<'T', '--list: EXPORTS last where a device has the file; ? where not or garbled');
DEVICE           NAME          SIZE NODE   MAPS  OPENS HOLDERS CONTIG DMA-DEVICE DMA-MAPS EXPORTS
/dev/mapper0     rx         2097152    -      0      0       0 no     -                 2       2
/dev/mapper1     tx            4096    -      0      0       0 no     -                 0       0
/dev/mapper2     odd           4096    -      0      0       0 no     -                 0       ?
/dev/mapper3     noexp         4096    -      0      0       0 no     -                 0       ?
/dev/mapper4     ?            65536    ?      0      ?       ? ?      ?                 ?       ?
/dev/mapper5     big           4096    -      0      0       0 no     -                 0 18446744073709551615
T
	($o, $e, $c) = run($DUMP, '--list', '--json', $envx);
	ok($c == 0 && $e eq '', '--list --json, exports: exit 0') or diag($e);
	like($o, qr/^\[ \{ "device": "\/dev\/mapper0", .*"dma_maps": 2, "exports": 2 \}, /, '--list --json: exports after dma_maps');
	my @x = map { exists $_->{exports} ? $_->{exports} : 'none' } @{decode_json($o)};
	is_deeply(\@x, [2, 0, 'none', 'none', 'none', '18446744073709551615'],
		  '--list --json: exports where sysfs says a number, no key where it does not');
	$root = $saved;
}

# Without sysfs sizes, the device is asked (here a file: unknown).
spit("$root/dev/mapper5", "x");
rename "$root/sys/class/mapper", "$root/sys/class/gone" or die;
($o, $e, $c) = run($DUMP, '--list', $env);
ok($c == 0 && $o =~ m{^/dev/mapper5 +\? +\? +\? +\? +\? +\?\n\z}m, '--list: from /dev when sysfs has nothing') or diag($o . $e);
unlink "$root/dev/mapper5";
($o, $e, $c) = run($DUMP, '--list', $env);
ok($c == 1 && $e =~ /no mapper devices, though the mapper module is loaded/, '--list: none, module loaded') or diag($e);
rmdir "$root/sys/module/mapper";
($o, $e, $c) = run($DUMP, '--list', $env);
ok($c == 1 && $e =~ /no mapper devices: the mapper module is not loaded/, '--list: none, no module (MAPPER_SYSROOT)') or diag($e);

done_testing();
