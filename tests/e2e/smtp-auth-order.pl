#!/usr/bin/perl
# smtp-auth-order.pl HOST PORT ORDER USER PASS FROM RCPT TOKEN
#
# One SMTP session that sends AUTH PLAIN and STARTTLS in the ORDER given,
# which swaks and `openssl s_client -starttls smtp` cannot:
#   auth-first	EHLO, AUTH PLAIN (in clear), STARTTLS, EHLO, MAIL, RCPT, DATA
#   tls-first	EHLO, STARTTLS, EHLO, AUTH PLAIN, MAIL, RCPT, DATA
#   auth-noehlo	EHLO, STARTTLS, AUTH PLAIN (no EHLO over TLS), MAIL, ...
# Prints every command ("-> ") and reply line ("<- "); the message body
# ends with "E2E-END TOKEN" (lib.sh's sink_wait). Stops at the first
# error reply after AUTH (exit 1); exit 0 when the message was queued,
# 2 when the dialogue broke (a step the server refused before AUTH, I/O).
use strict;
use warnings;
use IO::Socket::INET;
use IO::Socket::SSL;
use MIME::Base64;

my ($host, $port, $order, $user, $pass, $from, $rcpt, $token) = @ARGV;
die "usage: $0 HOST PORT ORDER USER PASS FROM RCPT TOKEN\n"
    unless defined $token;
$| = 1;
my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port,
    Timeout => 20) or do { print "connect: $!\n"; exit 2 };

# reply - one (multi-line) reply; its code
sub reply {
	my $code;
	while (defined(my $l = <$s>)) {
		$l =~ s/\r?\n\z//;
		print "<- $l\n";
		if ($l =~ /^(\d{3})([ -])/) {
			$code = $1;
			return $code if $2 eq ' ';
		}
	}
	print "connection closed\n";
	exit 2;
}

# cmd LINE WANT - send, read the reply; exit unless it starts with WANT
sub cmd {
	my ($line, $want, $fail) = @_;
	print "-> ", ($line =~ /^AUTH/ ? "AUTH PLAIN (credentials)" : $line),
	    "\n";
	print $s "$line\r\n";
	my $code = reply();
	exit($fail // 1) unless $code =~ /^$want/;
	return $code;
}

sub starttls {
	cmd("STARTTLS", "220", 2);
	IO::Socket::SSL->start_SSL($s, SSL_verify_mode => SSL_VERIFY_NONE,
	    Timeout => 20) or do { print "TLS: $SSL_ERROR\n"; exit 2 };
	print "TLS: ", $s->get_sslversion, "\n";
}

sub auth {
	cmd("AUTH PLAIN " . encode_base64("\0$user\0$pass", ""), "235", 2);
}

reply() =~ /^220/ or exit 2;
cmd("EHLO client.test.example", "250", 2);
if ($order eq "auth-first") {
	auth();
	starttls();
	cmd("EHLO client.test.example", "250", 2);
} elsif ($order eq "tls-first") {
	starttls();
	cmd("EHLO client.test.example", "250", 2);
	auth();
} elsif ($order eq "auth-noehlo") {
	starttls();
	auth();
} else {
	die "unknown order $order\n";
}
cmd("MAIL FROM:<$from>", "250");
cmd("RCPT TO:<$rcpt>", "250");
cmd("DATA", "354");
print $s "Subject: certrelay e2e $token\r\n\r\n",
    "certrelay end-to-end test message.\r\nE2E-END $token\r\n.\r\n";
print "-> (message)\n";
reply() =~ /^250/ or exit 1;
cmd("QUIT", "221", 0);
exit 0;
