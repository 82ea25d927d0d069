<?php
// phpmailer.php: a site script that sends one message with Debian's
// PHPMailer (libphp-phpmailer), sendmail transport (isSendmail(): the
// sendmail_path from php.ini when it names a sendmail).
// Parameters (query string, or --name=value under the CLI):
//   to, subject, body, from (also the envelope sender: PHPMailer passes -f),
//   attach (a file to attach), sendmail (overrides ->Sendmail)
// Prints "sent=1" or "sent=0 <error>".
require '/usr/share/php/libphp-phpmailer/autoload.php';
use PHPMailer\PHPMailer\PHPMailer;

$p = PHP_SAPI === 'cli'
    ? getopt('', ['to:', 'subject:', 'body:', 'from:', 'attach:', 'sendmail:'])
    : $_GET;
$m = new PHPMailer(true);
try {
    $m->isSendmail();
    if (isset($p['sendmail'])) $m->Sendmail = $p['sendmail'];
    $m->setFrom($p['from'] ?? 'phpmailer@test.invalid', 'PHPMailer Test');
    $m->addAddress($p['to']);
    $m->Subject = $p['subject'] ?? 'phpmailer test';
    $m->Body = $p['body'] ?? "Sent by PHPMailer from " . __FILE__ . "\n";
    if (isset($p['attach'])) $m->addAttachment($p['attach']);
    $m->send();
    echo "sent=1\n";
} catch (Exception $e) {
    echo "sent=0 ", $m->ErrorInfo, "\n";
}
