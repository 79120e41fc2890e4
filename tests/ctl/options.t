#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# mapperctl's command line: every usage error exits 2 with its reason and
# creates nothing, extreme sizes, names and nodes; --help, --version, the
# man pages (mandoc -Tlint, man --warnings) and the bash completion.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use CtlTest;
use Test::More;

my $r = fake_tree(nodes => 2);

# usage(NAME, [ARGS], PATTERN): exit 2, the reason, the pointer to --help,
# nothing on stdout, nothing created.
sub usage {
	my ($name, $args, $re) = @_;
	my $err = ctl_err($name, $r, $args, 2, $re);
	like($err, qr/\nTry 'mapperctl --help' for more information\.\n\z/, "$name: points to --help");
	is_deeply([cfg_dirs($r), class_dirs($r)], [], "$name: nothing created");
}

# Commands and options.
usage('no command', [], qr/^mapperctl: no command: give create, remove, list, apply or export\n/);
usage('unknown command', ['frobnicate'], qr/^mapperctl: 'frobnicate': no such command; give create, remove, list, apply or export\n/);
usage('unknown global option', ['--frob'], qr/^mapperctl: unrecognized option '--frob'\n/);
usage('unknown create option', ['create', '--size', '1M', '--frob'], qr/^mapperctl create: unrecognized option '--frob'\n/);
usage('missing argument', ['create', '--size'], qr/^mapperctl create: option '--size' requires an argument\n/);
usage('create without --size', ['create'], qr/^mapperctl: create: --size is missing: how large is the buffer to be\? e\.g\. --size 4M\n/);
usage('create with an operand', ['create', '--size', '1M', 'frames'], qr/^mapperctl: create: 'frames': create takes options only\n/);
usage('--node-fallback alone', ['create', '--size', '1M', '--node-fallback'], qr/--node-fallback goes with --node N: the node to prefer/);
usage('remove without a buffer', ['remove'], qr/^mapperctl: remove: which buffer\? give NAME, \/dev\/mapperN or \/dev\/mapper-by-name\/NAME\n/);
usage('remove two', ['remove', 'a', 'b'], qr/^mapperctl: remove: one buffer at a time: got 'a' and 'b'\n/);
usage('remove --frob', ['remove', '--frob', 'a'], qr/^mapperctl remove: unrecognized option '--frob'\n/);
usage('list with an operand', ['list', 'x'], qr/^mapperctl: list: 'x': list takes no arguments: it lists every buffer\n/);
usage('list --json --bytes', ['list', '--json', '--bytes'], qr/--bytes goes with the table: --json gives sizes in bytes always/);
usage('apply two files', ['apply', 'a', 'b'], qr/^mapperctl: apply: one configuration at a time: got 'a' and 'b'\n/);

# Sizes: decimal or 0x, K/M/G (and KiB/MiB/GiB), never 0, never past 2^64 - 1.
my $syntax = qr/not a size; give a decimal or 0x hex number with an optional K, M, G, KiB, MiB or GiB suffix, e\.g\. 4096, 0x1000 or 4K/;
usage("--size 0", ['create', '--size', '0'], qr/--size '0': a buffer needs at least one byte/);
usage("--size 0x0", ['create', '--size', '0x0'], qr/--size '0x0': a buffer needs at least one byte/);
usage("--size 0K", ['create', '--size', '0K'], qr/a buffer needs at least one byte/);
usage('--size 2^64', ['create', '--size', '18446744073709551616'], qr/--size '18446744073709551616': too large: more than 16 EiB/);
usage('--size 0x1' . '0' x 16, ['create', '--size', '0x10000000000000000'], qr/too large/);
usage('--size 17179869184G', ['create', '--size', '17179869184G'], qr/--size '17179869184G': too large/);
usage('--size 16777216T', ['create', '--size', '16777216T'], $syntax);
usage('--size of 1000 digits', ['create', '--size', '9' x 1000], qr/--size '9{40}'\.\.\.: too large/);
usage('--size -1', ['create', '--size', '-1'], qr/--size '-1': a size is not negative/);
for my $bad ('', 'abc', '1KB', '1k', '1.5M', '0x', '1 M', 'M', '1e6', "4M\n", "\x{ff}") {
	(my $shown = $bad) =~ s/([^\x20-\x7e])/sprintf '\\x%02x', ord $1/ge;
	usage("--size '$shown'", ['create', '--size', $bad], qr/--size '\Q$shown\E': $syntax/);
}

