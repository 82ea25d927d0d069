<?php
// smtp-unix.php: one SMTP transaction over a unix socket (an smtpd
// service of type unix), the way a script with stream_socket_client()
// speaks it.  Parameters (query string, or --name=value under the CLI):
// socket, to, from.  Prints "sent=1" or "sent=0 <the reply>".
$p = PHP_SAPI === 'cli' ? getopt('', ['socket:', 'to:', 'from:']) : $_GET;

function reply($s): string
{
    while (($l = fgets($s, 1000)) !== false) { // MO-WAIT
        if (strlen($l) < 4 || $l[3] !== '-') {
            return rtrim($l);
        }
    }
    return '';
}

$s = stream_socket_client('unix://' . $p['socket'], $errno, $errstr, 10);
if ($s === false) {
    echo "sent=0 $errstr\n";
    exit(1);
}
$from = $p['from'] ?? 'unix@test.invalid';
$steps = ["EHLO unix.test", "MAIL FROM:<$from>", "RCPT TO:<{$p['to']}>", "DATA",
    "Subject: over a unix socket\r\n\r\nsent by " . __FILE__ . "\r\n."];
$r = reply($s);
foreach ($steps as $cmd) {
    if ($r[0] !== '2' && $r[0] !== '3') {
        break;
    }
    fwrite($s, "$cmd\r\n"); // MO-SEND
    $r = reply($s);
}
fwrite($s, "QUIT\r\n");
echo $r[0] === '2' ? "sent=1\n" : "sent=0 $r\n";
