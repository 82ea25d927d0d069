<?php
// smtp.php: a site script that sends one message with Debian's PHPMailer
// (libphp-phpmailer) in SMTP mode, to the MTA on a loopback port.
// Parameters (query string, or --name=value under the CLI): host (default
// 127.0.0.1), port, to,
// from, subject, body, header (one extra "Name: value" header).
// Prints "sent=1" or "sent=0 <error>".
require '/usr/share/php/libphp-phpmailer/autoload.php';
use PHPMailer\PHPMailer\PHPMailer;

$p = PHP_SAPI === 'cli'
    ? getopt('', ['host:', 'port:', 'to:', 'from:', 'subject:', 'body:', 'header:'])
    : $_GET;
$m = new PHPMailer(true);
try {
    $m->isSMTP();
    $m->Host = $p['host'] ?? '127.0.0.1';
    $m->Port = (int)$p['port'];
    $m->SMTPAuth = false;
    $m->SMTPAutoTLS = false;
    $m->setFrom($p['from'] ?? 'smtp@test.invalid');
    $m->addAddress($p['to']);
    $m->Subject = $p['subject'] ?? 'smtp test';
    $m->Body = $p['body'] ?? "Sent over SMTP from " . __FILE__ . "\n";
    if (isset($p['header'])) {
        [$n, $v] = explode(':', $p['header'], 2);
        $m->addCustomHeader(trim($n), trim($v));
    }
    $m->send();
    echo "sent=1\n";
} catch (Exception $e) {
    echo "sent=0 ", $m->ErrorInfo, "\n";
}