# Names: 1 to 31 of a-z 0-9 _ -; mapperN without leading zeros.
my $rule = qr/; a name is 1 to 31 characters of a-z, 0-9, _ and -\n/;
usage('name of 32', ['create', '--size', '1M', '--name', 'a' x 32], qr/--name 'a{32}': longer than 31 characters$rule/);
usage('empty name', ['create', '--size', '1M', '--name', ''], qr/--name '': empty$rule/);
for my $bad ('Frames', 'a b', 'a/b', '../x', 'a.b', "tab\t", "caf\x{c3}\x{a9}", "nl\n", '*') {
	(my $shown = $bad) =~ s/([^\x20-\x7e])/sprintf '\\x%02x', ord $1/ge;
	usage("name '$shown'", ['create', '--size', '1M', '--name', $bad],
	      qr/--name '\Q$shown\E': only a-z, 0-9, _ and - may be used$rule/);
}
usage('name mapper07', ['create', '--size', '1M', '--name', 'mapper07'],
      qr/--name 'mapper07': names mapperN are the devices \/dev\/mapperN and have no leading zeros$rule/);
usage('remove a bad name', ['remove', 'A'], qr/remove: 'A': not a buffer name: only a-z/);
usage('remove a long name', ['remove', 'x' x 5000], qr/remove: 'x{40}'\.\.\.: not a buffer name: longer than 31 characters/);

# Nodes and cache modes.
for my $bad ('x', '-2', '1.0', '', '99999999999', '0x1', '+1') {
	usage("--node '$bad'", ['create', '--size', '1M', '--node', $bad],
	      qr/--node '\Q$bad\E': give a NUMA node number \(ls \/sys\/devices\/system\/node\), or -1 for any/);
}
for my $bad ('WC', 'writeback', '', 'cached ') {
	usage("--cache '$bad'", ['create', '--size', '1M', '--cache', $bad], qr/--cache '\Q$bad\E': use cached, wc or uc/);
}

# What is accepted at its limits: a name of 31, 1 byte, 0x hex, GiB.
{
	my ($o, $e, $c) = ctl($r, 'create', '--size', '1', '--name', 'a' x 31);
	ok($c == 0 && $o eq "/dev/mapper0\n" && $e eq '', 'a name of 31 characters, 1 byte') or diag($e);
	is(slurp("$r/sys/class/mapper/mapper0/size"), "1\n", '1 byte asked, 1 byte written');
	($o, $e, $c) = ctl($r, 'create', '--size', '0x10', '--name', 'hex');
	ok($c == 0 && slurp("$r/sys/class/mapper/mapper1/size") eq "16\n", '--size 0x10 is 16 bytes') or diag($e);
	($o, $e, $c) = ctl($r, 'create', '--size', '1GiB', '--name', 'gib', {env => {}});
	like($e, qr/Cannot allocate memory/, '--size 1GiB: 1073741824 bytes, over the fake limit with the others');
	($o, $e, $c) = ctl($r, 'create', '--size', '1022M', '--name', 'mib', '--node', '-1');
	ok($c == 0 && slurp("$r/sys/class/mapper/mapper2/size") eq 1022 * 1048576 . "\n", '--size 1022M, --node -1') or diag($e);
}

