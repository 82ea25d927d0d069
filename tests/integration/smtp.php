<?php
// smtp.php: a site script that sends one message over SMTP with PHPMailer,
// through a function of an included file (lib/smtp-send.php).
// Parameters (query string, or --name=value under the CLI): host (default
// 127.0.0.1), port, to, from, subject, body, header (one extra
// "Name: value" header).
// Prints "sent=1" or "sent=0 <error>".
require __DIR__ . '/lib/smtp-send.php';

$p = PHP_SAPI === 'cli'
    ? getopt('', ['host:', 'port:', 'to:', 'from:', 'subject:', 'body:', 'header:'])
    : $_GET;
echo mo_smtp_send($p), "\n";
