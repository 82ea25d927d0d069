<?php
// symfony.php: a site script that sends one message with Debian's Symfony
// Mailer (php-symfony-mailer), sendmail transport.  Parameters (query
// string, or --name=value under the CLI): to, from, subject, body,
// command (the transport's command; default "SENDMAIL -bs" with SENDMAIL
// from sendmail_path's first word), count (messages in one session).
// Prints "sent=N" or "sent=0 <error>".
require '/usr/share/php/Symfony/Component/Mailer/autoload.php';
use Symfony\Component\Mailer\Mailer;
use Symfony\Component\Mailer\Transport\SendmailTransport;
use Symfony\Component\Mime\Email;

$p = PHP_SAPI === 'cli'
    ? getopt('', ['to:', 'from:', 'subject:', 'body:', 'command:', 'count:'])
    : $_GET;
$sm = strtok(ini_get('sendmail_path'), ' ');
$cmd = $p['command'] ?? "$sm -bs";
$n = (int)($p['count'] ?? 1);
try {
    $t = new SendmailTransport($cmd);
    $mailer = new Mailer($t);
    for ($i = 1; $i <= $n; $i++) {
        $e = (new Email())
            ->from($p['from'] ?? 'symfony@test.invalid')
            ->to($n > 1 ? str_replace('@', "-$i@", $p['to']) : $p['to'])
            ->subject($p['subject'] ?? 'symfony test')
            ->text($p['body'] ?? "Sent by Symfony Mailer from " . __FILE__ . "\n");
        $mailer->send($e);
    }
    echo "sent=$n\n";
} catch (\Throwable $e) {
    echo "sent=0 ", str_replace("\n", ' ', $e->getMessage()), "\n";
}
