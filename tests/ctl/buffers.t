#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# mapperctl create, remove and list against a fake tree, in which
# fakekernel.so answers as the module does: the devices it prints, names,
# nodes and cache modes reaching configfs, nothing half-created after a
# failure at any step, every runtime error's cause and fix, the table and
# its JSON, and "not loaded".
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use CtlTest;
use JSON::PP;
use Test::More;

# ok_run(NAME, ROOT, [ARGS], STDOUT): exit 0, that output, nothing on stderr.
sub ok_run {
	my ($name, $r, $args, $want) = @_;
	my ($o, $e, $c) = ctl($r, @$args);
	ok($c == 0 && $e eq '', "$name: exit 0, no message") or diag("exit $c: $e");
	is($o, $want, "$name: output") if defined $want;
	return $o;
}

my $ENOMEM = qr/Cannot allocate memory/;

# Not loaded; configfs missing or not mounted.
{
	my $r = fake_tree(loaded => 0);
	for my $args (['create', '--size', '1M'], ['remove', 'x'], ['list'], ['list', '--json']) {
		ctl_err("not loaded: @$args", $r, $args, 1, qr/^mapperctl: \w+: mapper is not loaded \(modprobe mapper\)\n\z/);
	}
	spit("$r/mapper.conf", "ring 4M\n");
	ctl_err('not loaded: apply', $r, ['apply', "$r/mapper.conf"], 1, qr/^mapperctl: apply: mapper is not loaded \(modprobe mapper\)\n\z/);
	spit("$r/empty.conf", "# nothing\n\n");
	ok_run('not loaded, nothing configured: apply has nothing to do', $r, ['apply', "$r/empty.conf"], '');
	$r = fake_tree(configfs => 0);
	ctl_err('configfs not mounted (not mounted under MAPPER_SYSROOT)', $r, ['create', '--size', '1M'], 1,
		qr/^mapperctl: create: \/sys\/kernel\/config: configfs is not mounted there \(MAPPER_SYSROOT is set: not mounting it\)\n\z/);
	rmdir "$r/sys/kernel/config";
	ctl_err('no configfs in the kernel', $r, ['remove', 'x'], 1,
		qr/^mapperctl: remove: \/sys\/kernel\/config: No such file or directory: this kernel has no configfs \(CONFIG_CONFIGFS_FS\), which buffers made at run time need; use the module parameters instead \(mapper\(4\)\)\n\z/);
	ok_run('list needs no configfs', $r, ['list'], "NAME DEVICE SIZE NODE CACHE MAPS HOLDERS\n");
}

# create: the lowest free mapperN, past load-time buffers and configfs
# descriptions; names, nodes, cache modes as given.
my $r = fake_tree(nodes => 2, limit => 64 << 20);
load_time($r, 0, size => 1 << 20);
load_time($r, 2, size => 1 << 20, name => 'boot');
mkdir "$r/sys/kernel/config/mapper/mapper1" or die;	# a description, not enabled
ok_run('create: the first free index', $r, ['create', '--size', '4K'], "/dev/mapper3\n");
is(slurp("$r/sys/kernel/config/mapper/mapper3/size"), "4096\n", 'create: size in bytes');
is(slurp("$r/sys/kernel/config/mapper/mapper3/cache"), "cached\n", 'create: cache left at its default');
is(slurp("$r/sys/kernel/config/mapper/mapper3/node"), "-1\n", 'create: node left at any');
is(readlink("$r/dev/mapper-by-name/mapper3"), '../mapper3', 'create: the udev link (fake)');
rmdir "$r/sys/kernel/config/mapper/mapper1";
ok_run('create: the gap, once free', $r, ['create', '--size', '8K'], "/dev/mapper1\n");
ok_run('create: named, on a node, wc', $r, ['create', '--size', '2M', '--name', 'frames', '--node', '1', '--cache', 'wc'], "/dev/mapper4\n");
is(slurp("$r/sys/kernel/config/mapper/frames/node"), "1\n", 'create: --node written');
is(slurp("$r/sys/kernel/config/mapper/frames/node_fallback"), "0\n", 'create: no fallback unless asked');
is(slurp("$r/sys/kernel/config/mapper/frames/cache"), "wc\n", 'create: --cache written');
ok_run('create: --node-fallback', $r, ['create', '--size', '1M', '--name', 'fb', '--node', '0', '--node-fallback'], "/dev/mapper5\n");
is(slurp("$r/sys/kernel/config/mapper/fb/node_fallback"), "1\n", 'create: node_fallback 1');
ok_run('create: a name mapperN is /dev/mapperN', $r, ['create', '--size', '1M', '--name', 'mapper9'], "/dev/mapper9\n");
ok_run('create: the next free index after mapper9 (6)', $r, ['create', '--size', '1M'], "/dev/mapper6\n");

