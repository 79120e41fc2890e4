#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# The DMA options of mapperctl against a fake tree: create --contiguous and
# --dma-device write configfs's contiguous and dma_device before enable (in
# order, as fakekernel.so logs the writes); a --dma-device that is not in
# /sys/bus/*/devices is a usage error before anything is touched; ENODEV and
# ENOMEM at enable explained; mapper.conf's contiguous and dma-device=, and
# apply telling a change of either; list --dma and list --json with
# contiguous, dma_device and dma_maps; a module without them (FAKE_NO_DMA,
# sysfs without the files) still listed, compared and refused cleanly.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use CtlTest;
use JSON::PP;
use Test::More;

# ok_run(NAME, ROOT, [ARGS], STDOUT, {...}): exit 0, that output, no message.
sub ok_run {
	my ($name, $r, $args, $want, $o) = @_;
	my ($out, $e, $c) = ctl($r, @$args, $o // {});
	ok($c == 0 && $e eq '', "$name: exit 0, no message") or diag("exit $c: $e");
	is($out, $want, "$name: output") if defined $want;
	return $out;
}

# The configfs writes of a run, in order (FAKE_LOG), and the run's result.
my $logs = 0;
sub logged {
	my ($r, @args) = @_;
	my $o = ref $args[-1] eq 'HASH' ? pop @args : {};
	my $log = "$TMP/writes" . $logs++;
	my @res = ctl($r, @args, { %$o, env => { FAKE_LOG => $log, %{$o->{env} // {}} } });
	my @w = -e $log ? split /\n/, slurp($log) : ();
	return (\@w, @res);
}

my $nothing = sub { my ($r, $name) = @_; is_deeply([cfg_dirs($r), class_dirs($r)], [], "$name: nothing left") };

# --- create: what is written, in which order -------------------------------

{
	my $r = fake_tree(nodes => 2);
	bus_device($r, 'pci', '0000:00:04.0');
	bus_device($r, 'platform', 'fe200000.dma');
	my ($w, $o, $e, $c) = logged($r, 'create', '--size', '1M', '--name', 'rx', '--node', '1', '--node-fallback',
				     '--cache', 'wc', '--contiguous', '--dma-device', '0000:00:04.0');
	ok($c == 0 && $o eq "/dev/mapper0\n" && $e eq '', 'create --contiguous --dma-device: exit 0, the device')
		or diag("exit $c: $e");
	is_deeply($w, ['rx/size=1048576', 'rx/node=1', 'rx/node_fallback=1', 'rx/cache=wc', 'rx/contiguous=1',
		       'rx/dma_device=0000:00:04.0', 'rx/enable=1'],
		  'create: contiguous and dma_device written after the others, before enable');
	is(slurp("$r/sys/kernel/config/mapper/rx/contiguous"), "1\n", 'create: configfs contiguous 1');
	is(slurp("$r/sys/kernel/config/mapper/rx/dma_device"), "0000:00:04.0\n", 'create: configfs dma_device');
	is(slurp("$r/sys/class/mapper/mapper0/dma_device"), "0000:00:04.0\n", 'create: the (fake) module made it for the device');

	# Either alone; neither: not written at all (an older module takes the rest).
	($w, $o, $e, $c) = logged($r, 'create', '--size', '4K', '--contiguous');
	ok($c == 0 && $o eq "/dev/mapper1\n", '--contiguous alone') or diag($e);
	is_deeply($w, ['mapper1/size=4096', 'mapper1/contiguous=1', 'mapper1/enable=1'], '--contiguous alone: its write');
	($w, $o, $e, $c) = logged($r, 'create', '--size', '4K', '--dma-device', 'fe200000.dma', '--name', 'plat');
	ok($c == 0 && $o eq "/dev/mapper2\n", '--dma-device of a platform device') or diag($e);
	is_deeply($w, ['plat/size=4096', 'plat/dma_device=fe200000.dma', 'plat/enable=1'], '--dma-device alone: its write');
	($w, $o, $e, $c) = logged($r, 'create', '--size', '4K', '--name', 'plain');
	is_deeply($w, ['plain/size=4096', 'plain/enable=1'], 'neither: no contiguous or dma_device written');
	is(slurp("$r/sys/class/mapper/mapper3/contiguous"), "0\n", 'neither: not contiguous');
}

# --- --dma-device checked up front -------------------------------------------

{
	my $r = fake_tree();
	bus_device($r, 'pci', '0000:00:04.0');
	my $hint = qr/\(see lspci -D or ls \/sys\/bus\/\*\/devices\)\nTry 'mapperctl --help' for more information\.\n\z/;
	my ($w, $o, $e, $c) = logged($r, 'create', '--size', '1M', '--dma-device', '0000:00:09.0');
	is($c, 2, 'no such --dma-device: exit 2');
	like($e, qr/^mapperctl: create: --dma-device '0000:00:09\.0': no such device in \/sys\/bus\/\*\/devices $hint/,
	     'no such --dma-device: the cause and where to look') or diag($e);
	is($o, '', 'no such --dma-device: nothing on stdout');
	is_deeply($w, [], 'no such --dma-device: nothing written to configfs');
	$nothing->($r, 'no such --dma-device');
	ctl_err('no such --dma-device, module not loaded: the usage error first', fake_tree(loaded => 0),
		['create', '--size', '1M', '--dma-device', '0000:00:09.0'], 2, qr/--dma-device '0000:00:09\.0': no such device/);
	ctl_err('no /sys/bus at all', fake_tree(), ['create', '--size', '1M', '--dma-device', '0000:00:04.0'], 2,
		qr/--dma-device '0000:00:04\.0': no such device in \/sys\/bus\/\*\/devices/);
	# A name of /sys/bus/*/devices as a directory of its own, not a device.
	ctl_err('--dma-device devices', $r, ['create', '--size', '1M', '--dma-device', 'devices'], 2, qr/no such device/);
	for my $bad ('', '.', '..', '../../../../etc', 'pci/devices/0000:00:04.0', "a b", "tab\t", "nl\n", "\x{ff}", 'x' x 256) {
		(my $shown = $bad) =~ s/([^\x20-\x7e])/sprintf '\\x%02x', ord $1/ge;
		$shown = substr($shown, 0, 40);	# and "..." after the quote
		ctl_err("--dma-device '$shown'", $r, ['create', '--size', '1M', '--dma-device', $bad], 2,
			qr/^mapperctl: create: --dma-device '\Q$shown\E'(?:\.\.\.)?: not a device name/);
	}
	$nothing->($r, 'bad --dma-device names');
	# A device of a bus the module does not look on: the tool lets the module say.
	bus_device($r, 'usb', '1-1');
	($w, $o, $e, $c) = logged($r, 'create', '--size', '1M', '--name', 'u', '--dma-device', '1-1');
	is($c, 1, 'a usb device: exit 1 (the module refuses it)');
	like($e, qr/^mapperctl: create: \/sys\/kernel\/config\/mapper\/u\/enable: No such device: the module found no device '1-1' on the pci, platform or amba bus \(it is on the usb bus, where the module does not look\); 'dmesg \| tail' says why; choose another --dma-device \(see lspci -D or ls \/sys\/bus\/\*\/devices\)\n\z/,
	     'a usb device: ENODEV explained, with the dmesg hint') or diag($e);
	is_deeply($w, ['u/size=1048576', 'u/dma_device=1-1', 'u/enable=1'], 'a usb device: enable refused, nothing more written');
	$nothing->($r, 'a usb device');
	# Gone between the check and enable.
	ctl_err('ENODEV of a pci device', $r, ['create', '--size', '1M', '--dma-device', '0000:00:04.0'], 1,
		qr/mapper0\/enable: No such device: the module found no device '0000:00:04\.0' on the pci, platform or amba bus; 'dmesg \| tail' says why; choose another --dma-device/,
		{env => {FAKE_FAIL => 'enable:19'}});
	$nothing->($r, 'ENODEV');
	# Refused at its write (the module's own limit).
	ctl_err('dma_device refused', $r, ['create', '--size', '1M', '--dma-device', '0000:00:04.0'], 1,
		qr/mapper0\/dma_device: Invalid argument: the module refuses 0000:00:04\.0; 'dmesg \| tail' says why\n\z/,
		{env => {FAKE_FAIL => 'dma_device:22'}});
	$nothing->($r, 'dma_device refused');
}

# --- --contiguous: a size that cannot be had ---------------------------------

{
	my $r = fake_tree(limit => 64 << 20);
	ctl_err('--contiguous of 8M (ENOMEM)', $r, ['create', '--size', '8M', '--contiguous'], 1,
		qr/^mapperctl: create: \/sys\/kernel\/config\/mapper\/mapper0\/enable: Cannot allocate memory: no physically contiguous block of 8 MiB to be had \(without CMA, the page allocator's largest is 4 MiB on x86-64\), or not enough free memory, or over the limit of 64 MiB \(\/sys\/class\/mapper\/limit_bytes, 0 bytes held now\) or the memory cgroup's; 'dmesg \| tail' says which; try a smaller --size, or leave out --contiguous\n\z/);
	$nothing->($r, 'ENOMEM contiguous');
	ok_run('the same 8M, not contiguous', $r, ['create', '--size', '8M'], "/dev/mapper0\n");
	ok_run('--contiguous of 4M', $r, ['create', '--size', '4M', '--contiguous'], "/dev/mapper1\n");
	is(slurp("$r/sys/class/mapper/mapper1/contiguous"), "1\n", '--contiguous: sysfs contiguous 1');
	ctl_err('contiguous refused', $r, ['create', '--size', '4K', '--contiguous'], 1,
		qr/mapper2\/contiguous: Invalid argument: the module refuses 1; 'dmesg \| tail' says why\n\z/,
		{env => {FAKE_FAIL => 'contiguous:22'}});
}

# --- a module without the DMA options ------------------------------------------

{
	my $r = fake_tree();
	my $old = {env => {FAKE_NO_DMA => 1}};
	bus_device($r, 'pci', '0000:00:04.0');
	for my $opt (['--contiguous'], ['--dma-device', '0000:00:04.0']) {
		(my $attr = $opt->[0]) =~ s/^--//;
		$attr =~ s/-/_/g;
		ctl_err("old module: $opt->[0]", $r, ['create', '--size', '1M', '--name', 'o', @$opt], 1,
			qr/^mapperctl: create: \/sys\/kernel\/config\/mapper\/o\/$attr: No such file or directory: the loaded module does not have this attribute; update mapper-dkms and reload it\n\z/,
			$old);
		$nothing->($r, "old module: $opt->[0]");
	}
	ok_run('old module: create without them', $r, ['create', '--size', '1M', '--name', 'o'], "/dev/mapper0\n", $old);
	ok(!-e "$r/sys/class/mapper/mapper0/contiguous", 'old module: no DMA files in sysfs');
	load_time($r, 1, name => 'boot');
	ok_run('old module: list', $r, ['list'], <<'T');
NAME DEVICE       SIZE NODE CACHE  MAPS HOLDERS
o    /dev/mapper0   1M    - cached    0       0
boot /dev/mapper1   1M    - cached    0       0
T
	ok_run('old module: list --dma', $r, ['list', '--dma'], <<'T');
NAME DEVICE       SIZE NODE CACHE  MAPS HOLDERS CONTIG DMA-DEVICE DMA-MAPS EXPORTS
o    /dev/mapper0   1M    - cached    0       0 ?      ?                 ?       ?
boot /dev/mapper1   1M    - cached    0       0 ?      ?                 ?       ?
T
	my $v = decode_json(ok_run('old module: list --json', $r, ['list', '--json']));
	is_deeply([map { [sort keys %$_] } @$v], [([sort qw(name device size node cache maps holders)]) x 2],
		  'old module: list --json: no DMA keys');
	spit("$TMP/old.conf", "o 1M\nboot 1M\n");
	ok_run('old module: apply compares', $r, ['apply', "$TMP/old.conf"],
	       "o: /dev/mapper0: exists as configured\nboot: /dev/mapper1: exists as configured\n");
	spit("$TMP/old.conf", "o 1M contiguous\nboot 1M dma-device=0000:00:04.0\n");
	my ($o, $e, $c) = ctl($r, 'apply', "$TMP/old.conf");
	is($c, 1, 'old module: apply of DMA options: exit 1');
	like($e, qr/:1: o: \/dev\/mapper0 exists with contiguous off \(configured on\): left alone/,
	     'old module: a buffer of it is not contiguous');
	like($e, qr/:2: boot: \/dev\/mapper1 exists with DMA device none \(configured 0000:00:04\.0\): left alone/,
	     'old module: a buffer of it has no DMA device');
}

# --- list: --dma, JSON ----------------------------------------------------------

{
	my $r = fake_tree(limit => 4 << 30);
	bus_device($r, 'pci', '0000:00:04.0');
	bus_device($r, 'platform', 'fe200000.dma-controller');
	load_time($r, 0, size => 4096, contiguous => 0, dma_device => '', dma_maps => 0);
	ok_run('list: setup', $r, ['create', '--size', '2M', '--name', 'rx', '--contiguous', '--dma-device', '0000:00:04.0']);
	ok_run('list: setup', $r, ['create', '--size', '1G', '--name', 'tx', '--dma-device', 'fe200000.dma-controller']);
	spit("$r/sys/class/mapper/mapper2/dma_maps", "3\n");
	load_time($r, 3, name => 'old');			# no DMA files
	load_time($r, 4, name => 'odd', contiguous => 'x', dma_device => "a b", dma_maps => '-1', exports => 'y');	# garbled
	ok_run('list: the seven columns, whatever the DMA options', $r, ['list'], <<'T');
NAME    DEVICE       SIZE NODE CACHE  MAPS HOLDERS
mapper0 /dev/mapper0   4K    - cached    0       0
rx      /dev/mapper1   2M    - cached    0       0
tx      /dev/mapper2   1G    - cached    0       0
old     /dev/mapper3   1M    - cached    0       0
odd     /dev/mapper4   1M    - cached    0       0
T
	my $t = ok_run('list --dma', $r, ['list', '--dma'], <<'T');
NAME    DEVICE       SIZE NODE CACHE  MAPS HOLDERS CONTIG DMA-DEVICE              DMA-MAPS EXPORTS
mapper0 /dev/mapper0   4K    - cached    0       0 no     -                              0       ?
rx      /dev/mapper1   2M    - cached    0       0 yes    0000:00:04.0                   0       0
tx      /dev/mapper2   1G    - cached    0       0 no     fe200000.dma-controller        3       0
old     /dev/mapper3   1M    - cached    0       0 ?      ?                              ?       ?
odd     /dev/mapper4   1M    - cached    0       0 ?      ?                              ?       ?
T
	is((ctl($r, 'list', '-d'))[0], $t, '-d is --dma');
	my @rows = map { [split ' '] } split /\n/, $t;
	is_deeply([grep { @$_ != 11 } @rows], [], 'list --dma: eleven words a line, for awk');
	like((ctl($r, 'list', '--dma', '--bytes'))[0], qr/^rx +\/dev\/mapper1 +2097152 +- +cached +0 +0 +yes +0000:00:04\.0 +0 +0$/m,
	     'list --dma --bytes');
	ctl_err('list --dma --json', $r, ['list', '--dma', '--json'], 2,
		qr/^mapperctl: list: --dma goes with the table: --json has the DMA keys always \(where the module has them\)\n/);
	my $v = decode_json(ok_run('list --json', $r, ['list', '--json']));
	my %dma = map { my $b = $_; ($b->{name} => { map { exists $b->{$_} ? ($_ => $b->{$_}) : () } qw(contiguous dma_device dma_maps exports) }) } @$v;
	is_deeply(\%dma, {
		mapper0 => { contiguous => JSON::PP::false, dma_device => '', dma_maps => 0 },
		rx => { contiguous => JSON::PP::true, dma_device => '0000:00:04.0', dma_maps => 0, exports => 0 },
		tx => { contiguous => JSON::PP::false, dma_device => 'fe200000.dma-controller', dma_maps => 3, exports => 0 },
		old => {},
		odd => { contiguous => undef, dma_device => undef, dma_maps => undef, exports => undef },
	}, 'list --json: contiguous (boolean), dma_device ("" for none), dma_maps, exports; absent files no keys, garbled null');
	like((ctl($r, 'list', '--json'))[0], qr/"holders": 0, "contiguous": true, "dma_device": "0000:00:04\.0", "dma_maps": 0, "exports": 0 \}/,
	     'list --json: the DMA keys after the others, booleans as true/false');

	# remove: DMA mappings keep a buffer, and are named.
	ctl_err('remove: DMA-mapped', $r, ['remove', 'tx'], 1,
		qr/^mapperctl: remove: \/sys\/kernel\/config\/mapper\/tx\/enable: Device or resource busy: 'tx' \(\/dev\/mapper2\) is in use: 3 DMA mappings \(dmesg names the holders/);
	ok(-e "$r/sys/class/mapper/mapper2", 'remove: DMA-mapped: left as it was');
	spit("$r/sys/class/mapper/mapper2/dma_maps", "0\n");
	ok_run('remove: no longer DMA-mapped', $r, ['remove', 'tx'], '');
	ok(!-e "$r/sys/class/mapper/mapper2", 'remove: gone');
}

# --- apply: contiguous and dma-device= ------------------------------------------

{
	my $r = fake_tree(nodes => 2);
	bus_device($r, 'pci', '0000:00:04.0');
	bus_device($r, 'pci', '0000:00:05.0');
	my $f = "$TMP/dma.conf";
	spit($f, "rx 2M contiguous dma-device=0000:00:04.0\ntx\t1M  dma-device=0000:00:05.0   node=1 # the other card\n" .
		 "big 4M contiguous\nplain 1M\n");
	my ($w, $o, $e, $c) = logged($r, 'apply', $f);
	ok($c == 0 && $e eq '', 'apply: contiguous and dma-device=') or diag($e);
	is($o, "rx: /dev/mapper0: created\ntx: /dev/mapper1: created\nbig: /dev/mapper2: created\nplain: /dev/mapper3: created\n",
	   'apply: each created');
	is_deeply($w, ['rx/size=2097152', 'rx/contiguous=1', 'rx/dma_device=0000:00:04.0', 'rx/enable=1',
		       'tx/size=1048576', 'tx/node=1', 'tx/dma_device=0000:00:05.0', 'tx/enable=1',
		       'big/size=4194304', 'big/contiguous=1', 'big/enable=1', 'plain/size=1048576', 'plain/enable=1'],
		  'apply: the same writes as create, before each enable');
	($o, $e, $c) = ctl($r, 'apply', $f);
	ok($c == 0 && $e eq '' && $o eq "rx: /dev/mapper0: exists as configured\ntx: /dev/mapper1: exists as configured\n" .
	   "big: /dev/mapper2: exists as configured\nplain: /dev/mapper3: exists as configured\n", 'apply again: as configured')
		or diag($e);

	# Each change told, and left alone.
	spit($f, "rx 2M dma-device=0000:00:04.0\ntx 1M dma-device=0000:00:04.0 node=1\nbig 4M contiguous dma-device=0000:00:05.0\n" .
		 "plain 1M contiguous\n");
	my $before = join '', map { slurp($_) } sort glob("$r/sys/class/mapper/mapper*/*");
	($o, $e, $c) = ctl($r, 'apply', $f);
	is($c, 1, 'apply of DMA changes: exit 1');
	is($o, '', 'apply of DMA changes: nothing made');
	like($e, qr/^mapperctl: apply: \S+:1: rx: \/dev\/mapper0 exists with contiguous on \(configured off\): left alone; to apply it, remove it \(mapperctl remove rx\) and apply again$/m,
	     'apply: contiguous dropped: told') or diag($e);
	like($e, qr/:2: tx: \/dev\/mapper1 exists with DMA device 0000:00:05\.0 \(configured 0000:00:04\.0\): left alone/,
	     'apply: another device: told');
	like($e, qr/:3: big: \/dev\/mapper2 exists with DMA device none \(configured 0000:00:05\.0\): left alone/,
	     'apply: a device added: told');
	like($e, qr/:4: plain: \/dev\/mapper3 exists with contiguous off \(configured on\): left alone/,
	     'apply: contiguous added: told');
	spit($f, "rx 2M contiguous\n");
	like((ctl($r, 'apply', $f))[1], qr/rx: \/dev\/mapper0 exists with DMA device 0000:00:04\.0 \(configured none\): left alone/,
	     'apply: a device dropped: told');
	spit($f, "rx 4M\n");
	like((ctl($r, 'apply', $f))[1], qr/rx: \/dev\/mapper0 exists with size 2 MiB \(configured 4 MiB\), contiguous on \(configured off\), DMA device 0000:00:04\.0 \(configured none\): left alone/,
	     'apply: all differences in one line');
	is(join('', map { slurp($_) } sort glob("$r/sys/class/mapper/mapper*/*")), $before, 'apply of changes: no buffer changed');
	spit("$r/sys/class/mapper/mapper0/contiguous", "maybe\n");
	spit("$r/sys/class/mapper/mapper0/dma_device", "\x01\n");
	spit($f, "rx 2M contiguous dma-device=0000:00:04.0\n");
	like((ctl($r, 'apply', $f))[1], qr/rx: \/dev\/mapper0 exists with contiguous \? \(configured on\), DMA device \? \(configured 0000:00:04\.0\): left alone/,
	     'apply: what sysfs garbles differs');

	# A device that is not there (any more): that buffer only.
	spit($f, "a 1M\ngone 1M dma-device=0000:00:09.0\nb 1M\n");
	($o, $e, $c) = ctl($r, 'apply', $f);
	is($c, 1, 'apply: a device not there: exit 1');
	is($e, "mapperctl: apply: $f:2: gone: dma-device '0000:00:09.0': no such device in /sys/bus/*/devices (see lspci -D or ls /sys/bus/*/devices)\n",
	   'apply: a device not there: said at its line');
	is($o, "a: /dev/mapper4: created\nb: /dev/mapper5: created\n", 'apply: a device not there: the others made');
	ok(!-e "$r/sys/kernel/config/mapper/gone", 'apply: a device not there: nothing of it made');
	spit($f, "u 1M dma-device=0000:00:05.0\n");
	($o, $e, $c) = ctl($r, 'apply', $f, {env => {FAKE_FAIL => 'enable:19'}});
	like($e, qr/^mapperctl: apply: \S+:1: \/sys\/kernel\/config\/mapper\/u\/enable: No such device: the module found no device '0000:00:05\.0' on the pci, platform or amba bus; 'dmesg \| tail' says why; choose another dma-device/,
	     'apply: ENODEV at enable, at its line, in the words of the file');
	spit($f, "huge 8M contiguous\n");
	($o, $e, $c) = ctl($r, 'apply', $f);
	like($e, qr/^mapperctl: apply: \S+:1: \/sys\/kernel\/config\/mapper\/huge\/enable: Cannot allocate memory: no physically contiguous block of 8 MiB .* try a smaller size, or leave out contiguous\n\z/,
	     'apply: ENOMEM of a contiguous buffer, in the words of the file');
}

# --- mapper.conf: the syntax of the new words -----------------------------------

{
	my $r = fake_tree();
	my $n = 0;
	for my $case (['dma-device=', qr/1: dma-device '': not a device name; give one of \/sys\/bus\/\*\/devices/],
		      ['dma-device=a/b', qr/1: dma-device 'a\/b': not a device name: no \/, blanks or control characters/],
		      ['dma-device=..', qr/1: dma-device '\.\.': not a device name/],
		      ['contiguous contiguous', qr/1: 'contiguous': given twice\n/],
		      ['dma-device=x dma-device=y', qr/1: 'dma-device=y': given twice\n/],
		      ['contig', qr/1: 'contig': not an option; use node=N, node-fallback, cache=cached\|wc\|uc, contiguous or dma-device=DEVICE\n/],
		      ['dma_device=x', qr/1: 'dma_device=x': not an option/],
		      ['contiguous=1', qr/1: 'contiguous=1': not an option/]) {
		my ($words, $re) = @$case;
		my $f = "$TMP/bad" . $n++ . '.conf';
		spit($f, "ring 1M $words\nok 1M\n");
		my ($o, $e, $c) = ctl($r, 'apply', $f);
		ok($c == 1 && $o eq '', "mapper.conf: '$words': refused") or diag("exit $c: $o$e");
		like($e, qr/^mapperctl: apply: \Q$f\E:$re/, "mapper.conf: '$words': message") or diag($e);
		like($e, qr/nothing applied: correct the configuration first/, "mapper.conf: '$words': nothing applied");
		is_deeply([cfg_dirs($r)], [], "mapper.conf: '$words': nothing made");
	}
	# Every option on one line fits (seven words).
	bus_device($r, 'pci', '0000:00:04.0');
	spit("$TMP/all.conf", "all 1M node=0 node-fallback cache=wc contiguous dma-device=0000:00:04.0 # all of them\n");
	my ($o, $e, $c) = ctl($r, 'apply', "$TMP/all.conf");
	ok($c == 0 && $o eq "all: /dev/mapper0: created\n", 'mapper.conf: every option on one line') or diag($e);
	# The shipped file's example line is one the parser takes.
	my ($line) = slurp("$TOP/dist/mapper.conf") =~ /^#(rx .*contiguous.*)$/m;
	ok($line, 'dist/mapper.conf: an example with contiguous and dma-device=');
	spit("$TMP/shipped.conf", "$line\n");
	($o, $e, $c) = ctl($r, 'apply', "$TMP/shipped.conf");
	ok($c == 0 && $e eq '' && $o eq "rx: /dev/mapper1: created\n", 'dist/mapper.conf: its example applies')
		or diag("exit $c: $e");
}

done_testing();
