# SPDX-License-Identifier: GPL-2.0
#
# Helpers for mapperctl's host tests (Test::More scripts run by prove):
# tests/lib/HostTest.pm's, the binary under test, and fake trees of /sys,
# /dev and /etc for MAPPER_SYSROOT, in which fakekernel.so (preloaded)
# plays the module's part.
package CtlTest;
use strict;
use warnings;
use Exporter 'import';
use File::Path qw(make_path);
use Cwd qw(abs_path);
use File::Spec;
use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/../lib";
use HostTest;
use Test::More;

our @EXPORT = qw($CTL $FAKE $TMP $TOP run slurp spit fake_tree load_time describe ctl ctl_err
	cfg_dirs class_dirs bus_device);

our $TOP = abs_path("$FindBin::Bin/../..");
our $CTL = File::Spec->rel2abs($ENV{MAPPERCTL} // "$TOP/build/test/mapperctl");
our $FAKE = File::Spec->rel2abs($ENV{FAKEKERNEL} // "$TOP/build/test/fakekernel.so");
die "no executable $CTL: run 'make check-ctl'\n" unless -x $CTL;
die "no $FAKE: run 'make check-ctl'\n" unless -e $FAKE;
# The preloaded fake comes before the ASan runtime of the test build.
$ENV{ASAN_OPTIONS} = join ':', grep { defined } $ENV{ASAN_OPTIONS}, 'verify_asan_link_order=0';

# fake_tree(loaded => 1, configfs => 1, limit => BYTES, nodes => N): a new
# root with the module loaded, its configfs directory, the class directory
# with total_bytes 0 and limit_bytes, NUMA nodes 0..N-1.
sub fake_tree {
	my %o = (loaded => 1, configfs => 1, limit => 1 << 30, nodes => 1, @_);
	my $r = tempdir('root.XXXXXX', DIR => $TMP);
	make_path("$r/dev", "$r/etc", "$r/sys/kernel/config", "$r/sys/class");
	make_path("$r/sys/module/mapper") if $o{loaded};
	if ($o{loaded}) {
		make_path("$r/sys/class/mapper");
		spit("$r/sys/class/mapper/total_bytes", "0\n");
		spit("$r/sys/class/mapper/limit_bytes", "$o{limit}\n");
	}
	make_path("$r/sys/kernel/config/mapper") if $o{loaded} && $o{configfs};
	make_path("$r/sys/devices/system/node/node$_") for 0 .. $o{nodes} - 1;
	return $r;
}

# load_time(ROOT, INDEX, size => BYTES, attr => value...): a buffer made at
# module load: sysfs and /dev only. An attribute given as undef is absent
# (a module before 0.3).
sub load_time {
	my ($r, $i, %a) = @_;
	%a = (size => 1 << 20, maps => 0, cache => 'cached', name => "mapper$i", node => -1,
	      opens => 0, holders => 0, dev => "250:$i", %a);
	my $d = "$r/sys/class/mapper/mapper$i";
	make_path($d);
	while (my ($k, $v) = each %a) {
		spit("$d/$k", "$v\n") if defined $v;
	}
	spit("$r/dev/mapper$i", "load-time device\n");
	my $t = slurp("$r/sys/class/mapper/total_bytes") + $a{size};
	spit("$r/sys/class/mapper/total_bytes", "$t\n");
}

# describe(ROOT, NAME): a configfs description never enabled, as a mkdir
# by hand leaves it.
sub describe {
	my ($r, $name) = @_;
	my $d = "$r/sys/kernel/config/mapper/$name";
	mkdir $d or die "$d: $!";
	my %a = (size => 0, node => -1, node_fallback => 0, cache => 'cached', enable => 0, detach => '', index => -1,
		 contiguous => 0, dma_device => '');
	spit("$d/$_", "$a{$_}\n") for keys %a;
}

# bus_device(ROOT, BUS, NAME): a device as sysfs shows it, the link
# /sys/bus/BUS/devices/NAME to its directory below /sys/devices.
sub bus_device {
	my ($r, $bus, $name) = @_;
	make_path("$r/sys/devices/fake/$name", "$r/sys/bus/$bus/devices");
	symlink("../../../devices/fake/$name", "$r/sys/bus/$bus/devices/$name") or die "$name: $!";
}

# ctl(ROOT, ARGS..., {in => FILE, env => {...}}): mapperctl in the fake tree.
sub ctl {
	my $r = shift;
	my $o = ref $_[-1] eq 'HASH' ? pop : {};
	return run($CTL, @_, { %$o, env => { MAPPER_SYSROOT => $r, LD_PRELOAD => $FAKE,
					       %{$o->{env} // {}} } });
}

# ctl_err(NAME, ROOT, [ARGS], CODE, STDERR-PATTERN, {...}): a failing run:
# its exit code, its one message, nothing on stdout.
sub ctl_err {
	my ($name, $r, $args, $code, $re, $o) = @_;
	my ($out, $err, $c) = ctl($r, @$args, $o // {});
	is($c, $code, "$name: exit $code");
	like($err, $re, "$name: message") or diag($err);
	is($out, '', "$name: nothing on stdout");
	return $err;
}

# The configfs directories and the class directories there are, sorted.
sub cfg_dirs {
	my ($r) = @_;
	opendir my $d, "$r/sys/kernel/config/mapper" or return ();
	return sort grep { !/^\./ } readdir $d;
}

sub class_dirs {
	my ($r) = @_;
	opendir my $d, "$r/sys/class/mapper" or return ();
	return sort grep { /^mapper\d+$/ } readdir $d;
}

1;