# create's runtime errors: nothing left behind, cause and fix.
my @before = cfg_dirs($r);
sub nothing_left {
	my ($name) = @_;
	is_deeply([cfg_dirs($r)], \@before, "$name: no configfs directory left");
}
ctl_err('create: name of a load-time buffer', $r, ['create', '--size', '1M', '--name', 'boot'], 1,
	qr/^mapperctl: create: \/sys\/kernel\/config\/mapper\/boot: File exists: buffer 'boot' is \/dev\/mapper2 already; choose another name, or remove it first \(mapperctl remove boot\)\n\z/);
ctl_err('create: name taken', $r, ['create', '--size', '1M', '--name', 'frames'], 1,
	qr/buffer 'frames' is \/dev\/mapper4 already/);
mkdir "$r/sys/kernel/config/mapper/stale" or die;
ctl_err('create: a description left over', $r, ['create', '--size', '1M', '--name', 'stale'], 1,
	qr/stale: File exists: a buffer 'stale' is described there but not enabled \(left over\?\); remove it with 'mapperctl remove stale'\n\z/);
ok(-d "$r/sys/kernel/config/mapper/stale", 'create: what it did not make, it leaves');
rmdir "$r/sys/kernel/config/mapper/stale";
ctl_err('create: over the limit', $r, ['create', '--size', '64M', '--name', 'huge'], 1,
	qr/^mapperctl: create: \/sys\/kernel\/config\/mapper\/huge\/enable: Cannot allocate memory: not enough free memory, or over the limit of 64 MiB \(\/sys\/class\/mapper\/limit_bytes, 7\.0 MiB held now\) or over the memory cgroup's; try a smaller --size\n\z/);
nothing_left('over the limit');
ctl_err('create: larger than the limit alone (EINVAL)', $r, ['create', '--size', '65M', '--name', 'huge'], 1,
	qr/huge\/enable: Invalid argument: 65 MiB is more than the limit of 64 MiB on all buffers together \(\/sys\/class\/mapper\/limit_bytes: 3\/4 of RAM, or the module parameter max_total\); try a smaller --size\n\z/,
	{env => {FAKE_FAIL => 'enable:22'}});
nothing_left('larger than the limit');
ctl_err('create: no such node', $r, ['create', '--size', '1M', '--node', '7'], 1,
	qr/mapper7\/enable: Invalid argument: this machine has no NUMA node 7 \(its nodes: \/sys\/devices\/system\/node\/online\); choose another node, or none\n\z/);
nothing_left('no such node');
ctl_err('create: wc unsupported', $r, ['create', '--size', '1M', '--cache', 'uc'], 1,
	qr/enable: Invalid argument: the module refused the buffer: a cache mode this machine does not support; 'dmesg \| tail' says which\n\z/,
	{env => {FAKE_NO_WC => 1}});
nothing_left('wc unsupported');
ctl_err('create: mapperN whose index is taken', $r, ['create', '--size', '1M', '--name', 'mapper4'], 1,
	qr/mapper4\/enable: Device or resource busy: \/dev\/mapper4 is buffer 'frames' already, and a buffer named mapperN is always \/dev\/mapperN; choose another name\n\z/);
nothing_left('index taken');
# A failure at every step that writes.
for my $step (['mkdir', 13, qr/\/sys\/kernel\/config\/mapper\/x: Permission denied: only root \(CAP_SYS_ADMIN\) creates and removes buffers; run it as root, e\.g\. with sudo\n\z/],
	      ['size', 22, qr/x\/size: Invalid argument: the module refuses 1048576; 'dmesg \| tail' says why\n\z/],
	      ['node', 22, qr/x\/node: Invalid argument: the module refuses node 0; its nodes are in \/sys\/devices\/system\/node\/online\n\z/],
	      ['node_fallback', 1, qr/x\/node_fallback: Operation not permitted: only root/],
	      ['cache', 22, qr/x\/cache: Invalid argument: cache mode wc is not supported here; use cached\n\z/],
	      ['cache', 95, qr/x\/cache: Operation not supported: cache mode wc is not supported here; use cached\n\z/],
	      ['size', 2, qr/x\/size: No such file or directory: the loaded module does not have this attribute; update mapper-dkms and reload it\n\z/],
	      ['enable', 12, $ENOMEM],
	      ['enable', 5, qr/x\/enable: Input\/output error\n\z/]) {
	my ($what, $errno, $re) = @$step;
	ctl_err("create: $what fails ($errno)", $r,
		['create', '--size', '1M', '--name', 'x', '--node', '0', '--node-fallback', '--cache', 'wc'], 1, $re,
		{env => {FAKE_FAIL => "$what:$errno"}});
	nothing_left("$what fails");
}
{
	# EBUSY on enable without a name: the next index is tried.
	my $t = fake_tree();
	ok_run('create: EBUSY on an automatic name tries the next', $t, ['create', '--size', '1M'], "/dev/mapper0\n");
	is_deeply([cfg_dirs($t)], ['mapper0'], 'create: one buffer');
}

# list: the table, its widths, node -, unknown ?, --bytes; JSON.
{
	my $t = fake_tree(nodes => 2, limit => 4 << 30);
	load_time($t, 0, size => 4096);
	load_time($t, 1, size => 3 << 29, name => undef, node => undef, holders => undef, cache => 'wc', maps => 2);
	ok_run('list: setup', $t, ['create', '--size', '1536K', '--name', 'a-rather-long-name_of_31_chars', '--node', '1']);
	my $o = ok_run('list', $t, ['list']);
	is($o, <<'T', 'list: the table');
NAME                           DEVICE       SIZE NODE CACHE  MAPS HOLDERS
mapper0                        /dev/mapper0   4K    - cached    0       0
mapper1                        /dev/mapper1 1.5G    - wc        2       ?
a-rather-long-name_of_31_chars /dev/mapper2 1.5M    1 cached    0       0
T
	is((ctl($t, 'list', '--bytes'))[0], <<'T', 'list --bytes');
NAME                           DEVICE             SIZE NODE CACHE  MAPS HOLDERS
mapper0                        /dev/mapper0       4096    - cached    0       0
mapper1                        /dev/mapper1 1610612736    - wc        2       ?
a-rather-long-name_of_31_chars /dev/mapper2    1572864    1 cached    0       0
T
	is((ctl($t, 'list', '-b'))[0], (ctl($t, 'list', '--bytes'))[0], '-b is --bytes');
	my $j = ok_run('list --json', $t, ['list', '--json']);
	my $v = eval { decode_json($j) };
	ok($v, 'list --json: JSON') or diag($@);
	is_deeply($v, [
		{ name => 'mapper0', device => '/dev/mapper0', size => 4096, node => -1, cache => 'cached', maps => 0, holders => 0 },
		{ name => 'mapper1', device => '/dev/mapper1', size => 1610612736, node => -1, cache => 'wc', maps => 2, holders => undef },
		{ name => 'a-rather-long-name_of_31_chars', device => '/dev/mapper2', size => 1572864, node => 1, cache => 'cached', maps => 0, holders => 0,
		  contiguous => JSON::PP::false, dma_device => '', dma_maps => 0, exports => 0 },
	], 'list --json: the buffers, unknown as null, the DMA keys only where sysfs has them');
	is((ctl($t, 'list', '-J'))[0], $j, '-J is --json');
	spit("$TMP/list.json", $j);
	my ($p, $pe, $pc) = run('json_pp', {in => "$TMP/list.json"});
	ok($pc == 0 && $p =~ /"holders" : null/, 'list --json: json_pp reads it') or diag($pe);
	SKIP: {
		skip 'no python3', 1 unless grep { -x "$_/python3" } split /:/, $ENV{PATH};
		my ($po, $pe2, $pc2) = run('python3', '-m', 'json.tool', "$TMP/list.json");
		ok($pc2 == 0, 'list --json: python3 -m json.tool reads it') or diag($pe2);
	}
	my ($fo, $fe, $fc) = run('sh', '-c', '"$0" list >/dev/full', $CTL, {env => {MAPPER_SYSROOT => $t}});
	ok($fc == 1 && $fe =~ /^mapperctl: list: standard output: No space left on device\n\z/, 'list to a full disk: exit 1')
		or diag("exit $fc: $fe");
	my $e = fake_tree();
	is((ctl($e, 'list', '--json'))[0], "[ ]\n", 'list --json: none is an empty array');
	is((ctl($e, 'list'))[0], "NAME DEVICE SIZE NODE CACHE MAPS HOLDERS\n", 'list: none is the header');
	# A size past what a double holds exactly, and the largest there is.
	load_time($e, 0, size => '18446744073709551615');
	$v = decode_json((ctl($e, 'list', '--json'))[0]);
	is($v->[0]{size}, '18446744073709551615', 'list --json: a size of 2^64 - 1 to the byte');
	like((ctl($e, 'list'))[0], qr/mapper0 +\/dev\/mapper0 +16\.0E /, 'list: 2^64 - 1 bytes shown, not rounded to 16E');
	spit("$e/sys/class/mapper/mapper0/size", "1023\n");
	like((ctl($e, 'list'))[0], qr/mapper0 +\/dev\/mapper0 +1023B /, 'list: bytes below 1K');
	spit("$e/sys/class/mapper/mapper0/size", "1073741824\n");
	my @f = split ' ', (split /\n/, (ctl($e, 'list'))[0])[1];
	is_deeply(\@f, ['mapper0', '/dev/mapper0', '1G', '-', 'cached', '0', '0'], 'list: seven words a line, for awk');
}

# remove: by name, /dev/mapperN, /dev/mapper-by-name/NAME; busy; lazy;
# load-time; what does not exist.
{
	ok_run('remove NAME', $r, ['remove', 'frames'], '');
	ok(!-e "$r/sys/kernel/config/mapper/frames" && !-e "$r/sys/class/mapper/mapper4", 'remove NAME: gone');
	ok_run('remove /dev/mapperN', $r, ['remove', '/dev/mapper9'], '');
	ok(!-e "$r/sys/kernel/config/mapper/mapper9", 'remove /dev/mapperN: gone');
	ok_run('remove /dev/mapper-by-name/NAME', $r, ['remove', '/dev/mapper-by-name/fb'], '');
	ok(!-e "$r/sys/kernel/config/mapper/fb", 'remove by-name path: gone');
	symlink("$r/dev/mapper3", "$TMP/mylink") or die;
	ok_run('remove through a link of ones own', $r, ['remove', "$TMP/mylink"], '');
	ok(!-e "$r/sys/kernel/config/mapper/mapper3", 'remove via link: gone');

	spit("$r/sys/class/mapper/mapper1/opens", "1\n");
	spit("$r/sys/class/mapper/mapper1/maps", "2\n");
	spit("$r/sys/class/mapper/mapper1/holders", "2\n");
	ctl_err('remove: busy', $r, ['remove', 'mapper1'], 1,
		qr/^mapperctl: remove: \/sys\/kernel\/config\/mapper\/mapper1\/enable: Device or resource busy: 'mapper1' \(\/dev\/mapper1\) is in use: 1 open file, 2 mappings, 1 kernel holder \(dmesg names the holders, 'fuser -v \/dev\/mapper1' the processes\); end them, or remove it lazily: mapperctl remove --lazy mapper1\n\z/);
	ok(-e "$r/sys/class/mapper/mapper1" && -e "$r/sys/kernel/config/mapper/mapper1", 'remove: busy: left as it was');
	ok_run('remove --lazy: busy or not', $r, ['remove', '--lazy', 'mapper1'], '');
	ok(!-e "$r/sys/class/mapper/mapper1" && !-e "$r/sys/kernel/config/mapper/mapper1" && !-e "$r/dev/mapper1",
	   'remove --lazy: detached and its directory gone');
	ok_run('remove -l', $r, ['create', '--size', '1M', '--name', 'l']);
	ok_run('remove -l', $r, ['remove', '-l', 'l'], '');
	describe($r, 'stale');
	ok_run('remove: a description never enabled', $r, ['remove', 'stale'], '');
	ok(!-e "$r/sys/kernel/config/mapper/stale", 'remove: description gone');

	ctl_err('remove: load-time buffer', $r, ['remove', 'boot'], 1,
		qr/^mapperctl: remove: 'boot' \(\/dev\/mapper2\) was made when the module was loaded \(its parameters\), not by mapperctl: it goes with the module \(rmmod mapper\); \/etc\/modprobe\.d\/mapper\.conf sets them\n\z/);
	ctl_err('remove: load-time by device', $r, ['remove', '/dev/mapper0'], 1, qr/'mapper0' \(\/dev\/mapper0\) was made when the module was loaded/);
	ok(-e "$r/sys/class/mapper/mapper0", 'remove: load-time buffer left alone');
	ctl_err('remove: no such name', $r, ['remove', 'nothere'], 1, qr/^mapperctl: remove: 'nothere': no such buffer; 'mapperctl list' shows them\n\z/);
	ctl_err('remove: no such device', $r, ['remove', '/dev/mapper77'], 1,
		qr/^mapperctl: remove: \/dev\/mapper77: No such file or directory; 'mapperctl list' shows the buffers there are\n\z/);
	spit("$r/dev/mapper88", "");
	ctl_err('remove: a node without a buffer', $r, ['remove', '/dev/mapper88'], 1,
		qr/\/dev\/mapper88: no such buffer in \/sys\/class\/mapper; 'mapperctl list' shows them/);
	spit("$r/dev/null", "");
	ctl_err('remove: not a mapper device', $r, ['remove', '/dev/null'], 2,
		qr/^mapperctl: remove: \/dev\/null: not a mapper device; give NAME, \/dev\/mapperN or \/dev\/mapper-by-name\/NAME\n/);
	spit("$r/dev/mapper007", "");
	ctl_err('remove: /dev/mapper007 is no mapper device name', $r, ['remove', '/dev/mapper007'], 2, qr/not a mapper device/);
	# Strict removal refused by the module for a reason other than busy.
	ok_run('remove: setup', $r, ['create', '--size', '1M', '--name', 'eio']);
	ctl_err('remove: enable 0 fails', $r, ['remove', 'eio'], 1, qr/eio\/enable: Input\/output error\n\z/,
		{env => {FAKE_FAIL => 'enable:5'}});
	ok(-e "$r/sys/kernel/config/mapper/eio", 'remove: refused: left as it was');
	ctl_err('remove: as a user', $r, ['remove', 'eio'], 1,
		qr/eio\/enable: Permission denied: only root \(CAP_SYS_ADMIN\) creates and removes buffers/,
		{env => {FAKE_FAIL => 'enable:13'}});
	ctl_err('remove --lazy: detach fails', $r, ['remove', '--lazy', 'eio'], 1, qr/eio\/detach: Invalid argument\n\z/,
		{env => {FAKE_FAIL => 'detach:22'}});
}

done_testing();