# --help and --version; help anywhere after the command.
{
	my ($o, $e, $c) = run($CTL, '--help');
	ok($c == 0 && $e eq '' && $o =~ /^Usage: mapperctl COMMAND \[OPTIONS\]\n/, '--help');
	is((run($CTL, '-h'))[0], $o, '-h');
	is((run($CTL, 'create', '--size', 'x', '--help'))[0], $o, 'create ... --help: the help, no error');
	is((run($CTL, 'remove', '-h'))[0], $o, 'remove -h');
	my ($ver) = slurp("$TOP/src/version.h") =~ /MAPPER_VERSION "([^"]+)"/;
	is((run($CTL, '--version'))[0], "mapperctl (mapper) $ver\n", '--version from src/version.h');
	is((run($CTL, '-V'))[0], "mapperctl (mapper) $ver\n", '-V');
	# The contract's spellings, each in the help.
	for my $s ('create --size SIZE [--node N] [--node-fallback] [--cache MODE] [--name NAME]',
		   'remove [--lazy] NAME|DEVICE', 'list [--json] [--bytes] [--dma]', 'apply [FILE]') {
		ok(index($o, $s) >= 0, "help: $s");
	}
	ok(index($o, "[--name NAME]\n         [--contiguous] [--dma-device DEVICE]\n") >= 0,
	   'help: create ... [--contiguous] [--dma-device DEVICE], on its second line');
	my @long = sort keys %{{ map { $_ => 1 } $o =~ /(--[a-z][a-z-]+)/g }};
	ok(@long >= 10, 'help lists the long options') or diag("@long");
	my $man = slurp("$TOP/man/mapperctl.8") =~ s/\\-/-/gr;
	is_deeply([grep { index($man, $_) < 0 } @long], [], 'mapperctl(8) documents every option');
	my $comp = slurp("$TOP/utils/mapperctl.bash-completion");
	is_deeply([grep { $comp !~ /(?:^|[\s"])\Q$_\E(?:\s|")/ } @long], [], 'the completion offers every option');
	for my $page ('man/mapperctl.8', 'man/mapper.conf.5') {
		like(slurp("$TOP/$page"), qr/^\.TH \S+ [58] \S+ "mapper \Q$ver\E"/m, "$page carries the version");
	}
}

# The man pages are clean for mandoc -Tlint and man --warnings.
for my $page ('man/mapperctl.8', 'man/mapper.conf.5') {
	SKIP: {
		skip 'no mandoc', 1 unless -x '/usr/bin/mandoc';
		my ($o, $e, $c) = run('mandoc', '-Tlint', '-W', 'warning', "$TOP/$page");
		ok($c == 0 && $o eq '' && $e eq '', "mandoc -Tlint $page: clean") or diag($o . $e);
	}
	SKIP: {
		skip 'no man', 1 unless -x '/usr/bin/man';
		my ($o, $e, $c) = run('man', '--warnings', '-l', "$TOP/$page",
				       {env => {MANWIDTH => 80, MAN_KEEP_FORMATTING => 0}});
		ok($c == 0 && $e eq '' && $o =~ /mapper/, "man --warnings $page: clean") or diag($e);
	}
}

