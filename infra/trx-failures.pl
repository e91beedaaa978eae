#!/usr/bin/env perl
# Prints every failed test of the given .trx files: its name, duration, message and the top of its stack trace.
# infra/test.sh calls it after the run so that the end of the log, which is what a CI summary keeps, names what
# failed and why. Perl because it is on every Debian machine; no module beyond the core.
use strict;
use warnings;

binmode STDOUT, ":encoding(UTF-8)";
my $stack_lines = 8;
my $message_lines = 30;

sub unescape {
    my ($text) = @_;
    $text =~ s/&lt;/</g;
    $text =~ s/&gt;/>/g;
    $text =~ s/&quot;/"/g;
    $text =~ s/&apos;/'/g;
    $text =~ s/&#x([0-9A-Fa-f]+);/chr(hex($1))/ge;
    $text =~ s/&#([0-9]+);/chr($1)/ge;
    $text =~ s/&amp;/&/g;
    return $text;
}

sub head_lines {
    my ($text, $limit) = @_;
    my @lines = split /\r?\n/, $text;
    my $more = @lines - $limit;
    @lines = @lines[0 .. $limit - 1] if $more > 0;
    push @lines, "... ($more more lines)" if $more > 0;
    return map { "    $_\n" } @lines;
}

for my $file (@ARGV) {
    open my $in, '<:encoding(UTF-8)', $file or die "trx-failures: cannot read $file: $!\n";
    local $/;
    my $xml = <$in>;
    close $in;
    # A failed result is never self-closing: it carries its ErrorInfo.
    while ($xml =~ m{<UnitTestResult\s([^>]*?outcome="Failed"[^>]*)>(.*?)</UnitTestResult>}gs) {
        my ($attributes, $body) = ($1, $2);
        my ($name) = $attributes =~ /testName="([^"]*)"/;
        my ($duration) = $attributes =~ /duration="([^"]*)"/;
        my ($message) = $body =~ m{<Message>(.*?)</Message>}s;
        my ($stack) = $body =~ m{<StackTrace>(.*?)</StackTrace>}s;
        printf "FAILED %s [%s]\n", unescape($name // '?'), $duration // '?';
        print head_lines(unescape($message // '(no message)'), $message_lines);
        print "  stack:\n", head_lines(unescape($stack), $stack_lines) if defined $stack;
    }
}
exit 0;
