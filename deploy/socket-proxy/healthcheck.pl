#!/usr/bin/perl
# Health of the engine-socket proxy: GET /_ping through the filtered socket must answer 200, which
# proves haproxy is up AND reaches the engine. Perl because perl-base is in every Debian image
# (no curl, no python in the proxy image). Usage: healthcheck.pl [SOCKET]
use strict;
use warnings;
use IO::Socket::UNIX;

my $path = $ARGV[0] // $ENV{VV_PROXY_SOCKET} // '/run/vvai-engine/docker.sock';
my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $path, Timeout => 5)
  or do { print STDERR "unhealthy: connect $path: $!\n"; exit 1 };
print $s "GET /_ping HTTP/1.0\r\nHost: localhost\r\n\r\n";
my $line = <$s> // '';
if ($line =~ m{^HTTP/1\.[01] 200 }) { print "healthy\n"; exit 0 }
$line =~ s/\r?\n$//;
print STDERR "unhealthy: $path /_ping: " . ($line || 'no answer') . "\n";
exit 1;