# The completion: commands, each command's options, cache modes, names.
{
	my $root = fake_tree();
	load_time($root, 0, name => 'frames');
	load_time($root, 1);
	my $script = "source $TOP/utils/mapperctl.bash-completion; " .
		'COMP_WORDS=(mapperctl "$@"); COMP_CWORD=$#; _mapperctl; echo "${COMPREPLY[*]}"';
	my $comp = sub { (run('bash', '-c', $script, 'x', @_, {env => {MAPPER_SYSROOT => $root}}))[0] };
	is($comp->(''), "create remove list apply export\n", 'completion: commands');
	is($comp->('--'), "--help --version\n", 'completion: options before the command');
	is($comp->('cr'), "create\n", 'completion: cr');
	is($comp->('create', '--n'), "--node --node-fallback --name\n", 'completion: create --n');
	is($comp->('create', '--cache', ''), "cached wc uc\n", 'completion: --cache');
	is($comp->('list', '-'), "--json -J --bytes -b --dma -d --help\n", 'completion: list -');
	is($comp->('remove', 'fr'), "frames\n", 'completion: remove fr (names from sysfs)');
	is($comp->('remove', '--lazy', 'map'), "mapper1\n", 'completion: remove --lazy map');
	is($comp->('create', '--c'), "--cache --contiguous\n", 'completion: create --c');
	is($comp->('create', '--d'), "--dma-device\n", 'completion: create --d');
	bus_device($root, 'pci', '0000:00:04.0');
	bus_device($root, 'pci', '0000:00:05.0');
	bus_device($root, 'platform', 'fe200000.dma');
	is($comp->('create', '--dma-device', ''), "0000:00:04.0 0000:00:05.0 fe200000.dma\n",
	   'completion: --dma-device: the names of /sys/bus/*/devices');
	is($comp->('create', '--dma-device', 'fe'), "fe200000.dma\n", 'completion: --dma-device fe');
	is($comp->('list', '--d'), "--dma\n", 'completion: list --d');
	is($comp->('ex'), "export\n", 'completion: ex');
	is($comp->('export', '-'), "--offset --length --read-only -r -- --help\n", 'completion: export -');
	is($comp->('export', 'fr'), "frames\n", 'completion: export fr (names from sysfs)');
	is($comp->('export', 'frames', '--offset', ''), "\n", 'completion: export --offset: a size, nothing offered');
	is($comp->('export', 'frames', '--', 'sh', '--frames-not-an-option'), "\n",
	   'completion: export ... -- COMMAND ARG: not mapperctl\'s options');
	my $f = "$TMP/export-completion-file";
	spit($f, '');
	is($comp->('export', 'frames', '--', 'cat', "$TMP/export-completion-f"), "$f\n", 'completion: export ... -- COMMAND ARG: files');
	like($comp->('export', 'frames', '--', 'sh'), qr/(?:^| )sh(?: |\n)/, 'completion: export ... -- sh: a command');
	# With bash-completion loaded, as in a shell: a name with colons, which bash
	# splits into words (COMP_WORDBREAKS), completed as one.
	SKIP: {
		my $bc = '/usr/share/bash-completion/bash_completion';
		skip "no $bc", 1 unless -r $bc;
		my $line = 'mapperctl create --dma-device 0000:00:0';
		my $sh = "source $bc; source $TOP/utils/mapperctl.bash-completion; " .
			 "COMP_LINE='$line'; COMP_POINT=\${#COMP_LINE}; " .
			 'COMP_WORDS=(mapperctl create --dma-device 0000 : 00 : 0); COMP_CWORD=6; _mapperctl; echo "${COMPREPLY[*]}"';
		is((run('bash', '-c', $sh, {env => {MAPPER_SYSROOT => $root}}))[0], "04.0 05.0\n",
		   'completion: --dma-device 0000:00:0 with bash-completion: the rest after the last colon');
	}
	# With bash-completion loaded, after --: its completion of COMMAND's words.
	SKIP: {
		my $bc = '/usr/share/bash-completion/bash_completion';
		skip "no $bc", 2 unless -r $bc;
		my $f = "$TMP/export-completion-file";
		my $sh = "source $bc; source $TOP/utils/mapperctl.bash-completion; " .
			 'COMP_WORDS=(mapperctl "$@"); COMP_CWORD=$#; COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}; ' .
			 '_mapperctl; echo "${COMPREPLY[*]}"';
		like((run('bash', '-c', $sh, 'x', 'export', 'frames', '--', 'sh', {env => {MAPPER_SYSROOT => $root}}))[0],
		     qr/(?:^| )sh(?: |\n)/, 'completion with bash-completion: export ... -- sh: a command');
		is((run('bash', '-c', $sh, 'x', 'export', 'frames', '--', 'cat', "$TMP/export-completion-f",
			{env => {MAPPER_SYSROOT => $root}}))[0], "$f\n", 'completion with bash-completion: export ... -- cat FILE');
	}
}

done_testing();
