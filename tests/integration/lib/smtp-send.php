<?php
// lib/smtp-send.php: included by smtp.php; sends one message with Debian's
// PHPMailer (libphp-phpmailer) in SMTP mode, to the MTA on a loopback
// port.  The call into PHPMailer is on the line marked MO-SEND: the
// milter's read of an FPM worker's memory names this file and that line.
// Parameters: host (default 127.0.0.1), port, to, from, subject, body,
// header (one extra "Name: value" header).  Returns "sent=1" or
// "sent=0 <error>".
require '/usr/share/php/libphp-phpmailer/autoload.php';
use PHPMailer\PHPMailer\PHPMailer;

function mo_smtp_send(array $p): string
{
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
        $m->send(); // MO-SEND
        return "sent=1";
    } catch (Exception $e) {
        return "sent=0 " . $m->ErrorInfo;
    }
}
